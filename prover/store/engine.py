"""Open a store from a SQLAlchemy URL: the one place that turns driver errors into `ConfigError`.

SQLite connections get WAL journaling (readers never block the writer), enforced foreign
keys and a busy timeout, and write transactions start with ``BEGIN IMMEDIATE`` so two
processes never deadlock upgrading a read lock; any other URL is passed to SQLAlchemy as is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from prover.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

    from prover.store.store import Store

DEFAULT_URL = "sqlite:///prover.db"
SQLITE_BUSY_TIMEOUT_MS = 60_000
"""How long a SQLite writer waits for another process's write transaction before failing."""


def safe_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``: safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_on_connect(dbapi_conn: Any, _record: object) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_store_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default `DEFAULT_URL`), checked by connecting once."""
    raw = url or DEFAULT_URL
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(f"invalid store URL {raw!r}: expected e.g. {DEFAULT_URL!r}") from exc
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"store URL {shown!r}: unknown database or driver ({exc})") from exc
    except (ArgumentError, TypeError) as exc:
        raise ConfigError(f"store URL {shown!r} is not usable: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(f"cannot connect to the store at {shown!r}: {reason}") from exc
    return engine


def open_store(url: str | None = None) -> Store:
    """Open the store at `url` (default ``sqlite:///prover.db``); call `Store.migrate` once to create tables."""
    from prover.store.store import Store

    return Store(create_store_engine(url))
