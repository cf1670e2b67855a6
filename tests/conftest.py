"""Shared fixtures. tests/unit is pure; tests/coq drives a real coqidetop."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.envs.coq.env import CoqEnv

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
