"""Ray, started for one job (local by default, a cluster with an address) and shut down after."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from prover.errors import ConfigError


@contextlib.contextmanager
def ray_session(workers: int | None, address: str | None) -> Iterator[int]:
    """Ray, started (and later shut down) here unless it already runs; yields the worker slots.

    Without `address` a new local instance is started, not one `ray start` left running, and
    Ray counts the cores; `workers` caps the slots (and the local instance's CPUs).
    """
    import ray

    started = not ray.is_initialized()
    if started:
        try:
            if address:
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
            else:
                cpus = {"num_cpus": workers} if workers else {}
                ray.init(address="local", include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING, **cpus)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"cannot start or reach Ray{f' at {address}' if address else ''}: {exc}") from exc
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        yield min(workers, cpus) if workers else cpus
    finally:
        if started:
            ray.shutdown()


def last_line(exc: BaseException) -> str:
    """The line of an error's message that says what happened (Ray's messages end with it)."""
    text = str(exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__
