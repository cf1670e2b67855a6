"""Finding Ray's worker processes by the class they host (Ray puts it in the process title)."""

from __future__ import annotations

import contextlib

import psutil


def processes_hosting(class_name: str) -> list[psutil.Process]:
    """Live processes whose command line names `class_name` (e.g. ``ray::EvalWorker``)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if any(class_name in part for part in process.info["cmdline"] or ()):
                found.append(process)
    return found
