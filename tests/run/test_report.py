"""The HTML report and the eval CLI: the page renders in a real headless Chromium, needs no
network, and shows exactly the numbers in the store."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prover.cli.main import app
from prover.run.driver import EvalSpec, run_eval
from prover.run.summary import results, summarize
from prover.store import Store, open_store
from tests.conftest import needs_coq

pytestmark = needs_coq

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "small.v"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def two_runs(store: Store, tmp_path: Path) -> tuple[str, str]:
    weak = tmp_path / "weak.toml"
    weak.write_text('name = "weak"\n[search]\nkind = "automation"\n[[policies]]\nkind = "automation"\n'
                    'portfolio = ["reflexivity."]\n')
    base = {"benchmark": "coq-files", "path": str(SMALL), "limit": None, "budget_seconds": 5.0, "workers": 0}
    strong = run_eval(EvalSpec(**base), store)  # type: ignore[arg-type]
    return strong, run_eval(EvalSpec(**base, prover=str(weak)), store)  # type: ignore[arg-type]


class _Cells(HTMLParser):
    """Collects ``data-field`` cells per ``data-run`` row and per-theorem status cells."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, str]] = {}
        self.statuses: dict[tuple[str, str], str] = {}
        self.curves: dict[str, int] = {}
        self.external: list[str] = []
        self._row: str | None = None
        self._theorem: str | None = None
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("src", "href"):
            if a.get(name):
                self.external.append(str(a[name]))
        if tag == "tr" and a.get("data-run"):
            self._row = a["data-run"]
        if tag == "tr" and a.get("data-theorem"):
            self._theorem = a["data-theorem"]
        if tag == "td" and self._row and a.get("data-field"):
            self._field = a["data-field"]
        if tag == "td" and self._theorem and a.get("data-status"):
            self.statuses[(str(a["data-run"]), self._theorem)] = str(a["data-status"])
        if tag == "polyline" and a.get("data-run"):
            self.curves[str(a["data-run"])] = int(str(a["data-solved"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = self._theorem = None

    def handle_data(self, data: str) -> None:
        if self._field and self._row:
            self.fields.setdefault(self._row, {})[self._field] = data.strip()
            self._field = None


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (`make setup` installs it)")
def test_report_renders_in_chromium_with_the_store_numbers(tmp_path: Path, sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        store.migrate()
        strong, weak = two_runs(store, tmp_path)
        out = tmp_path / "report.html"
        cli = CliRunner().invoke(app, ["report", strong, weak, "--db", sqlite_url, "--out", str(out)])
        assert cli.exit_code == 0, cli.output
        # The DOM as a real browser built it, with the network cut off: nothing may be fetched.
        dom = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
             "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120, check=True,
        ).stdout
        screenshot = tmp_path / "shot.png"
        subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={screenshot}",
             "--window-size=1200,900", out.as_uri()], capture_output=True, timeout=120, check=True,
        )
        assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
        cells = _Cells()
        cells.feed(dom)
        assert cells.external == []
        assert "<svg" in dom and 'id="per-theorem"' in dom
        for run_id in (strong, weak):
            summary = summarize(store, run_id)
            assert cells.fields[run_id] == {
                "total": str(summary.total), "solved": str(summary.solved), "rate": f"{100 * summary.rate:.1f}",
                "failed": str(summary.failed), "timeout": str(summary.timeout), "error": str(summary.error),
            }
            assert cells.curves[run_id] == summary.solved
            for result in results(store, run_id):
                assert cells.statuses[(run_id, result.theorem.key)] == result.attempt.status
                if result.solved:  # every proof found is on the page
                    assert (result.attempt.proof or "").splitlines()[0] in dom
        assert summarize(store, strong).solved > summarize(store, weak).solved


def test_cli_eval_runs_compare_and_bad_input(tmp_path: Path, sqlite_url: str) -> None:
    runner = CliRunner()
    common = ["--benchmark", "coq-files", "--path", str(SMALL), "--limit", "0", "--budget", "5s",
              "--workers", "0", "--db", sqlite_url]
    report = tmp_path / "r.html"
    first = runner.invoke(app, ["eval", *common, "--run-id", "a", "--report", str(report)])
    assert first.exit_code == 0, first.output
    assert re.search(r"\b8\b.*\b5\b.*62\.5", first.output) and f"report: {report}" in first.output.replace("\n", "")
    assert report.is_file()
    runs = runner.invoke(app, ["runs", "--db", sqlite_url])
    assert runs.exit_code == 0 and "a" in runs.output and "5/8" in runs.output
    same = runner.invoke(app, ["compare", "a", "a", "--db", sqlite_url])
    assert same.exit_code == 0 and "solved by both: 5" in same.output
    for bad, message in ((["--budget", "soon"], "cannot read the duration"),
                         (["--benchmark", "nope"], "unknown benchmark"),
                         (["--split", "dev"], "unknown split")):
        result = runner.invoke(app, ["eval", *common, *bad])
        assert result.exit_code == 2 and message in result.output, result.output
    missing = runner.invoke(app, ["compare", "a", "zzz", "--db", sqlite_url])
    assert missing.exit_code == 2 and "no run 'zzz'" in missing.output
