"""The hf policy, its generation core and the model-backed critic, on a real tiny causal LM.

Random weights make junk tactics: these tests check what must hold for any model —
log-probabilities that a plain forward pass reproduces, determinism under a seed, stop
strings, token accounting, the prompt's content, pickling, and junk tactics coming back from
a real Coq as `TacticError` values.
"""

from __future__ import annotations

import functools
import math
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel

from prover.data.premises import Premise
from prover.envs.base import Goal, ProofFinished, ProofState, TacticError, TacticTimeout, Theorem
from prover.errors import ConfigError
from prover.policies.base import ProofPolicy, TacticPolicy
from prover.policies.hf import BatchingPolicy, CausalLM, HFPolicy, ModelCritic
from prover.policies.prompts import CRITIC_TARGET, PROOF_STOPS, tactic_prompt
from tests.conftest import needs_coq

PROMPT = "Theorem t : forall n : nat, n + 0 = n.\nProof.\n"


@functools.cache
def plain_model(model_dir: Path) -> PreTrainedModel:
    """The model loaded apart from `CausalLM`, by transformers alone."""
    return AutoModelForCausalLM.from_pretrained(model_dir).eval()


def plain_logprobs(model_dir: Path, prompt: list[int], continuation: list[int]) -> list[float]:
    """Token log-probabilities of `continuation` by the plain model, one unpadded pass."""
    model = plain_model(model_dir)
    ids = torch.tensor([prompt + continuation])
    with torch.inference_mode():
        logprobs = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), dim=-1)
    return [logprobs[len(prompt) - 1 + i, token].item() for i, token in enumerate(continuation)]


def test_the_tiny_model_loads_like_a_real_one(tiny_model_dir: Path, tiny_lm: CausalLM) -> None:
    assert AutoTokenizer.from_pretrained(tiny_model_dir).decode(tiny_lm.encode(PROMPT)) == PROMPT
    assert tiny_lm.context_length == 512
    assert sum(p.numel() for p in plain_model(tiny_model_dir).parameters()) < 1_000_000


def test_sampled_logprobs_are_the_models(tiny_model_dir: Path, tiny_lm: CausalLM) -> None:
    prompt = tiny_lm.encode(PROMPT)
    completions = tiny_lm.sample([prompt], n=3, max_new_tokens=12, temperature=1.5, seed=0)[0]
    assert len(completions) == 3
    for c in completions:
        assert c.token_ids and len(c.token_ids) == len(c.token_logprobs) <= 12
        assert all(math.isfinite(lp) and lp <= 0 for lp in c.token_logprobs)
        # the score is the model's at temperature 1, whatever temperature sampled it
        expected = plain_logprobs(tiny_model_dir, prompt, list(c.token_ids))
        assert c.token_logprobs == pytest.approx(expected, abs=1e-4)
        assert tiny_lm.score([(prompt, c.token_ids)])[0] == pytest.approx(expected, abs=1e-4)


def test_batched_prompts_of_different_lengths_sample_as_if_alone(tiny_model_dir: Path, tiny_lm: CausalLM) -> None:
    short, long = tiny_lm.encode("intros."), tiny_lm.encode(PROMPT * 3)
    rows = tiny_lm.sample([short, long], n=2, max_new_tokens=8, temperature=1.0, seed=1)
    for prompt, row in zip((short, long), rows, strict=True):
        for c in row:  # left padding must not shift what the model sees
            assert c.token_logprobs == pytest.approx(plain_logprobs(tiny_model_dir, prompt, list(c.token_ids)),
                                                     abs=1e-4)


def test_a_seed_fixes_the_samples(tiny_lm: CausalLM) -> None:
    prompt = tiny_lm.encode(PROMPT)
    first = tiny_lm.sample([prompt], n=4, max_new_tokens=10, temperature=1.0, seed=7)
    assert tiny_lm.sample([prompt], n=4, max_new_tokens=10, temperature=1.0, seed=7) == first
    assert tiny_lm.sample([prompt], n=4, max_new_tokens=10, temperature=1.0, seed=8) != first


