"""Migrations create exactly the tables the models declare; SQLite runs in WAL mode."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from prover.store import Store, open_store
from prover.store.models import Base

TABLES = {"runs", "benchmarks", "theorems", "attempts", "steps", "premises", "task_results"}


def test_migrate_creates_every_table(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert names >= TABLES | {"alembic_version"}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001_initial"


def test_migration_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_twice_is_a_no_op(store: Store) -> None:
    store.migrate()
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_sqlite_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
