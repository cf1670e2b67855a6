"""Report which proof assistants and tools work on this machine, and how to install what is missing.

Each backend is tried for real: Coq and Lean check a tiny proof through the API. Exit code
0 when at least one backend works, 1 when none does.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated

import typer

from prover.cli.common import console
from prover.envs.base import Theorem
from prover.envs.limits import Limits
from prover.errors import ProverError

_LIMITS = Limits(startup_seconds=120, tactic_seconds=20, proof_seconds=60)


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the report."""

    name: str
    backend: bool
    """True for a proof assistant (the exit code counts these), False for a supporting tool."""
    ok: bool
    detail: str
    """The version found and what was tried, or why it does not work and how to fix it."""


def _version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{' '.join(argv)}` failed: {exc}"
    out = (done.stdout or done.stderr).strip()
    return out.splitlines()[0] if out else f"`{' '.join(argv)}` printed nothing"


def check_coq() -> Finding:
    from prover.envs.coq.driver import find_coqidetop
    from prover.envs.coq.env import CoqEnv

    try:
        path = find_coqidetop()
        theorem = Theorem(name="doctor_t", statement="Theorem doctor_t : forall n : nat, n + 0 = n.")
        with CoqEnv(limits=_LIMITS) as env:
            verdict = env.check(theorem, "intros n. induction n; simpl; congruence.")
    except ProverError as exc:
        return Finding("coq", True, False, str(exc))
    if not verdict.accepted:
        return Finding("coq", True, False, f"{path} runs, but a correct proof was rejected: {verdict.reason}")
    return Finding("coq", True, True, f"{_version([path, '-v'])} ({path}); a test proof checked in "
                                      f"{verdict.seconds:.2f}s")


def check_lean(project: str | None) -> Finding:
    from prover.envs.lean.env import LeanEnv
    from prover.envs.lean.toolchain import find_toolchain, lean_version

    try:
        toolchain = find_toolchain(project)
        version = lean_version(toolchain.lean) if toolchain.lean else "lean not on PATH"
        theorem = Theorem(name="doctor_t", statement="theorem doctor_t (n : Nat) : n + 0 = n", backend="lean")
        with LeanEnv(limits=Limits(startup_seconds=600, proof_seconds=120, memory_bytes=None),
                     project=project) as env:
            verdict = env.check(theorem, "simp")
    except ProverError as exc:
        return Finding("lean", True, False, str(exc))
    repl = " ".join(toolchain.argv)
    if not verdict.accepted:
        return Finding("lean", True, False, f"{version}, REPL `{repl}` runs, but a correct proof was rejected: "
                                           f"{verdict.reason}")
    return Finding("lean", True, True, f"{version}; REPL `{repl}`; a test proof checked in {verdict.seconds:.2f}s")


def check_fstar() -> Finding:
    hint = ("install F* (https://github.com/FStarLang/FStar/releases: unpack and put its bin/ on PATH, "
            "or `opam install fstar`)")
    try:
        finder: Callable[[], str | None] = importlib.import_module("prover.envs.fstar").find_fstar
        path = finder()
    except (ImportError, AttributeError):
        path = shutil.which("fstar.exe")
    if path is None:
        return Finding("fstar", True, False, f"`fstar.exe` is not on PATH; {hint}")
    return Finding("fstar", True, True, f"{_version([path, '--version'])} ({path}); no test proof is run yet")


def check_tools() -> list[Finding]:
    findings = []
    try:
        import z3

        findings.append(Finding("z3", False, True, f"z3-solver {z3.get_version_string()}"))
    except ImportError as exc:
        findings.append(Finding("z3", False, False, f"{exc}; `pip install z3-solver`"))
    for atp, package in (("eprover", "eprover"), ("cvc4", "cvc4")):
        path = shutil.which(atp)
        findings.append(Finding(atp, False, path is not None,
                                f"{_version([path, '--version'])} ({path}), for CoqHammer" if path
                                else f"not on PATH (CoqHammer's ATPs); `apt-get install {package}`"))
    try:
        import psycopg

        findings.append(Finding("postgresql-client", False, True, f"psycopg {psycopg.__version__}, "
                                                                    f"libpq {psycopg.pq.version()}"))
    except ImportError as exc:
        findings.append(Finding("postgresql-client", False, False,
                                f"{exc}; `pip install psycopg` and `apt-get install libpq5`"))
    try:
        ray = importlib.import_module("ray")
        findings.append(Finding("ray", False, True, f"ray {ray.__version__} (not started)"))
    except ImportError as exc:
        findings.append(Finding("ray", False, False, f"{exc}; `pip install ray`"))
    return findings


def doctor(
    lean_project: Annotated[str | None, typer.Option(
        "--lean-project", help="A Lake project (with Mathlib and the REPL) to run Lean in.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as one JSON object.")] = False,
) -> None:
    """Report which proof assistants and tools work here, and how to install what is missing."""
    findings = [check_coq(), check_lean(lean_project), check_fstar(), *check_tools()]
    working = [f.name for f in findings if f.backend and f.ok]
    if as_json:
        print(json.dumps({"backends_working": working, "findings": [asdict(f) for f in findings]}))
    else:
        for finding in findings:
            mark = "[green]ok[/]     " if finding.ok else "[red]missing[/]"
            kind = "backend" if finding.backend else "tool   "
            console.print(f"{mark} {kind} [bold]{finding.name}[/]: {finding.detail}", highlight=False)
        console.print(f"working backends: {', '.join(working) or 'none'}", highlight=False)
    raise typer.Exit(0 if working else 1)