def test_greedy_decoding_is_the_argmax(tiny_model_dir: Path, tiny_lm: CausalLM) -> None:
    prompt = tiny_lm.encode(PROMPT)
    greedy = tiny_lm.sample([prompt], n=1, max_new_tokens=6, temperature=0.0)[0][0]
    assert greedy == tiny_lm.sample([prompt], n=1, max_new_tokens=6, temperature=0.0, seed=99)[0][0]
    model = plain_model(tiny_model_dir)
    ids = torch.tensor([prompt + list(greedy.token_ids)])
    with torch.inference_mode():
        best = model(input_ids=ids).logits[0, len(prompt) - 1:-1].argmax(dim=-1).tolist()
    assert best == list(greedy.token_ids)


def test_a_stop_string_cuts_the_completion_where_it_first_appears(tiny_lm: CausalLM) -> None:
    prompt = tiny_lm.encode(PROMPT)
    (free,) = tiny_lm.sample([prompt], n=1, max_new_tokens=40, temperature=1.0, seed=3)[0]
    text = free.text
    # a two-character ASCII stop that occurs after the first few characters
    at = next(i for i in range(3, len(text) - 1) if text[i:i + 2].isascii() and text[i:i + 2].isprintable())
    stop = text[at:at + 2]
    (cut,) = tiny_lm.sample([prompt], n=1, max_new_tokens=40, temperature=1.0, stops=(stop,), seed=3)[0]
    assert cut.finish_reason == "stop"
    assert cut.text == text[:text.find(stop)]
    assert cut.token_ids == free.token_ids[:len(cut.token_ids)]  # the same draws, ended early
    assert stop in tiny_lm.decode(cut.token_ids)
    assert stop not in tiny_lm.decode(cut.token_ids[:-1])
    assert free.finish_reason == "length" or free.token_ids[-1] == tiny_lm.tokenizer.eos_token_id


def test_large_requests_are_generated_in_bounded_batches(tiny_lm: CausalLM) -> None:
    prompt = tiny_lm.encode("intros.")
    rows = tiny_lm.sample([prompt] * 3, n=30, max_new_tokens=2, temperature=1.0, seed=0)
    assert [len(row) for row in rows] == [30, 30, 30]
    # long completions: fewer sequences at once (32 x 128 new tokens), the samples of one prompt in parts
    (many,) = tiny_lm.sample([prompt], n=45, max_new_tokens=128, temperature=1.0, seed=0)
    assert len(many) == 45 and len({c.token_ids for c in many}) == 45
    with pytest.raises(ConfigError, match="n <= 64"):
        tiny_lm.sample([prompt], n=65, max_new_tokens=2, temperature=1.0)


def test_suggest_gives_k_distinct_tactics_scored_by_log_probability(tiny_model_dir: Path,
                                                                    add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    policy = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=16, device="cpu")
    assert isinstance(policy, TacticPolicy) and isinstance(policy, ProofPolicy)
    suggestions = policy.suggest(state, theorem, 5)
    assert len(suggestions) == 5
    assert len({s.tactic for s in suggestions}) == 5
    assert all(s.tactic and "\n" not in s.tactic and s.policy == "hf" for s in suggestions)
    scores = [s.score for s in suggestions]
    assert all(math.isfinite(x) and x < 0 for x in scores) and scores == sorted(scores, reverse=True)
    # the call's tokens (prompt once per round, every completion) are spread over what it returns
    assert sum(s.tokens for s in suggestions) == policy.usage.total_tokens > 0
    assert policy.usage.prompt_tokens == len(policy.tactic_prompt_ids(state, theorem)) * policy.usage.requests
    assert policy.suggest(state, theorem, 5) == suggestions  # seeded: the same call, the same answer
    assert policy.suggest(state, theorem, 0) == []


def test_normalised_scores_divide_by_the_token_count(tiny_model_dir: Path,
                                                     add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    total = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=16).suggest(state, theorem, 3)
    mean = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=16, normalize=True).suggest(state, theorem, 3)
    by_tactic = {s.tactic: s.score for s in total}
    for s in mean:
        ratio = by_tactic[s.tactic] / s.score
        assert ratio == pytest.approx(round(ratio)) and 1 <= round(ratio) <= 16


