"""The experiment store (SQLAlchemy 2): runs, theorems, attempts, search steps, premises, task results.

``open_store(url)`` opens it (default ``sqlite:///prover.db``, WAL mode; any SQLAlchemy
URL, PostgreSQL tested), ``Store.migrate()`` creates or upgrades the tables, and the
`Store` methods take and return the frozen dataclasses exported here.
"""

from prover.store.engine import DEFAULT_URL, open_store, safe_url
from prover.store.store import (
    AttemptRecord,
    RunInfo,
    SearchStep,
    Store,
    TaskResultInfo,
    TheoremInfo,
    header_hash,
)

__all__ = [
    "DEFAULT_URL",
    "AttemptRecord",
    "RunInfo",
    "SearchStep",
    "Store",
    "TaskResultInfo",
    "TheoremInfo",
    "header_hash",
    "open_store",
    "safe_url",
]
