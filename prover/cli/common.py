"""What the CLI commands share: building theorems from options, reporting errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from prover.envs.base import Theorem
from prover.envs.coq.files import declared_name, theorems_in_file
from prover.errors import ConfigError, ProverError

if TYPE_CHECKING:
    from prover.store import Store

console = Console()
errors = Console(stderr=True)


def read_text_option(value: str) -> str:
    """An option value, or standard input when it is ``-``."""
    return sys.stdin.read() if value == "-" else value


def theorems_from_options(file: str | None, theorem: str | None, statement: str | None,
                          header: str) -> list[Theorem]:
    """The theorems a command works on: from a .v file, or from --statement."""
    if file is not None and statement is not None:
        raise ConfigError("give either a FILE or --statement, not both")
    if file is not None:
        return theorems_in_file(file, theorem)
    if statement is None:
        raise ConfigError("give a FILE.v, or --statement 'Theorem name : ... .' (see --help)")
    name = theorem or declared_name(statement)
    if name is None:
        raise ConfigError(
            f"cannot tell the theorem's name from {statement[:60]!r}: start it with Theorem/Lemma NAME, "
            "or pass --theorem NAME"
        )
    return [Theorem(name=name, statement=statement.strip(), header=header)]


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn prover errors into a one-line message and exit code 2 (no stack trace)."""
    try:
        yield
    except ProverError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc


def migrated_store(db: str) -> Store:
    """The store at `db` (any SQLAlchemy URL), its schema brought up to date; close it, or use
    it in ``with``."""
    from prover.store import open_store

    store = open_store(db)
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store
