"""Tests against a real Lean REPL: skipped, with the reason, where no Lean toolchain is installed.

They use `repl` on PATH (core Lean), or the Lake project in ``PROVER_TEST_LEAN_PROJECT``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from prover.envs.lean.env import LeanEnv
from prover.envs.lean.toolchain import find_toolchain
from prover.envs.limits import Limits
from prover.errors import EnvInitError

PROJECT = os.environ.get("PROVER_TEST_LEAN_PROJECT") or None


def _missing() -> str | None:
    try:
        find_toolchain(PROJECT)
    except EnvInitError as exc:
        return str(exc)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    why = _missing()
    if why is None:
        return
    skip = pytest.mark.skip(reason=f"no Lean toolchain here: {why}")
    for item in items:
        if "requires_lean" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def lean_env() -> Iterator[LeanEnv]:
    with LeanEnv(limits=Limits(startup_seconds=300, tactic_seconds=20, proof_seconds=60, memory_bytes=None),
                 project=PROJECT) as env:
        yield env
