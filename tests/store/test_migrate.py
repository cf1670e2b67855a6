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
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0002_attempt_deepest"


def test_migration_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, Base.metadata) == []


def test_a_store_at_the_first_revision_upgrades_keeping_its_rows(sqlite_url: str) -> None:
    with open_store(sqlite_url) as old:
        old.migrate("0001_initial")
        with old.engine.begin() as conn:
            conn.execute(text("INSERT INTO runs (id, config_json, code_version, machine, status, started_at) "
                              "VALUES ('r1', '{}', '', '', 'finished', CURRENT_TIMESTAMP)"))
    with open_store(sqlite_url) as store:
        store.migrate()
        assert [run.id for run in store.runs()] == ["r1"]
        assert "deepest" in {c["name"] for c in inspect(store.engine).get_columns("attempts")}


def test_migrate_twice_is_a_no_op(store: Store) -> None:
    store.migrate()
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_sqlite_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
