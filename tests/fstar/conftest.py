"""Tests against a real fstar.exe: every test here is marked `requires_fstar` and skipped without one."""

from __future__ import annotations

import pytest

from prover.envs.fstar import find_fstar


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if find_fstar() is not None:
        return
    skip = pytest.mark.skip(reason="fstar.exe is not installed (looked at $FSTAR_EXE, PATH, $FSTAR_HOME/bin); "
                                   "see docker/fstar or https://github.com/FStarLang/FStar/releases")
    for item in items:
        if "requires_fstar" in item.keywords:
            item.add_marker(skip)
