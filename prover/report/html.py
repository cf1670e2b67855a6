"""One self-contained HTML file for one or more runs, read from the store.

No scripts, fonts or styles from the network: tables, inline CSS and inline SVG only, so
the file opens anywhere (and in a mail attachment). Every number on the page comes from
`prover.run.summary`, the same code that prints `prover eval`'s summary; cells carry
``data-*`` attributes so tests can read the numbers back from a browser's DOM.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from prover.run.summary import Result, RunSummary, results, summarize
from prover.store import Store, safe_url

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
_STATUS_MARK = {"solved": "✔", "failed": "✘", "timeout": "⏱", "error": "⚠"}

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.name, th.name { text-align: left; }
td.solved { background: #e6f4e6; } td.failed, td.timeout { background: #fbeaea; } td.error { background: #fff3d6; }
pre { background: #f7f7f7; padding: 0.5em; white-space: pre-wrap; max-width: 100em; }
details { margin: 0.2em 0; } summary { cursor: pointer; }
.muted { color: #777; }
"""


def write_report(store: Store, run_ids: list[str], out: str | os.PathLike[str]) -> Path:
    """Write the report of `run_ids` to `out` (a file path); returns the path written."""
    path = Path(out)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path.with_suffix(".html") if not path.is_dir() else path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(store, run_ids), encoding="utf-8")
    return path.resolve()


def render(store: Store, run_ids: list[str]) -> str:
    """The report's HTML text."""
    summaries = [summarize(store, run_id) for run_id in run_ids]
    per_run = {run_id: results(store, run_id) for run_id in run_ids}
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>prover report: {escape(', '.join(run_ids))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>prover report</h1><p class=\"muted\">{escape(now)}, store {escape(safe_url(store.url))}</p>",
        "<h2>Results</h2>",
        _results_table(summaries),
        "<h2>Solved within a time limit</h2>",
        _curves(summaries, per_run),
        _categories(summaries),
        "<h2>Per theorem</h2>",
        _per_theorem(run_ids, per_run),
        "<h2>Attempts</h2>",
        *(_attempts(run_id, per_run[run_id]) for run_id in run_ids),
        "</body></html>",
    ]
    return "\n".join(parts)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _results_table(summaries: list[RunSummary]) -> str:
    head = ("run", "status", "benchmark", "prover", "budget (s)", "theorems", "solved", "solved %",
            "failed", "timeout", "error", "median time (s)", "median solved (s)", "code")
    rows = []
    for s in summaries:
        cells = [
            f'<td class="name">{escape(s.run.id)}</td>', f'<td class="name">{escape(s.run.status)}</td>',
            f'<td class="name">{escape(s.benchmark)} {escape(s.split)}</td>',
            f'<td class="name">{escape(s.prover)}</td>', f"<td>{_seconds(s.budget_seconds)}</td>",
            f'<td data-field="total">{s.total}</td>', f'<td data-field="solved">{s.solved}</td>',
            f'<td data-field="rate">{100 * s.rate:.1f}</td>', f'<td data-field="failed">{s.failed}</td>',
            f'<td data-field="timeout">{s.timeout}</td>', f'<td data-field="error">{s.error}</td>',
            f"<td>{_seconds(s.median_seconds)}</td>", f"<td>{_seconds(s.median_solved_seconds)}</td>",
            f'<td class="name">{escape(s.run.code_version)}</td>',
        ]
        rows.append(f'<tr data-run="{escape(s.run.id)}">{"".join(cells)}</tr>')
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f'<table id="results"><tr>{header}</tr>{"".join(rows)}</table>'


