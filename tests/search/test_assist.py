"""Assistance at a proof state (suggest, premises, search) in Python and in `prover shell`."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prover.cli.main import app
from prover.config import load_prover_config
from prover.data.coq import STDLIB
from prover.data.premises import build_corpus, library_modules
from prover.envs.base import ProofFinished, ProofState, TacticError, Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError
from prover.policies.automation import AutomationPolicy
from prover.policies.knn import KnnPolicy
from prover.retrieval import PremiseRetriever
from prover.search import assist
from prover.search.tree import PolicySlot
from tests.conftest import needs_coq
from tests.search.training import build_training_index

pytestmark = needs_coq

HEADER = "Require Import List Arith.\nImport ListNotations."
MAP_ID = Theorem("map_id'", "Lemma map_id' : forall (A : Type) (l : list A), map (fun x => x) l = l.", HEADER)
STATEMENT = "Lemma map_id' : forall (A : Type) (l : list A), map (fun x => x) l = l."
runner = CliRunner()


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    with CoqEnv() as session:
        yield session


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_training_index(tmp_path_factory.mktemp("train"))[0]


@pytest.fixture(scope="module")
def config_file(index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "mine.toml"
    path.write_text(f"""[search]
kind = "best_first"
per_tactic_seconds = 1.0
[[policies]]
kind = "automation"
k = 2
portfolio = ["reflexivity.", "auto."]
[[policies]]
kind = "knn"
k = 6
index = "{index}"
""")
    return path


@pytest.fixture(scope="module")
def premises_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    modules = [(m, p) for m, p in library_modules(STDLIB.root, STDLIB.prefix) if m == "Coq.Init.Peano"]
    directory = tmp_path_factory.mktemp("premises") / "index"
    PremiseRetriever.build(build_corpus(modules, root=STDLIB.root)).save(directory)
    return directory


def test_suggest_tries_each_and_ranks_progress_first(env: CoqEnv, index: Path) -> None:
    state = env.run_tactic(env.start(MAP_ID), "intros A l.")
    assert isinstance(state, ProofState)
    slots = [PolicySlot(AutomationPolicy(("reflexivity.", "idtac.", "auto.")), 3), PolicySlot(KnnPolicy(index), 5)]
    tried = assist.suggest(env, state, MAP_ID, slots, timeout=2.0, limit=8)
    assert tried and tried[0].progress
    assert any("induction" in t.suggestion.tactic and isinstance(t.result, ProofState) for t in tried)
    unchanged = [t for t in tried if t.suggestion.tactic == "idtac."]
    assert unchanged and isinstance(unchanged[0].result, TacticError) and "no progress" in unchanged[0].result.message
    kinds = [t.progress for t in tried]
    assert kinds == sorted(kinds, reverse=True)  # progress first


def test_premises_for_a_goal(env: CoqEnv, premises_dir: Path) -> None:
    theorem = Theorem("z", "Lemma z : forall n : nat, n = n + 0.")
    state = env.run_tactic(env.start(theorem), "intros n.")
    assert isinstance(state, ProofState)
    found = assist.premises(PremiseRetriever.load(premises_dir), state, k=10)
    assert len(found) == 10 and "Coq.Init.Peano.plus_n_O" in {p.name for p in found}


def test_search_from_a_state_with_a_config(env: CoqEnv, config_file: Path) -> None:
    state = env.run_tactic(env.start(MAP_ID), "intros A l.")
    assert isinstance(state, ProofState)
    attempt = assist.search_from(env, MAP_ID, state, load_prover_config(str(config_file)), 60)
    assert attempt.solved and attempt.proof is not None and attempt.proof.startswith("intros A l.")
    assert env.check(MAP_ID, attempt.proof).accepted
    ffs = load_prover_config(str(config_file))
    with pytest.raises(ConfigError, match="first-finish"):
        assist.search_from(env, MAP_ID, state, replace(ffs, search=replace(ffs.search, kind="ffs")), 5)


def test_shell_suggest_premises_and_search(config_file: Path, premises_dir: Path) -> None:
    script = "intros A l.\n:suggest 4\n:premises 3\n:search 60\n:proof\n:check\n:quit\n"
    result = runner.invoke(app, ["shell", "--statement", STATEMENT, "--header", HEADER,
                                 "--prover", str(config_file), "--premises", str(premises_dir)], input=script)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "induction l" in out and "(knn)" in out
    assert "found and checked" in out and "No more goals" in out
    assert "accepted" in out


def test_shell_assistance_errors_are_clear(config_file: Path) -> None:
    script = ":premises\n:suggest many\n:quit\n"
    result = runner.invoke(app, ["shell", "--statement", STATEMENT, "--header", HEADER,
                                 "--prover", str(config_file)], input=script)
    assert result.exit_code == 0, result.output
    assert "--premises DIR" in result.stderr and "takes a number" in result.stderr
    bad = runner.invoke(app, ["shell", "--statement", STATEMENT, "--prover", "nope"], input=":quit\n")
    assert bad.exit_code == 2 and "unknown prover config 'nope'" in bad.stderr



def test_automation_sauto_uses_retrieved_premises(env: CoqEnv, premises_dir: Path) -> None:
    theorem = Theorem("z2", "Lemma z2 : forall n m : nat, n = m -> m + 0 = n.", "From Hammer Require Import Tactics.")
    policy = AutomationPolicy(("reflexivity.",), premises=str(premises_dir), num_premises=10)
    root = env.start(theorem)
    ranked = policy.suggest(root, theorem, 5)
    assert ranked[0].tactic == "reflexivity." and ranked[-1].tactic.startswith("sauto use: ")
    assert "Coq.Init.Peano.plus_n_O" in ranked[-1].tactic
    done = env.run_tactic(root, ranked[-1].tactic, timeout=10)
    assert isinstance(done, ProofFinished) and env.check(theorem, done.proof).accepted
    clone = pickle.loads(pickle.dumps(policy))
    assert clone.suggest(root, theorem, 5) == ranked
