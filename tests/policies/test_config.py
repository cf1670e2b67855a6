"""Prover configs: named and file configs, strict validation, building provers from them."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from prover.config import (
    BUILTIN,
    HAMMER_PRELUDE,
    ProverConfig,
    available_configs,
    build_prover,
    load_prover_config,
)
from prover.envs.base import Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError
from prover.policies.automation import AutomationProver
from prover.policies.base import Prover
from prover.search.mps import MultiPerspectiveSearch
from prover.search.prelude import WithPrelude, with_prelude
from tests.conftest import needs_coq


def test_named_configs_load_and_round_trip_as_json() -> None:
    names = available_configs()
    assert {"automation", "default-cpu", "llm-gpu", "sauto", "hammer"} <= set(names)
    for name in names:
        config = load_prover_config(name)
        assert isinstance(config, ProverConfig) and config.name == name
        record = json.loads(config.to_json())
        assert record["name"] == name and record["search"]["kind"] == config.search.kind
        assert pickle.loads(pickle.dumps(config)) == config  # it travels to Ray workers
    cpu = load_prover_config("default-cpu")
    assert cpu.prelude == HAMMER_PRELUDE
    assert {p.kind for p in cpu.policies} == {"automation", "knn", "file_knn", "transfer", "lemmas", "context"}
    # relative data paths resolve against the working directory, for Ray workers elsewhere
    assert all(Path(p.proofs).is_absolute() for p in cpu.policies if p.kind in {"file_knn", "transfer"})
    assert {p.kind for p in load_prover_config("llm-gpu").policies} >= {"hf"}


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError, match="unknown prover config 'nope'; available: automation, default-cpu"):
        load_prover_config("nope")
    with pytest.raises(ConfigError, match="does not exist"):
        load_prover_config("/no/such/config.toml")


@pytest.mark.parametrize(("text", "message"), [
    ("name = 'x'\n[search]\nkind = 'dfs'\n[[policies]]\nkind = 'automation'\n", "kind = 'dfs' is not one of"),
    ("[search]\nmax_expansion = 3\n[[policies]]\nkind = 'automation'\n", "unknown key.*max_expansion"),
    ("[search]\nmax_expansions = -1\n[[policies]]\nkind = 'automation'\n", "non-negative number"),
    ("[search]\nmax_expansions = 2.5\n[[policies]]\nkind = 'automation'\n", "whole number"),
    ("[search]\nkind = 'mps'\n", "at least one \\[\\[policies\\]\\]"),
    ("[[policies]]\nk = 3\n", "kind is required"),
    ("[[policies]]\nkind = 'automation'\nportfolio = 'lia.'\n", "portfolio must be an array"),
    ("colour = 'red'\n[[policies]]\nkind = 'automation'\n", "unknown key.*colour"),
    ("[search\n", "not valid TOML"),
])
def test_bad_files_name_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_prover_config(str(path))


def test_yaml_file_and_lazy_policy_modules(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("search: {kind: best_first, length_normalize: true}\n"
                    "policies: [{kind: automation, k: 4}, {kind: hf, target: 'prover.nowhere:Model'}]\n")
    config = load_prover_config(str(path))
    assert config.name == "mine" and config.search.length_normalize
    with pytest.raises(ConfigError, match="cannot import prover.nowhere"):
        build_prover(config)  # loading never imports policies; building does


def test_build_prover_kinds() -> None:
    automation = build_prover(BUILTIN["automation"])
    assert isinstance(automation, AutomationProver) and isinstance(automation, Prover)
    sauto = build_prover(load_prover_config("sauto"))
    assert isinstance(sauto, WithPrelude) and sauto.name == "sauto"
    assert isinstance(sauto.inner, AutomationProver) and sauto.inner.portfolio == ("sauto.",)


def test_prelude_after_a_header_that_ends_inside_a_section() -> None:
    theorem = Theorem("t", "Lemma t : n + 0 = n.", "Section S.\nVariable n : nat.")
    extended = with_prelude(theorem, HAMMER_PRELUDE)
    assert extended.header.endswith(HAMMER_PRELUDE + "\n") and extended.header.startswith("Section S.")
    assert with_prelude(theorem, "  ") is theorem


@needs_coq
def test_prelude_inside_a_section_is_used_and_checked(coq_env: CoqEnv) -> None:
    theorem = Theorem("t", "Lemma t : n * 1 + 0 = n.", "Section S.\nVariable n : nat.")
    bare = build_prover(BUILTIN["automation"]).attempt(coq_env, theorem, 10)
    config = load_prover_config("sauto")
    lia_only = ProverConfig("lia", config.search, (type(config.policies[0])("automation", portfolio=("lia.",)),),
                            prelude=HAMMER_PRELUDE)
    attempt = build_prover(lia_only).attempt(coq_env, theorem, 10)
    assert attempt.status == "solved" and attempt.proof == "lia." and attempt.theorem == theorem.key
    assert bare.proof != "lia."  # without the prelude there is no lia
    # the proof needs the prelude: checked against the bare header it is rejected
    assert not coq_env.check(theorem, "lia.").accepted
    assert coq_env.check(with_prelude(theorem, HAMMER_PRELUDE), "lia.").accepted


@needs_coq
def test_prelude_falls_back_for_files_the_prelude_depends_on(coq_env: CoqEnv) -> None:
    # a theorem in the context of Coq.ZArith.auxiliary: Lia loads that very module
    theorem = Theorem("z", "Lemma z : forall n : nat, n = n.", "", module="Coq.ZArith.auxiliary")
    attempt = build_prover(load_prover_config("automation")).attempt(coq_env, theorem, 5)
    assert attempt.status == "solved"
    fallback = build_prover(ProverConfig("p", BUILTIN["automation"].search, BUILTIN["automation"].policies,
                                         prelude=HAMMER_PRELUDE)).attempt(coq_env, theorem, 5)
    assert fallback.status == "solved" and fallback.theorem == theorem.key


def test_mps_config_builds_without_a_model(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text("[search]\nkind = 'mps'\ncritic = 'heuristic'\n[[policies]]\nkind = 'automation'\n")
    prover = build_prover(load_prover_config(str(path)))
    assert isinstance(prover, MultiPerspectiveSearch) and prover.critic is not None
