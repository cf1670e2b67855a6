"""Replay every .v file of the installed Coq standard library through `replay_file`.

Every file is split into sentences and executed stepwise (goals fetched after every
sentence, as dataset extraction does); the report gives how many files run to the end and,
for each file that does not, the first failing sentence with Coq's message, grouped by
the likely reason: a sentence-splitter bug (Coq cannot parse what the splitter produced)
or an environment issue (flags, plugins, time, memory).

A replay can succeed with a wrong split: coqidetop's ``Add`` parses the first sentence of
the text it is given and silently drops the rest, so two sentences merged into one would
go unnoticed. ``--check-boundaries`` therefore also compiles each file with ``coqc -time``
(which prints every sentence's byte range as Coq's own parser cut it) and compares those
ranges with the splitter's.

    .venv/bin/python bench/stdlib_replay.py                      # all files, 2 workers
    .venv/bin/python bench/stdlib_replay.py --files 'Arith/*.v'  # a subset (glob under theories/)
    .venv/bin/python bench/stdlib_replay.py --check-boundaries --report bench/stdlib_replay.txt
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from prover.envs.coq.replay import FileReplay, ReplayFailure, coqlib, replay_file
from prover.envs.coq.sentences import SentenceSplitError, split_sentences
from prover.envs.limits import Limits

SLOWEST = 10  # files listed by time in the report
# Coq's messages when what it was given does not parse as a sentence: the splitter cut it wrong.
_SPLIT_SIGNS = ("Syntax error", "Syntax Error", "Lexer", "lexer", "unterminated", "Unterminated")
_REFUSED = "the text contains characters that cannot be sent"  # CoqDocument.advance, not Coq
_VISIBLE = {c: f"\\x{c:02x}" for c in range(32)}
_CHARS = re.compile(r"^Chars (\d+) - (\d+) \[", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Boundaries:
    """Sentence byte ranges from ``coqc -time`` against the splitter's, for one file."""

    coq: int
    """How many sentences Coq reported."""
    only_coq: tuple[str, ...] = ()
    """Sentences Coq ran that the splitter did not produce (``line N: text``)."""
    only_ours: tuple[str, ...] = ()
    """Sentences the splitter produced that Coq did not run as such."""
    error: str | None = None
    """Why the check could not be made (coqc failed)."""

    @property
    def agree(self) -> bool:
        return self.error is None and not self.only_coq and not self.only_ours


@dataclass(frozen=True, slots=True)
class FileResult:
    replay: FileReplay
    boundaries: Boundaries | None = None


def reason(failure: ReplayFailure) -> str:
    """The likely cause of a failure, as a group heading."""
    if failure.kind == "split":
        return "splitter bug (the file could not be split)"
    if failure.kind == "error" and any(sign in failure.message for sign in _SPLIT_SIGNS):
        return "splitter bug (Coq cannot parse the sentence produced)"
    if failure.kind in ("timeout", "crash"):
        return f"environment: {failure.kind} (time or memory limit)"
    if failure.message.startswith(_REFUSED):
        return "environment: prover's CoqDocument refused to send the sentence (Coq never saw it)"
    return "environment: Coq rejected a well-formed sentence (flags, plugins, load path)"


def stdlib_files(pattern: str | None, limit: int | None) -> list[Path]:
    """The standard library's .v files, sorted, filtered by a glob relative to theories/."""
    root = Path(coqlib()) / "theories"
    files = sorted(root.rglob("*.v"))
    if pattern:
        files = [f for f in files if fnmatch.fnmatch(str(f.relative_to(root)), pattern)]
    return files[:limit] if limit else files


