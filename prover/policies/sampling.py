"""What the model-backed policies share: tactics and proofs from sampled completions.

`HFPolicy` (a local model) and `OpenAIPolicy` (an HTTP endpoint) differ only in how they
sample: the prompt form they send (token ids or text) and the call that samples it. The rest
is here: asking again for states short of distinct tactics, reading proofs, premises in the
prompt, token accounting, and pickling for Ray (the retriever reloads from its directory).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, TypeVar

from prover.envs.base import ProofState, Theorem
from prover.policies.base import ProofSample, Suggestion
from prover.policies.prompts import (
    PROOF_STOPS,
    TACTIC_STOPS,
    Completions,
    NamedPremise,
    Retriever,
    TokenUsage,
    load_retriever,
    proof_prompt,
    retrieve_for,
    suggest_in_rounds,
    to_proof_samples,
)

Prompt = TypeVar("Prompt")


class SamplingPolicy(ABC, Generic[Prompt]):
    """A tactic and proof policy over a model that samples completions of `Prompt`s.

    `suggest` samples up to `max_rounds` batches of `k` continuations of the tactic prompt
    and returns up to `k` distinct tactics; `sample` returns up to `n` distinct proofs. With
    `premises` (a `PremiseRetriever` directory) or `retriever`, the `num_premises` premises
    ranked first for the goals go into the tactic prompt.
    """

    max_draws: int | None = None
    """Most samples of one prompt in one call (None: no limit)."""

    def __init__(self, *, name: str, temperature: float, max_tokens: int, proof_max_tokens: int,
                 seed: int | None, normalize: bool, premises: str | None, num_premises: int,
                 retriever: Retriever | None, max_rounds: int) -> None:
        self.name = name
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.proof_max_tokens = proof_max_tokens
        self.seed = seed
        self.normalize = normalize
        self.premises = premises
        self.num_premises = num_premises
        self.retriever = retriever
        self.max_rounds = max(1, max_rounds)
        self._usage = TokenUsage()
        self._usage_lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_usage_lock"]
        if self.premises is not None:
            state["retriever"] = None  # reloaded from `premises` on the other side
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._usage_lock = threading.Lock()

    @property
    def usage(self) -> TokenUsage:
        """Tokens this policy has spent so far (prompts once per call, and completions)."""
        return self._usage

    def _count(self, usage: TokenUsage) -> None:
        with self._usage_lock:
            self._usage = self._usage + usage

    def _premises(self, state: ProofState) -> tuple[NamedPremise, ...]:
        if self.retriever is None and self.premises is not None:
            self.retriever = load_retriever(self.premises)
        return retrieve_for(self.retriever, state, self.num_premises)

    def _draws(self, wanted: int) -> int:
        """Samples to ask for when `wanted` distinct answers are: greedy decoding gives one
        answer however often it is asked."""
        if self.temperature <= 0:
            return 1
        return wanted if self.max_draws is None else min(wanted, self.max_draws)

    @abstractmethod
    def _tactic_prompt(self, state: ProofState, theorem: Theorem) -> Prompt:
        """What the model is sent for the next tactic of `state`, premises included."""

    @abstractmethod
    def _sample(self, prompts: Sequence[Prompt], n: int, max_tokens: int, stops: Sequence[str],
                seed: int | None) -> list[Completions]:
        """`n` completions of each prompt, counted in `usage`."""

    @abstractmethod
    def complete(self, prompts: Sequence[str], n: int, max_tokens: int, stops: Sequence[str] = (),
                 seed: int | None = None) -> list[Completions]:
        """`n` plain-text completions of each prompt at the policy's temperature, in prompt order."""

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        return self.suggest_many([(state, theorem)], k)[0]

    def suggest_many(self, requests: Sequence[tuple[ProofState, Theorem]], k: int) -> list[list[Suggestion]]:
        """`suggest` for many states at once, one call per round: what a model actor shared by
        several search workers answers."""
        if k <= 0 or not requests:
            return [[] for _ in requests]
        prompts = [self._tactic_prompt(state, theorem) for state, theorem in requests]
        n = self._draws(k)
        rounds = self.max_rounds if self.temperature > 0 else 1
        return suggest_in_rounds(
            len(requests), k, rounds, self.seed,
            lambda short, seed: self._sample([prompts[i] for i in short], n, self.max_tokens, TACTIC_STOPS, seed),
            self.name, self.normalize)

    def sample(self, theorem: Theorem, n: int) -> list[ProofSample]:
        return self.sample_many([theorem], n)[0]

    def sample_many(self, theorems: Sequence[Theorem], n: int) -> list[list[ProofSample]]:
        """Up to `n` distinct whole proofs for each theorem, from one call."""
        if n <= 0 or not theorems:
            return [[] for _ in theorems]
        results = self.complete([proof_prompt(t) for t in theorems], self._draws(n), self.proof_max_tokens,
                                PROOF_STOPS, self.seed)
        return [to_proof_samples(r.samples, r.prompt_tokens, n, self.name, self.normalize) for r in results]
