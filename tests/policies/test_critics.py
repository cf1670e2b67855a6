"""The heuristic critic on real Coq states: fewer and smaller goals score higher."""

from __future__ import annotations

from prover.envs.base import Goal, ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.policies.critics import Critic, HeuristicCritic
from tests.conftest import needs_coq

THM = Theorem("andc", "Lemma andc : forall n : nat, n = n /\\ (exists m, m = n + 0).")


def test_scores_order_by_goals_size_and_existentials() -> None:
    critic = HeuristicCritic()
    assert isinstance(critic, Critic)
    one = ProofState((Goal((), "n = n"),))
    two = ProofState((Goal((), "n = n"), Goal((), "n = n")))
    big = ProofState((Goal((), "n = n + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0"),))
    ex = ProofState((Goal((), "exists m, m = n"),))
    assert critic.score(ProofState(()), THM) == 0.0
    assert critic.score(one, THM) > critic.score(two, THM)
    assert critic.score(one, THM) > critic.score(big, THM)
    assert critic.score(one, THM) > critic.score(ex, THM)
    assert all(critic.score(s, THM) <= 0 for s in (one, two, big, ex))
    pending = ProofState((Goal((), "n = n"),), pending=(Goal((), "n = n"),))
    assert critic.score(pending, THM) == critic.score(two, THM)  # pending goals count too


@needs_coq
def test_split_progress_on_real_states(coq_env: CoqEnv) -> None:
    critic = HeuristicCritic()
    root = coq_env.start(THM)
    intro = coq_env.run_tactic(root, "intros n.")
    split = coq_env.run_tactic(intro, "split.")
    first = coq_env.run_tactic(split, "reflexivity.")
    witness = coq_env.run_tactic(first, "exists n.")
    assert isinstance(split, ProofState) and isinstance(first, ProofState) and isinstance(witness, ProofState)
    assert critic.score(first, THM) > critic.score(split, THM)  # one goal closed
    assert critic.score(witness, THM) > critic.score(first, THM)  # the existential resolved
