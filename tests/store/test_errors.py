"""A URL that cannot be used is a ConfigError naming it, never with its password."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.errors import ConfigError
from prover.store import open_store


def test_unparseable_url() -> None:
    with pytest.raises(ConfigError, match="invalid store URL 'not a url'"):
        open_store("not a url")


def test_unknown_dialect() -> None:
    with pytest.raises(ConfigError, match="unknown database or driver"):
        open_store("nosuchdb://user@host/db")


def test_unreachable_server_hides_password() -> None:
    url = "postgresql+psycopg://prover:hunter2@127.0.0.1:1/nowhere?connect_timeout=2"
    with pytest.raises(ConfigError, match="cannot connect to the store at") as info:
        open_store(url)
    assert "hunter2" not in str(info.value)
    assert "prover:***@127.0.0.1:1/nowhere" in str(info.value)


def test_sqlite_file_in_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot connect to the store at 'sqlite:///"):
        open_store(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
