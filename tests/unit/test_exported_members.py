"""The public API is what `prover.__all__` says, and every name in it exists (ruff keeps it sorted)."""

from __future__ import annotations

import shutil
import types

import prover


def test_all_is_complete() -> None:
    assert len(set(prover.__all__)) == len(prover.__all__)
    for name in prover.__all__:
        assert hasattr(prover, name), name
    public = {
        name
        for name, value in vars(prover).items()
        if not name.startswith("_") and name != "annotations" and not isinstance(value, types.ModuleType)
    }
    assert public == set(prover.__all__)


def test_open_env_names_unknown_backends_clearly() -> None:
    import pytest

    with pytest.raises(prover.ConfigError, match="unknown backend 'isabelle'"):
        prover.open_env("isabelle")
    if shutil.which("lean") is None and shutil.which("lake") is None:
        with pytest.raises(prover.EnvInitError, match="on PATH|Lake project"):
            prover.open_env("lean")