def check_boundaries(path: Path, root: Path) -> Boundaries:
    """Compile `path` alone with ``coqc -time`` and compare its sentence ranges with ours.

    The file is copied alone into a fresh directory mapped to ``Coq`` (its own module
    name; nothing compiled there can shadow the installed library).
    """
    relative = path.relative_to(root)
    source = path.read_text(encoding="utf-8")
    data = source.encode()
    b_newline = b"\n"
    with tempfile.TemporaryDirectory(prefix="coqc-time-") as tmp:
        target = Path(tmp) / relative
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
        flags = ["-noinit"] if relative.parts[0] == "Init" else []
        done = subprocess.run(["coqc", "-q", "-time", *flags, "-R", ".", "Coq", str(relative)], cwd=tmp,
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return Boundaries(0, error=_one_line(done.stdout + done.stderr, 300))
    coq = {(int(a), int(b)) for a, b in _CHARS.findall(done.stdout)}
    try:
        sentences = split_sentences(source)
    except SentenceSplitError as exc:
        return Boundaries(len(coq), error=f"the splitter failed: {exc}")
    ours = set()
    for s in sentences:  # Coq counts UTF-8 bytes; the splitter, code points
        first = len(source[: s.start].encode())
        ours.add((first, first + len(s.text.encode())))

    def show(ranges: set[tuple[int, int]]) -> tuple[str, ...]:
        return tuple(f"line {data.count(b_newline, 0, a) + 1}: "
                     f"{_one_line(data[a:b].decode(errors='replace'), 120)}" for a, b in sorted(ranges))

    return Boundaries(len(coq), show(coq - ours), show(ours - coq))


def _one_line(text: str, width: int) -> str:
    """`text` on one line, blanks collapsed, other control characters shown as ``\\xNN``."""
    flat = " ".join(text.split()).translate(_VISIBLE)
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _work(path: Path, root: Path, limits: Limits, goals: bool, boundaries: bool) -> FileResult:
    replay = replay_file(path, limits=limits, goals=goals)
    return FileResult(replay, check_boundaries(path, root) if boundaries else None)


def report(results: list[FileResult], wall: float, root: Path) -> str:
    """The summary and every failure, grouped by reason."""
    replays = [r.replay for r in results]
    ok = [r for r in replays if r.ok]
    sentences = sum(r.sentences for r in replays)
    replayed, steps = sum(r.replayed for r in replays), sum(r.proof_steps for r in replays)
    rate = 100.0 * len(ok) / len(replays) if replays else 0.0
    lines = [
        f"files:             {len(replays)}",
        f"sentences:         {sentences} (replayed {replayed}; goals fetched for {steps} proof steps)",
        f"files to the end:  {len(ok)}/{len(replays)} = {rate:.1f}%  (goal: >= 98%)",
        f"replay seconds:    {sum(r.seconds for r in replays):.0f} summed over files, {wall:.0f} wall",
    ]
    checked = [r for r in results if r.boundaries is not None]
    if checked:
        agree = [r for r in checked if r.boundaries is not None and r.boundaries.agree]
        coq = sum(r.boundaries.coq for r in checked if r.boundaries is not None)
        lines.append(f"boundaries:        {len(agree)}/{len(checked)} files cut exactly as `coqc -time` cuts "
                     f"them ({coq} sentences by Coq's count)")
    slowest = sorted(replays, key=lambda r: r.seconds, reverse=True)[:SLOWEST]
    lines += ["", f"slowest {len(slowest)} replays (seconds, sentences):"]
    lines += [f"  {r.seconds:7.1f}  {r.sentences:5}  {Path(r.path).relative_to(root)}" for r in slowest]
    lines += _failures(replays, root)
    lines += _mismatches(checked, root)
    return "\n".join(lines)


def _failures(replays: list[FileReplay], root: Path) -> list[str]:
    groups: dict[str, list[FileReplay]] = defaultdict(list)
    for r in replays:
        if r.failure is not None:
            groups[reason(r.failure)].append(r)
    lines: list[str] = []
    for heading, failed in sorted(groups.items()):
        lines += ["", f"{heading}: {len(failed)} file(s)"]
        for r in sorted(failed, key=lambda r: r.path):
            f = r.failure
            assert f is not None
            lines.append(f"  {Path(r.path).relative_to(root)}:{f.line} sentence {f.index + 1}/{r.sentences}"
                         f" [{f.kind}]")
            lines.append(f"    sentence: {_one_line(f.text, 160)}")
            lines.append(f"    message:  {_one_line(f.message, 300)}")
    return lines


def _mismatches(checked: list[FileResult], root: Path) -> list[str]:
    bad = [r for r in checked if r.boundaries is not None and not r.boundaries.agree]
    if not bad:
        return []
    lines = ["", f"splitter bug (sentences cut differently from `coqc -time`): {len(bad)} file(s)"]
    for r in sorted(bad, key=lambda r: r.replay.path):
        b = r.boundaries
        assert b is not None
        lines.append(f"  {Path(r.replay.path).relative_to(root)}")
        if b.error:
            lines.append(f"    not checked: {b.error}")
        lines += [f"    coq:      {s}" for s in b.only_coq[:5]]
        lines += [f"    splitter: {s}" for s in b.only_ours[:5]]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", metavar="GLOB", help="only files matching GLOB under theories/ ('Arith/*.v')")
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N files (sorted by path)")
    parser.add_argument("--workers", type=int, default=2, help="files replayed in parallel (default 2)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per sentence (default 300)")
    parser.add_argument("--no-goals", action="store_true", help="do not fetch goals after each sentence")
    parser.add_argument("--check-boundaries", action="store_true",
                        help="also compare sentence boundaries with `coqc -time` (compiles every file)")
    parser.add_argument("--report", metavar="PATH", help="also write the final report to PATH")
    opts = parser.parse_args()

    root = Path(coqlib()) / "theories"
    files = stdlib_files(opts.files, opts.limit)
    if not files:
        parser.error(f"no .v file under {root} matches {opts.files!r}")
    limits = Limits(proof_seconds=opts.timeout)
    # Largest first, so that a long file does not start last and leave one worker idle.
    order = sorted(files, key=lambda f: f.stat().st_size, reverse=True)
    print(f"replaying {len(files)} files from {root} with {opts.workers} workers", flush=True)
    start = time.monotonic()
    results: list[FileResult] = []
    with ThreadPoolExecutor(max_workers=opts.workers) as pool:
        futures = [pool.submit(_work, f, root, limits, not opts.no_goals, opts.check_boundaries) for f in order]
        for done, future in enumerate(as_completed(futures), 1):
            result = future.result()
            results.append(result)
            r, b = result.replay, result.boundaries
            status = "ok" if r.failure is None else f"FAIL at line {r.failure.line}"
            if b is not None:
                status += "  boundaries ok" if b.agree else "  BOUNDARIES DIFFER"
            print(f"[{done:3}/{len(files)}] {time.monotonic() - start:7.1f}s  {r.seconds:6.1f}s  "
                  f"{Path(r.path).relative_to(root)}  {r.replayed}/{r.sentences}  {status}", flush=True)
    text = report(results, time.monotonic() - start, root)
    print("\n" + text)
    if opts.report:
        Path(opts.report).write_text(text + "\n", encoding="utf-8")
    failed = any(not r.replay.ok or (r.boundaries is not None and not r.boundaries.agree) for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