def test_suggest_many_answers_every_state(tiny_model_dir: Path, add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    other = ProofState((Goal(("P, Q : Prop", "HP : P", "HQ : Q"), "P /\\ Q"),))
    policy = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=12)
    answers = policy.suggest_many([(state, theorem), (other, theorem)], 3)
    assert [len(a) for a in answers] == [3, 3]
    assert sum(s.tokens for a in answers for s in a) == policy.usage.total_tokens


def test_concurrent_calls_are_batched_into_one_generation(tiny_model_dir: Path,
                                                          add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    inner = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=8, max_rounds=1)
    inner.lm.load()
    policy = BatchingPolicy(inner, max_batch=8, wait_seconds=0.5)
    states = [ProofState((Goal((f"n{i} : nat",), f"n{i} = n{i}"),)) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:  # four search workers asking at once
        answers = list(pool.map(lambda s: policy.suggest(s, theorem, 3), states))
    assert [len(a) for a in answers] == [3, 3, 3, 3]
    assert inner.usage.requests < 4  # fewer generations than callers
    assert sum(s.tokens for a in answers for s in a) == inner.usage.total_tokens
    clone = pickle.loads(pickle.dumps(policy))  # what a Ray actor receives
    assert len(clone.suggest(state, theorem, 2)) == 2
    broken = BatchingPolicy(HFPolicy(str(tiny_model_dir / "missing")))
    with pytest.raises(ConfigError, match="no config.json"):  # the caller gets the failure
        broken.suggest(state, theorem, 2)


def test_the_prompt_holds_the_goals_and_the_retrieved_premises(tiny_lm: CausalLM, tiny_model_dir: Path,
                                                                add_0_r: tuple[ProofState, Theorem]) -> None:
    from prover.retrieval.index import PremiseRetriever

    corpus = [Premise("Coq.Arith.PeanoNat.Nat.add_0_r", "forall n : nat, n + 0 = n", "theorem",
                      "Coq.Arith.PeanoNat", "Arith/PeanoNat.v", 10),
              Premise("Coq.Lists.List.app_nil_r", "forall (A : Type) (l : list A), l ++ nil = l", "theorem",
                      "Coq.Lists.List", "Lists/List.v", 20),
              Premise("Coq.Init.Logic.conj", "forall A B : Prop, A -> B -> A /\\ B", "constructor",
                      "Coq.Init.Logic", "Init/Logic.v", 30)]
    retriever = PremiseRetriever.build(corpus)
    state, theorem = add_0_r
    policy = HFPolicy(str(tiny_model_dir), retriever=retriever, num_premises=2)
    prompt = tiny_lm.decode(policy.tactic_prompt_ids(state, theorem))
    assert "n : nat" in prompt and "n + 0 = n" in prompt and theorem.statement in prompt
    best = retriever.retrieve("n + 0 = n\nn : nat", 2)
    assert best[0].name == "Coq.Arith.PeanoNat.Nat.add_0_r"
    assert all(f"{p.name} : " in prompt for p in best)
    assert prompt.endswith("(* Next tactic: *)\n")
    # a state too big for the context loses the premises, then its oldest tokens
    huge = ProofState((Goal(("n : nat",), " + ".join(["n"] * 2000)),))
    ids = policy.tactic_prompt_ids(huge, theorem)
    assert len(ids) == tiny_lm.context_length - policy.max_tokens
    assert "Premises" not in tiny_lm.decode(ids) and tiny_lm.decode(ids).endswith("(* Next tactic: *)\n")
    assert len(policy.suggest(huge, theorem, 2)) == 2


def test_whole_proofs_are_sampled_without_their_closing_command(tiny_model_dir: Path) -> None:
    theorem = Theorem("t", "Theorem t : forall n : nat, n + 0 = n.")
    policy = HFPolicy(str(tiny_model_dir), seed=0, proof_max_tokens=24)
    samples = policy.sample(theorem, 3)
    assert 1 <= len(samples) <= 3 and len({s.proof for s in samples}) == len(samples)
    for s in samples:
        assert s.policy == "hf" and math.isfinite(s.score) and s.score < 0
        assert not any(stop in s.proof for stop in PROOF_STOPS)
    assert sum(s.tokens for s in samples) == policy.usage.total_tokens


def test_a_pickled_policy_loads_its_model_again_and_answers_alike(tiny_model_dir: Path,
                                                                  add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    policy = HFPolicy(str(tiny_model_dir), seed=5, max_tokens=10)
    before = policy.suggest(state, theorem, 3)
    data = pickle.dumps(policy)
    assert len(data) < 4096  # what travels is the path, not the weights
    clone = pickle.loads(data)
    assert clone.lm is policy.lm  # in one process, one copy of the weights
    assert clone.suggest(state, theorem, 3) == before
    critic = ModelCritic(str(tiny_model_dir))
    assert critic.lm is policy.lm
    # another process (a Ray worker) loads the model itself on first use and answers alike
    script = ("import pickle, sys; policy, state, theorem = pickle.load(sys.stdin.buffer); "
              "unloaded = policy.lm._model is None; "
              "print(unloaded, ascii([s.tactic for s in policy.suggest(state, theorem, 3)]))")
    fresh = subprocess.run([sys.executable, "-c", script], input=pickle.dumps((policy, state, theorem)),
                           capture_output=True, check=True, timeout=120)
    assert fresh.stdout.decode().splitlines()[-1] == f"True {[s.tactic for s in before]!a}"


def test_the_critic_is_the_log_probability_of_closing_the_proof(tiny_model_dir: Path, tiny_lm: CausalLM,
                                                                add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    critic = ModelCritic(tiny_lm)
    score = critic.score(state, theorem)
    expected = sum(plain_logprobs(tiny_model_dir, tiny_lm.encode(tactic_prompt(state, theorem)),
                                  tiny_lm.encode(CRITIC_TARGET)))
    assert score == pytest.approx(expected, abs=1e-4) and score < 0
    other = ProofState((Goal((), "True"),))
    both = critic.score_many([(state, theorem), (other, theorem)])
    assert both[0] == pytest.approx(score, abs=1e-4) and both[1] != pytest.approx(score, abs=1e-4)
    per_token = ModelCritic(str(tiny_model_dir), normalize=True).score(state, theorem)
    assert per_token == pytest.approx(score / len(tiny_lm.encode(CRITIC_TARGET)), abs=1e-4)


def test_the_prover_config_builds_the_policy(tiny_model_dir: Path, add_0_r: tuple[ProofState, Theorem]) -> None:
    from prover.config import PolicyConfig, build_policy

    policy = build_policy(PolicyConfig(kind="hf", model=str(tiny_model_dir), temperature=0.8, max_tokens=8))
    assert isinstance(policy, HFPolicy) and policy.temperature == 0.8 and policy.max_tokens == 8
    assert len(policy.suggest(*add_0_r, k=2)) == 2


def test_bad_settings_are_refused_with_what_to_change(tmp_path: Path, add_0_r: tuple[ProofState, Theorem]) -> None:
    with pytest.raises(ConfigError, match="temperature"):
        HFPolicy(str(tmp_path), temperature=-1)
    with pytest.raises(ConfigError, match="max_tokens"):
        HFPolicy(str(tmp_path), max_tokens=0)
    with pytest.raises(ConfigError, match="no config.json"):
        HFPolicy(str(tmp_path / "missing")).suggest(*add_0_r, k=2)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot load the model"):
        CausalLM(tmp_path).load()


@needs_coq
def test_junk_tactics_come_back_from_coq_as_values(tiny_model_dir: Path, coq_env: object) -> None:
    from prover.envs.coq.env import CoqEnv

    assert isinstance(coq_env, CoqEnv)
    theorem = Theorem("add_0_r_hf", "Theorem add_0_r_hf : forall n : nat, n + 0 = n.")
    root = coq_env.start(theorem)
    policy = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=16)
    suggestions = policy.suggest(root, theorem, 4)
    assert len(suggestions) == 4
    results = [coq_env.run_tactic(root, s.tactic, timeout=5) for s in suggestions]
    assert all(isinstance(r, ProofState | ProofFinished | TacticError | TacticTimeout) for r in results)
    assert any(isinstance(r, TacticError) for r in results)
    # the env is still usable after the junk
    assert isinstance(coq_env.run_tactic(root, "intros n."), ProofState)
