"""Cost of the sandbox per program run: median wall time of `print(1)` in Python, plain
subprocess vs. the sandbox in each isolation mode, measured side by side in one run."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable

from prover.errors import SandboxError
from prover.sandbox import Program, Sandbox, SandboxLimits

RUNS = 20


def median_ms(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    program = Program("python", "print(1)")
    plain = median_ms(lambda: subprocess.run(["/usr/bin/python3", "-I", "-c", "print(1)"],
                                             capture_output=True, check=True))
    print(f"plain subprocess: {plain:.1f} ms")
    for mode in ("namespaces", "rlimits"):
        try:
            with Sandbox(mode) as sandbox:
                took = median_ms(lambda: sandbox.run(program, b"", SandboxLimits()))
        except SandboxError as exc:
            print(f"{mode}: unavailable ({exc})")
            continue
        print(f"{mode}: {took:.1f} ms, {took / plain:.2f}x plain")


if __name__ == "__main__":
    main()