def _curves(summaries: list[RunSummary], per_run: dict[str, list[Result]]) -> str:
    """Number solved (y) within a per-theorem time limit (x), one line per run, as SVG."""
    width, height, left, bottom, top, right = 640, 320, 56, 40, 16, 16
    times = [r.attempt.seconds for rows in per_run.values() for r in rows if r.solved]
    budgets = [s.budget_seconds for s in summaries if s.budget_seconds]
    x_max = max([*times, *budgets, 1.0])
    y_max = max([s.total for s in summaries] + [1])

    def x(v: float) -> float:
        return left + (width - left - right) * v / x_max

    def y(v: float) -> float:
        return height - bottom - (height - bottom - top) * v / y_max

    svg = [(f'<svg id="curves" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="solved within a time limit">'),
           f'<line x1="{left}" y1="{y(0)}" x2="{width - right}" y2="{y(0)}" stroke="#444"/>',
           f'<line x1="{left}" y1="{y(0)}" x2="{left}" y2="{top}" stroke="#444"/>']
    for i in range(5):
        tx, ty = x_max * i / 4, y_max * i / 4
        svg.append(f'<text x="{x(tx):.1f}" y="{height - bottom + 16}" font-size="11" '
                   f'text-anchor="middle">{tx:.3g}</text>')
        svg.append(f'<text x="{left - 6}" y="{y(ty) + 4:.1f}" font-size="11" text-anchor="end">{ty:.3g}</text>')
    svg.append(f'<text x="{(left + width) / 2}" y="{height - 6}" font-size="12" text-anchor="middle">'
               "seconds per theorem</text>")
    svg.append(f'<text x="14" y="{(top + height - bottom) / 2}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 14 {(top + height - bottom) / 2})">theorems solved</text>')
    for index, summary in enumerate(summaries):
        color = _COLORS[index % len(_COLORS)]
        solved = sorted(r.attempt.seconds for r in per_run[summary.run.id] if r.solved)
        points = [(x(0), y(0))]
        for count, seconds in enumerate(solved, 1):
            points += [(x(seconds), y(count - 1)), (x(seconds), y(count))]
        points.append((x(x_max), y(len(solved))))
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        svg.append(f'<polyline data-run="{escape(summary.run.id)}" data-solved="{len(solved)}" fill="none" '
                   f'stroke="{color}" stroke-width="2" points="{coords}"/>')
        svg.append(f'<text x="{width - right - 4}" y="{top + 14 * (index + 1)}" font-size="12" '
                   f'text-anchor="end" fill="{color}">{escape(summary.run.id)} ({escape(summary.prover)})</text>')
    svg.append("</svg>")
    return "\n".join(svg)


def _categories(summaries: list[RunSummary]) -> str:
    names = sorted({row.category for s in summaries for row in s.categories})
    if len(names) < 2:
        return ""
    header = '<th class="name">category</th>' + "".join(f"<th>{escape(s.run.id)}</th>" for s in summaries)
    rows = []
    for name in names:
        cells = []
        for s in summaries:
            row = next((r for r in s.categories if r.category == name), None)
            cells.append("<td>-</td>" if row is None else f"<td>{row.solved}/{row.total}</td>")
        rows.append(f'<tr><td class="name">{escape(name)}</td>{"".join(cells)}</tr>')
    return f'<h2>By category</h2><table id="categories"><tr>{header}</tr>{"".join(rows)}</table>'


def _per_theorem(run_ids: list[str], per_run: dict[str, list[Result]]) -> str:
    by_key = {run_id: {r.theorem.key: r for r in rows} for run_id, rows in per_run.items()}
    theorems = {r.theorem.key: r.theorem for rows in per_run.values() for r in rows}
    header = '<th class="name">theorem</th><th class="name">source</th>' + "".join(
        f"<th>{escape(run_id)}</th>" for run_id in run_ids)
    rows = []
    for key, theorem in sorted(theorems.items(), key=lambda item: (item[1].name, item[0])):
        cells = []
        for run_id in run_ids:
            result = by_key[run_id].get(key)
            if result is None:
                cells.append('<td class="muted">-</td>')
                continue
            status = result.attempt.status
            cells.append(f'<td class="{status}" data-run="{escape(run_id)}" data-status="{status}" '
                         f'title="{escape(status)}">{_STATUS_MARK[status]} {result.attempt.seconds:.1f}s</td>')
        rows.append(f'<tr data-theorem="{escape(key)}"><td class="name">{escape(theorem.name)}</td>'
                    f'<td class="name muted">{escape(theorem.source or "")}</td>{"".join(cells)}</tr>')
    return f'<table id="per-theorem"><tr>{header}</tr>{"".join(rows)}</table>'


def _attempts(run_id: str, rows: list[Result]) -> str:
    items = []
    for result in sorted(rows, key=lambda r: (not r.solved, r.theorem.name)):
        attempt = result.attempt
        if result.solved:
            body = f"<p>proof (accepted by check):</p><pre>{escape(attempt.proof or '')}</pre>"
        else:
            body = f"<p>{escape(attempt.status)}: {escape(attempt.verdict_reason or attempt.error or '')}</p>"
            if attempt.deepest:
                body += f"<p>deepest state reached:</p><pre>{escape(attempt.deepest)}</pre>"
        stats = (f"{attempt.seconds:.2f} s, {attempt.tactic_calls} tactic calls, "
                 f"{attempt.expansions} expansions" + (f", {attempt.tokens} tokens" if attempt.tokens else ""))
        items.append(
            f'<details data-theorem="{escape(result.theorem.key)}"><summary>{_STATUS_MARK[attempt.status]} '
            f"{escape(result.theorem.name)} <span class=\"muted\">({escape(stats)})</span></summary>"
            f"<pre>{escape(result.theorem.statement)}</pre>{body}</details>"
        )
    return f'<h3>run {escape(run_id)}</h3><div class="attempts" data-run="{escape(run_id)}">{"".join(items)}</div>'
