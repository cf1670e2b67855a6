"""Finding a Lean 4 toolchain and the REPL: ``lean``/``lake``/``repl`` on PATH, or a Lake project.

A Lake project (``--lean-project DIR``: a ``lakefile.lean`` or ``lakefile.toml``, usually
requiring Mathlib and the REPL) runs the REPL as ``lake env repl`` inside it, so its
imports resolve. Without one, a ``repl`` binary on PATH runs the core library only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from prover.errors import EnvInitError

INSTALL_HINT = (
    "install elan (https://github.com/leanprover/elan: `curl https://elan.lean-lang.org/elan-init.sh -sSf | sh`), "
    "build the REPL (`git clone https://github.com/leanprover-community/repl && cd repl && lake build`, "
    "then put .lake/build/bin on PATH), or pass --lean-project DIR: a Lake project that requires "
    "`REPL` (and Mathlib) and was built with `lake build`"
)
# Where `lake build` leaves the REPL binary: the project's own build, or the REPL as a dependency.
_REPL_BUILDS = (".lake/build/bin/repl", ".lake/packages/REPL/.lake/build/bin/repl",
                ".lake/packages/repl/.lake/build/bin/repl")


@dataclass(frozen=True, slots=True)
class LeanToolchain:
    """How to start the REPL, and what was found to start it."""

    argv: tuple[str, ...]
    """The command that starts the REPL."""
    cwd: str | None
    """The directory it runs in (the Lake project), None for the current one."""
    lean: str | None
    """Path of ``lean``, when found."""
    lake: str | None
    """Path of ``lake``, when found."""
    project: str | None = None
    """The Lake project, when one was given."""


def find_toolchain(project: str | os.PathLike[str] | None = None) -> LeanToolchain:
    """The REPL to run: inside `project` (a Lake project) when given, else ``repl`` on PATH.

    Raises EnvInitError saying what is missing and how to install it.
    """
    lean, lake = shutil.which("lean"), shutil.which("lake")
    if project is not None:
        root = Path(project).expanduser().resolve()
        if not root.is_dir():
            raise EnvInitError(f"--lean-project {project}: no such directory")
        if not any((root / name).is_file() for name in ("lakefile.lean", "lakefile.toml")):
            raise EnvInitError(f"--lean-project {root} is not a Lake project (no lakefile.lean or lakefile.toml)")
        if lake is None:
            raise EnvInitError(f"`lake` is not on PATH, needed to run the REPL in {root}; {INSTALL_HINT}")
        repl = next((str(root / rel) for rel in _REPL_BUILDS if (root / rel).is_file()), None)
        if repl is None:
            raise EnvInitError(
                f"no REPL binary in {root} (looked for {', '.join(_REPL_BUILDS)}); add "
                "`require REPL from git \"https://github.com/leanprover-community/repl\"` to its lakefile "
                "and run `lake build repl`"
            )
        return LeanToolchain((lake, "env", repl), str(root), lean, lake, str(root))
    repl = shutil.which("repl")
    if repl is None:
        missing = "neither `lean` nor the REPL (`repl`)" if lean is None else "the Lean REPL (`repl`)"
        raise EnvInitError(f"{missing} is on PATH; {INSTALL_HINT}")
    if lean is None:
        raise EnvInitError(f"`repl` is on PATH but `lean` is not (the REPL needs its toolchain); {INSTALL_HINT}")
    return LeanToolchain((repl,), None, lean, lake)


def lean_version(lean: str, timeout: float = 30.0) -> str:
    """``lean --version``'s first line (``Lean (version 4.x.y, ...)``); EnvInitError if it fails."""
    try:
        done = subprocess.run([lean, "--version"], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnvInitError(f"`{lean} --version` failed: {exc}") from exc
    if done.returncode != 0:
        raise EnvInitError(f"`{lean} --version` exited with {done.returncode}: {done.stderr.strip()[:200]}")
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "unknown"
