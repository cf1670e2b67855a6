"""Best-first and multi-perspective search on real Coq theorems: proofs, budgets, de-duplication, cheating."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from prover.envs.base import ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.policies.automation import AutomationPolicy
from prover.policies.base import ProofAttempt, Prover, Suggestion
from prover.policies.critics import HeuristicCritic
from prover.policies.knn import KnnPolicy
from prover.search.best_first import BestFirstSearch, ScoreFrontier
from prover.search.budget import Budget
from prover.search.mps import MultiPerspectiveSearch, RoundRobinFrontier, perspectives_for
from prover.search.tree import PolicySlot, TreeSettings, tree_search
from tests.conftest import needs_coq
from tests.search.training import build_training_index

pytestmark = needs_coq

MAP_ID = Theorem("map_id'", "Lemma map_id' : forall (A : Type) (l : list A), map (fun x => x) l = l.",
                 "Require Import List Arith.\nImport ListNotations.")
ARITH = Theorem("lin", "Lemma lin : forall x y : nat, x < y -> 2 * x + 1 < 2 * y + 3.", "Require Import Lia.")
FALSE = Theorem("wrong", "Lemma wrong : forall n : nat, S n = n.")
QUICK = TreeSettings(per_tactic_seconds=1.0, hammer_seconds=2.0, max_depth=12)


class Fixed:
    """A policy that always proposes the same tactics (to drive the search with chosen inputs)."""

    def __init__(self, *tactics: str, name: str = "fixed") -> None:
        self.tactics = tactics
        self.name = name

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        return [Suggestion(t, -float(i), self.name) for i, t in enumerate(self.tactics[:k])]


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    with CoqEnv() as session:
        yield session


@pytest.fixture(scope="module")
def knn(tmp_path_factory: pytest.TempPathFactory) -> KnnPolicy:
    index, _ = build_training_index(tmp_path_factory.mktemp("train"))
    return KnnPolicy(index)


def assert_tree(attempt: ProofAttempt) -> None:
    """The steps form a tree; no state was added twice; counters agree with the steps."""
    for i, step in enumerate(attempt.steps):
        assert step.parent is None or (0 <= step.parent < i and attempt.steps[step.parent].outcome == "state")
    states = [s.state_fingerprint for s in attempt.steps if s.outcome == "state"]
    assert len(states) == len(set(states))
    assert attempt.tactic_calls >= len(attempt.steps)


def solved(attempt: ProofAttempt, theorem: Theorem, checker: CoqEnv) -> None:
    assert attempt.status == "solved", (attempt.reason, attempt.deepest)
    assert attempt.reason == "accepted" and attempt.theorem == theorem.key and attempt.proof
    assert checker.check(theorem, attempt.proof).accepted
    assert attempt.deepest is None
    assert_tree(attempt)


@pytest.mark.parametrize("search", ["best_first", "best_first_normalized", "mps"])
def test_knn_and_automation_prove_an_induction(search: str, env: CoqEnv, knn: KnnPolicy) -> None:
    slots = [PolicySlot(AutomationPolicy(("reflexivity.", "auto.", "congruence.")), 3), PolicySlot(knn, 6)]
    prover: Prover
    if search == "mps":
        prover = MultiPerspectiveSearch(slots, HeuristicCritic(), QUICK)
    else:
        prover = BestFirstSearch(slots, QUICK, length_normalize=search.endswith("normalized"))
    attempt = prover.attempt(env, MAP_ID, 60)
    solved(attempt, MAP_ID, env)
    assert "induction" in attempt.proof  # type: ignore[operator]
    assert attempt.expansions >= 2 and {s.policy for s in attempt.steps} >= {"knn"}


def test_automation_alone_cannot_do_the_induction(env: CoqEnv) -> None:
    slots = [PolicySlot(AutomationPolicy(("reflexivity.", "auto.", "congruence.", "firstorder.")), 4)]
    attempt = BestFirstSearch(slots, QUICK).attempt(env, MAP_ID, 20)
    assert attempt.status == "failed" and attempt.proof is None and attempt.deepest is not None


def test_root_closer_and_duplicates(env: CoqEnv) -> None:
    # trivial/auto leave the root unchanged here: recorded as duplicates, never expanded
    slots = [PolicySlot(Fixed("trivial.", "idtac.", "intros x y H.", "intros x y H.", "lia."), 5)]
    attempt = BestFirstSearch(slots, QUICK).attempt(env, ARITH, 20)
    solved(attempt, ARITH, env)
    outcomes = [s.outcome for s in attempt.steps]
    assert outcomes[:2] == ["duplicate", "duplicate"] and "finished" in outcomes


def test_budgets_are_honoured(env: CoqEnv) -> None:
    wide = [PolicySlot(Fixed("intros.", "simpl.", "destruct n.", "induction n.", "cbn.", "unfold not."), 6)]
    one = tree_search(env, FALSE, wide, ScoreFrontier(), Budget(30, max_expansions=1), QUICK)
    assert one.status == "timeout" and one.expansions == 1 and "expansions" in one.reason
    calls = tree_search(env, FALSE, wide, ScoreFrontier(), Budget(30, max_tactic_calls=3), QUICK)
    assert calls.status == "timeout" and calls.tactic_calls == 3 and "tactic calls" in calls.reason
    assert_tree(calls)


def test_a_non_terminating_tactic_is_cut_by_the_budget(env: CoqEnv) -> None:
    slots = [PolicySlot(Fixed("do 100000000 idtac.", "intros."), 2)]
    started = time.monotonic()
    attempt = BestFirstSearch(slots, TreeSettings(per_tactic_seconds=10.0)).attempt(env, FALSE, 3)
    assert time.monotonic() - started < 8
    assert attempt.status == "timeout" and attempt.steps[0].outcome == "timeout"


def test_cheating_tactics_never_count_as_proofs(env: CoqEnv) -> None:
    cheats = Fixed("admit.", "give_up.", "Admitted.", "Abort.", "Qed.", "Require Import Lia.", "exact I.",
                   "apply proof_admitted.", "Axiom cheat : forall P, P.", "all: admit.", "shelve.")
    for prover in (BestFirstSearch([PolicySlot(cheats, 20)], QUICK),
                   MultiPerspectiveSearch([PolicySlot(cheats, 20)], HeuristicCritic(), QUICK)):
        attempt = prover.attempt(env, FALSE, 15)
        assert attempt.status in ("failed", "timeout"), attempt
        assert attempt.proof is None


def test_mps_rotates_over_every_perspective(env: CoqEnv) -> None:
    frontier = RoundRobinFrontier(perspectives_for(HeuristicCritic(), FALSE))
    slots = [PolicySlot(Fixed("intros.", "simpl.", "destruct n.", "induction n.", "cbn.", "f_equal."), 6)]
    attempt = tree_search(env, FALSE, slots, frontier, Budget(30, max_expansions=8), QUICK)
    assert attempt.status in ("failed", "timeout") and attempt.expansions >= 4
    assert set(frontier.nominations) == {"heuristic", "policy", "goals", "size"}
    assert all(count >= 1 for count in frontier.nominations.values()), frontier.nominations
    assert_tree(attempt)


def test_search_from_a_mid_proof_state(env: CoqEnv, knn: KnnPolicy) -> None:
    root = env.start(MAP_ID)
    state = env.run_tactic(root, "intros A l.")
    assert isinstance(state, ProofState)
    slots = [PolicySlot(AutomationPolicy(("reflexivity.",)), 1), PolicySlot(knn, 6)]
    attempt = BestFirstSearch(slots, QUICK).attempt_from(env, MAP_ID, state, 60)
    solved(attempt, MAP_ID, env)
    assert attempt.proof.startswith("intros A l.")  # type: ignore[union-attr]


def test_unusable_budget_is_a_config_error() -> None:
    from prover.errors import ConfigError

    with pytest.raises(ConfigError, match="positive"):
        Budget(0)



HAMMERED = Theorem("comm", "Lemma comm : forall n m : nat, n + m = m + n.", "From Hammer Require Import Hammer.")


def test_hammer_waits_for_the_cheap_search_then_runs(env: CoqEnv) -> None:
    """With `hammer_after`, hammer runs once the cheap search has had its seconds, on the
    node it was proposed for; here the cheap tactics never stop making new states."""
    # deep enough that the tree never runs out (which would let hammer run at once)
    settings = TreeSettings(per_tactic_seconds=1.0, hammer_seconds=30.0, hammer_after=1.5, max_depth=100_000)
    endless = Fixed("hammer.", "assert True by trivial.", name="automation")
    attempt = tree_search(env, HAMMERED, [PolicySlot(endless, 2)], ScoreFrontier(),
                          Budget(60, max_expansions=100_000, max_tactic_calls=100_000), settings)
    solved(attempt, HAMMERED, env)
    assert attempt.proof == "hammer."
    cheap = [s for s in attempt.steps if s.tactic != "hammer."]
    assert len(cheap) > 20 and attempt.steps[-1].tactic == "hammer." and attempt.steps[-1].parent is None
    assert attempt.seconds >= 1.5  # it waited for the cheap search


def test_hammer_runs_at_once_when_the_cheap_tree_runs_out(env: CoqEnv) -> None:
    settings = TreeSettings(per_tactic_seconds=1.0, hammer_seconds=30.0, hammer_after=600.0)
    few = Fixed("hammer.", "intros.", name="automation")
    started = time.monotonic()
    attempt = tree_search(env, HAMMERED, [PolicySlot(few, 2)], ScoreFrontier(), Budget(120), settings)
    solved(attempt, HAMMERED, env)
    assert [s.tactic for s in attempt.steps] == ["intros.", "intros.", "hammer."]
    assert time.monotonic() - started < 60  # it did not wait for hammer_after
