"""Extraction jobs: every file of a library extracted in parallel on Ray, resumably.

Each file is one Ray task (one CPU). The driver keeps at most as many tasks in flight as
there are worker CPUs and writes each result as it arrives, so a killed driver loses at
most the files in flight, and a re-run extracts only what is missing. ``out_dir`` holds::

    files/<relpath>.json    one per extracted file: the FileRecord and its TheoremRecords
    failed/<relpath>.json   the same for a file whose extraction failed (FileRecord.error
                            says why, no theorems); a re-run tries it again
    theorems.jsonl          assembled at the end from the per-file outputs, in sorted file
    files.jsonl             order (deterministic, each file once), failed files included
    summary.json            the `ExtractionSummary`, plus the library's name

A per-file output is written to a temporary name and renamed, so it is whole or absent.
Re-runs trust existing outputs: delete ``files/<relpath>.json`` to extract a file again.

Failures, each retried `retries` times before the file is recorded as failed:

- a file still running after `file_timeout` seconds: the worker kills the proof-assistant
  processes the task started and raises `FileTimeout`; if the task is stuck in Python
  itself, the driver force-cancels it (``ray.cancel(force=True)``, which kills the
  worker) a grace period later, counted from submission (at most one task per CPU is in
  flight, so a task starts when it is submitted). Reason ``timeout``.
- an exception raised by the extract function: reason ``exception:<its class>``.
- a worker that dies (killed, segfault): Ray reruns the task itself (``max_retries``);
  reason ``worker died`` (``out of memory`` when Ray's memory monitor killed it).

A file whose extraction returned but whose replay stopped early (``FileRecord.replayed``
is False) is done, not failed: that outcome is deterministic, and its theorems are kept
(``replayed`` False on those the replay did not finish). `ExtractionSummary.files_incomplete`
counts these files.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from prover.data.records import FileRecord, TheoremRecord, file_from_json, theorem_from_json, write_jsonl
from prover.data.splits import SplitManifest, apply_split
from prover.envs.coq.files import logical_module
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.errors import ConfigError, ProverTimeout
from prover.run.cluster import last_line, ray_session

__all__ = ["ExtractFn", "ExtractionSummary", "FileTimeout", "run_extraction"]

ExtractFn = Callable[[Any, str, Limits], tuple[FileRecord, list[TheoremRecord]]]
"""``extract(library, relpath, limits) -> (FileRecord, [TheoremRecord])``, run on a worker."""

_POLL_SECONDS = 0.5


class FileTimeout(ProverTimeout):
    """A file's extraction ran past the job's per-file timeout."""


@dataclass(frozen=True, slots=True)
class ExtractionSummary:
    """What an extraction job's outputs hold (all files of the job, earlier runs' included)."""

    files: int
    """Files in the job."""
    files_ok: int
    """Files whose extraction completed (their replay may have stopped early: see below)."""
    files_failed: int
    """Files whose extraction failed (timeout, exception, dead worker) after every retry."""
    theorems: int
    theorems_replayed: int
    """Theorems whose gold proof replayed to its end."""
    steps: int
    """Proof steps (with goals) over all theorems."""
    failures_by_reason: tuple[tuple[str, int], ...]
    """(reason, failed files), sorted by reason."""
    seconds: float
    """Wall time of this run."""
    files_skipped: int = 0
    """Files already done by an earlier run, not extracted again."""
    files_incomplete: int = 0
    """Of `files_ok`, those whose replay stopped before the end of the file."""

    def lines(self) -> list[str]:
        """The summary as a few human-readable lines."""
        rate = (self.files - self.files_skipped) / self.seconds if self.seconds else 0.0
        lines = [
            (f"{self.files} files: {self.files_ok} extracted ({self.files_incomplete} stopped early), "
             f"{self.files_failed} failed, {self.files_skipped} done before this run"),
            f"{self.theorems} theorems ({self.theorems_replayed} replayed to the end), {self.steps} proof steps",
            f"{self.seconds:.1f}s ({rate:.2f} files/s)",
        ]
        if self.failures_by_reason:
            lines.append("failed: " + ", ".join(f"{reason} {count}" for reason, count in self.failures_by_reason))
        return lines


@dataclass(frozen=True, slots=True)
class _Output:
    """One file's result as stored under ``files/`` or ``failed/``."""

    file: FileRecord
    theorems: tuple[TheoremRecord, ...]
    attempts: int
    reason: str | None = None

    def dump(self) -> str:
        return json.dumps(
            {"reason": self.reason, "attempts": self.attempts, "file": asdict(self.file),
             "theorems": [asdict(t) for t in self.theorems]},
            ensure_ascii=False,
        )

    @staticmethod
    def load(path: Path) -> _Output:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return _Output(file_from_json(data["file"]), tuple(map(theorem_from_json, data["theorems"])),
                           int(data["attempts"]), data["reason"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: unreadable extraction output ({exc}); delete it to redo the file") from exc


def _output_path(out: Path, relpath: str, failed: bool = False) -> Path:
    return out / ("failed" if failed else "files") / f"{relpath}.json"


def _write_atomically(target: Path, text: str) -> None:
    """Write `text` to a temporary name beside `target`, then rename it: whole or absent."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)


def _write_output(out: Path, relpath: str, output: _Output) -> None:
    """Store `output`; a success replaces an earlier failure."""
    failed = output.reason is not None
    _write_atomically(_output_path(out, relpath, failed), output.dump())
    if not failed:
        _output_path(out, relpath, failed=True).unlink(missing_ok=True)


# --- the task, run on a worker ---------------------------------------------------------


def _children() -> set[int]:
    """Pids of this process's children (empty where there is no /proc)."""
    me, found = os.getpid(), set()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                    found.add(int(entry.name))
    return found


def _kill_children(keep: set[int]) -> None:
    """Kill the children started since `keep` was taken, with their process groups."""
    for pid in _children() - keep:
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(OSError):
                kill(pid, signal.SIGKILL)


def _extract_task(extract: ExtractFn, lib: Any, relpath: str, limits: Limits,
                  timeout: float) -> tuple[FileRecord, list[TheoremRecord]]:
    """Run `extract` on one file; at `timeout`, kill the processes it started and raise."""
    before = _children()
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _kill_children(before)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        result = extract(lib, relpath, limits)
    except Exception as exc:
        if expired.is_set():
            raise FileTimeout(f"{relpath}: still running after {timeout:g}s") from exc
        raise
    finally:
        timer.cancel()
    if expired.is_set():
        raise FileTimeout(f"{relpath}: still running after {timeout:g}s")
    return result


# --- the driver ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Running:
    relpath: str
    attempt: int
    cancel_at: float
    cancelled: bool = False


class _Driver:
    """Submits files, enforces timeouts, retries, and writes each result as it arrives."""

    def __init__(self, lib: Any, out: Path, extract: ExtractFn, limits: Limits,
                 file_timeout: float, retries: int, slots: int, bar: _Bar) -> None:
        import ray

        self.ray = ray
        self.task = ray.remote(num_cpus=1, max_retries=retries)(_extract_task)
        self.lib, self.out, self.extract, self.limits = lib, out, extract, limits
        self.file_timeout, self.retries, self.slots, self.bar = file_timeout, retries, slots, bar
        self.grace = max(2.0, 0.05 * file_timeout)

    def run(self, todo: Iterable[str]) -> None:
        queue: deque[tuple[str, int]] = deque((relpath, 1) for relpath in todo)
        running: dict[Any, _Running] = {}
        try:
            while queue or running:
                while queue and len(running) < self.slots:
                    relpath, attempt = queue.popleft()
                    ref = self.task.remote(self.extract, self.lib, relpath, self.limits, self.file_timeout)
                    deadline = time.monotonic() + self.file_timeout + self.grace
                    running[ref] = _Running(relpath, attempt, deadline)
                ready, _ = self.ray.wait(list(running), num_returns=1, timeout=_POLL_SECONDS)
                for ref in ready:
                    task = running.pop(ref)
                    if not self._collect(ref, task):
                        queue.appendleft((task.relpath, task.attempt + 1))
                self._cancel_overdue(running)
        finally:
            for ref in running:
                self.ray.cancel(ref, force=True)

    def _cancel_overdue(self, running: dict[Any, _Running]) -> None:
        now = time.monotonic()
        for ref, task in running.items():
            if not task.cancelled and now >= task.cancel_at:
                self.ray.cancel(ref, force=True)
                task.cancelled = True

    def _collect(self, ref: Any, task: _Running) -> bool:
        """Store the result of a finished task; False when the file is to be tried again."""
        try:
            file, theorems = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:
            reason, message, final = self._failure(exc, task)
            if not final and task.attempt <= self.retries:
                return False
            attempts = task.attempt + (self.retries if final else 0)  # Ray itself reran a dead worker's task
            output = _Output(self._failed_record(task.relpath, f"{reason}: {message}"), (), attempts, reason)
        else:
            output = _Output(file, tuple(theorems), task.attempt)
        _write_output(self.out, task.relpath, output)
        self.bar.advance(output)
        return True

    def _failure(self, exc: Exception, task: _Running) -> tuple[str, str, bool]:
        """(reason, message, whether Ray has already retried it) for a task's error."""
        errors = self.ray.exceptions
        cause = getattr(exc, "cause", None) if isinstance(exc, errors.RayTaskError) else None
        if task.cancelled or isinstance(cause, FileTimeout):
            return "timeout", f"still running after {self.file_timeout:g}s", False
        if isinstance(exc, errors.OutOfMemoryError):
            return "out of memory", last_line(exc), True
        if isinstance(exc, errors.WorkerCrashedError):
            return "worker died", last_line(exc), True
        if cause is not None:
            return f"exception:{type(cause).__name__}", last_line(cause), False
        return type(exc).__name__, last_line(exc), False

    def _failed_record(self, relpath: str, error: str) -> FileRecord:
        try:
            source = (Path(self.lib.root) / relpath).read_text(encoding="utf-8", errors="replace")
        except OSError:
            source = ""
        module = logical_module(getattr(self.lib, "prefix", ""), relpath)
        return FileRecord(backend="coq", library=self.lib.name, file=relpath, module=module, source=source,
                          replayed=False, error=error)


class _Bar:
    """The progress bar on stderr (or nothing): files done and failed, theorems, rate, ETA."""

    def __init__(self, enabled: bool, library: str, total: int, skipped: int) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed, {task.fields[theorems]} theorems, {task.fields[rate]}"),
            TimeRemainingColumn(), console=Console(stderr=True), disable=not enabled,
        )
        before = f" ({skipped} done before)" if skipped else ""
        self.task = self.progress.add_task(f"{library}{before}", total=total, failed=0, theorems=0, rate="")
        self.started = time.monotonic()
        self.done = self.failed = self.theorems = 0

    def advance(self, output: _Output) -> None:
        self.done += 1
        self.failed += output.reason is not None
        self.theorems += len(output.theorems)
        rate = f"{self.done / max(time.monotonic() - self.started, 1e-9):.2f} files/s"
        self.progress.update(self.task, advance=1, failed=self.failed, theorems=self.theorems, rate=rate)

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


# --- assembling the outputs ---------------------------------------------------------------


def _assemble(out: Path, library: str, relpaths: list[str], splits: SplitManifest | None,
              seconds: float, skipped: int) -> ExtractionSummary:
    """Write theorems.jsonl, files.jsonl and summary.json from the per-file outputs."""
    files: list[FileRecord] = []
    reasons: Counter[str] = Counter()
    counts = Counter[str]()

    def theorems() -> Iterator[TheoremRecord]:
        for relpath in relpaths:
            path = _output_path(out, relpath)
            if not path.exists():
                path = _output_path(out, relpath, failed=True)
                if not path.exists():
                    continue
            output = _Output.load(path)
            files.append(output.file)
            if output.reason is not None:
                reasons[output.reason] += 1
            else:
                counts["incomplete"] += not output.file.replayed
            counts["replayed"] += sum(t.replayed for t in output.theorems)
            counts["steps"] += sum(len(t.steps) for t in output.theorems)
            yield from output.theorems

    records = theorems() if splits is None else apply_split(theorems(), splits)
    count = write_jsonl(out / "theorems.jsonl", records)
    write_jsonl(out / "files.jsonl", files)
    failed = sum(reasons.values())
    summary = ExtractionSummary(
        files=len(relpaths), files_ok=len(files) - failed, files_failed=failed, theorems=count,
        theorems_replayed=counts["replayed"], steps=counts["steps"],
        failures_by_reason=tuple(sorted(reasons.items())), seconds=round(seconds, 3),
        files_skipped=skipped, files_incomplete=counts["incomplete"],
    )
    _write_atomically(out / "summary.json", json.dumps({"library": library, **asdict(summary)}, indent=1) + "\n")
    return summary


def _relpaths(files: Iterable[str | os.PathLike[str]], root: Path) -> list[str]:
    """The job's files as sorted, unique, ``/``-separated paths relative to `root`."""
    found = set()
    for name in files:
        path = Path(name)
        if path.is_absolute():
            try:
                path = path.relative_to(root)
            except ValueError as exc:
                raise ConfigError(f"{name} is not under the library root {root}") from exc
        posix = PurePosixPath(path.as_posix())
        if ".." in posix.parts or not posix.parts:
            raise ConfigError(f"{name!r} is not a path inside the library")
        found.add(str(posix))
    return sorted(found)


def run_extraction(
    lib: Any,
    out_dir: str | os.PathLike[str],
    *,
    extract: ExtractFn | None = None,
    files: Iterable[str | os.PathLike[str]] | None = None,
    workers: int | None = None,
    address: str | None = None,
    file_timeout: float = 600.0,
    retries: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    progress: bool = True,
    splits: SplitManifest | None = None,
) -> ExtractionSummary:
    """Extract every file of `lib` (or only `files`, relative to ``lib.root``) into `out_dir`.

    `lib` is a `prover.data.coq.Library` (``name``, ``root``, ``prefix``, ``files()``);
    `extract` defaults to `prover.data.coq.extract_file` and must be importable by the
    workers. Ray: the running one if ``ray.is_initialized()``, else `address` (a cluster)
    or a local instance with `workers` CPUs (default: all cores), shut down at the end;
    `workers` also caps the files in flight. `splits` sets each theorem's split. Files
    done by an earlier run into the same `out_dir` are skipped. Returns the summary of
    the whole output, written to ``summary.json``.
    """
    if not file_timeout > 0 or retries < 0 or (workers is not None and workers < 1):
        raise ConfigError(f"need file_timeout > 0, retries >= 0, workers >= 1 (got {file_timeout}, {retries}, "
                          f"{workers})")
    if extract is None:
        from prover.data.coq import extract_file as extract
    out = Path(out_dir)
    relpaths = _relpaths(lib.files() if files is None else files, Path(lib.root))
    todo = [r for r in relpaths if not _output_path(out, r).exists()]
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    if todo:
        with ray_session(workers, address) as slots, _Bar(progress, lib.name, len(todo), len(relpaths) - len(todo)) as bar:
            _Driver(lib, out, extract, limits, file_timeout, retries, slots, bar).run(todo)
    summary = _assemble(out, lib.name, relpaths, splits, time.monotonic() - started, len(relpaths) - len(todo))
    if progress:
        Console(stderr=True).print("\n".join(summary.lines()), highlight=False)
    return summary
