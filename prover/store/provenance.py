"""Where a run's results came from: the code version and the machine, recorded with every run."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def code_version() -> str:
    """The git commit of the checkout this code runs from (``+dirty`` with uncommitted
    changes to tracked files), or the installed package version outside a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return f"{commit}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"prover {version('prover')}"


def machine() -> str:
    """Host name, CPU count, architecture and Python version."""
    return f"{platform.node()} ({os.cpu_count()} cpus, {platform.machine()}, Python {platform.python_version()})"
