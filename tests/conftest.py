"""Shared fixtures. tests/unit is pure; tests/coq drives a real coqidetop. Store fixtures run each
store test on a fresh SQLite file and, when ``PROVER_TEST_POSTGRES_URL`` is set (CI does), on a
fresh PostgreSQL schema."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from prover.envs.coq.env import CoqEnv
from prover.store import Store, open_store

SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
STDLIB = Path("/usr/lib/ocaml/coq/theories")

needs_coq = pytest.mark.skipif(
    shutil.which("coqidetop.opt") is None and shutil.which("coqidetop") is None,
    reason="coqidetop is not installed (Debian package `coq`; `make test` installs it)",
)


@pytest.fixture(scope="module")
def coq_env() -> Iterator[CoqEnv]:
    """One CoqEnv per test module: warm, as a search worker would hold it."""
    if shutil.which("coqidetop.opt") is None and shutil.which("coqidetop") is None:
        pytest.skip("coqidetop is not installed (Debian package `coq`; `make test` installs it)")
    with CoqEnv() as env:
        yield env


@pytest.fixture
def shared_fixtures() -> Path:
    """The recorded transcripts in ../shared/fixtures (absent in a user's fresh clone)."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"{SHARED_FIXTURES} is absent (recorded transcripts live beside the project, not in it)")
    return SHARED_FIXTURES


POSTGRES_URL = os.environ.get("PROVER_TEST_POSTGRES_URL")
NO_POSTGRES = "PROVER_TEST_POSTGRES_URL is unset (CI sets it to a PostgreSQL 15 database)"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """A migrated-or-not empty database of each tested kind."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store of each tested kind."""
    with open_store(store_url) as opened:
        opened.migrate()
        yield opened
