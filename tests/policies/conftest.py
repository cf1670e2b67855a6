"""The tiny causal LM the hf/openai policy tests run on, built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.envs.base import Goal, ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.policies.hf import CausalLM
from prover.policies.serve import ModelServer
from tests.conftest import needs_coq
from tests.policies.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight GPT-2 and its BPE tokenizer, saved with `save_pretrained`."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "tiny-gpt2")


@pytest.fixture(scope="session")
def tiny_lm(tiny_model_dir: Path) -> CausalLM:
    """The tiny model loaded through `CausalLM` (shared: loading is the slow part)."""
    lm = CausalLM(tiny_model_dir, device="cpu")
    lm.load()
    return lm


@pytest.fixture(scope="session")
def model_server(tiny_lm: CausalLM) -> Iterator[ModelServer]:
    """The tiny model served over HTTP on 127.0.0.1, on a free port."""
    with ModelServer(tiny_lm, port=0, name="tiny") as server:
        yield server


@pytest.fixture
def add_0_r() -> tuple[ProofState, Theorem]:
    theorem = Theorem("add_0_r", "Theorem add_0_r : forall n : nat, n + 0 = n.")
    return ProofState((Goal(("n : nat",), "n + 0 = n"),)), theorem


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    """A warm coqidetop for one test module (skipped where Coq is not installed)."""
    if needs_coq.args[0]:
        pytest.skip(needs_coq.kwargs["reason"])
    with CoqEnv() as session:
        yield session
