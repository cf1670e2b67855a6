"""How batch evaluation scales: 2 Ray workers against 1, Ray against in-process, peak memory.

One run of this script measures, on the same theorems (a fixed sample of the coq-stdlib test
split) with the same prover and budget, each into a fresh SQLite store:

- in-process, one worker (no Ray): the reference for the Ray path's overhead;
- Ray with 1 worker, and Ray with 2 workers;

and prints throughput ratios (goal: 2 workers >= 1.8x one worker; Ray 1 worker within 10% of
in-process), both for the whole command (Ray start-up included) and for the attempts alone,
plus the peak resident memory of the whole process tree during the 2-worker run (driver, Ray's
own processes, workers, coqidetop; goal: under 4 GiB). The machine is shared and noisy:
compare the ratios, not the absolute times, and run it on an otherwise idle machine.

    .venv/bin/python bench/eval_scaling.py [--limit 60] [--budget 5] [--prover automation]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import psutil

from prover.run.driver import EvalSpec, Started, run_eval
from prover.store import open_store

GIB = 1024**3


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    theorems: int
    solved: int
    total_seconds: float
    attempt_seconds: float
    """From the moment the workers were ready (Ray started) to the end."""
    peak_rss: int

    @property
    def throughput(self) -> float:
        return self.theorems / self.total_seconds

    @property
    def attempt_throughput(self) -> float:
        return self.theorems / self.attempt_seconds


class _PeakRss:
    """Samples the summed RSS of this process and all its descendants."""

    def __init__(self, period: float = 0.1) -> None:
        self.period, self.peak = period, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(self.period)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(label: str, workers: int, args: argparse.Namespace, directory: Path) -> Measured:
    spec = EvalSpec(benchmark="coq-stdlib", split="test", limit=args.limit, prover=args.prover,
                    budget_seconds=args.budget, workers=workers)
    ready: list[float] = []
    solved = [0]
    with open_store(f"sqlite:///{directory / f'{label}.db'}") as store, _PeakRss() as rss:
        store.migrate()
        began = time.monotonic()

        def on_started(_started: Started) -> None:
            ready.append(time.monotonic())

        def on_result(_theorem: object, attempt: object) -> None:
            solved[0] += getattr(attempt, "solved", False)

        run_eval(spec, store, on_started=on_started, on_result=on_result)
        ended = time.monotonic()
    return Measured(label, args.limit, solved[0], ended - began, ended - ready[0], rss.peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=60, help="theorems of the coq-stdlib test sample")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds per theorem")
    parser.add_argument("--prover", default="automation", help="prover config")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure("in-process", 0, args, Path(tmp)), measure("ray-1", 1, args, Path(tmp)),
                measure("ray-2", 2, args, Path(tmp))]
    local, one, two = runs
    print(f"eval scaling: {args.limit} coq-stdlib test theorems, prover {args.prover}, budget {args.budget:g} s, "
          f"{psutil.cpu_count()} cpus")
    print(f"{'run':<12}{'solved':>8}{'wall s':>10}{'attempts s':>12}{'thm/min':>10}{'peak RSS':>12}")
    for m in runs:
        print(f"{m.label:<12}{m.solved:>8}{m.total_seconds:>10.1f}{m.attempt_seconds:>12.1f}"
              f"{60 * m.throughput:>10.1f}{m.peak_rss / GIB:>10.2f} GiB")
    print(f"2 workers vs 1 (Ray):        {two.throughput / one.throughput:.2f}x whole run, "
          f"{two.attempt_throughput / one.attempt_throughput:.2f}x attempts only   (goal >= 1.8x)")
    print(f"Ray 1 worker vs in-process:  {100 * (one.total_seconds / local.total_seconds - 1):+.1f}% whole run, "
          f"{100 * (one.attempt_seconds / local.attempt_seconds - 1):+.1f}% attempts only   (goal <= +10%)")
    print(f"peak RSS, 2 workers, whole tree: {two.peak_rss / GIB:.2f} GiB   (goal < 4 GiB)")


if __name__ == "__main__":
    main()
