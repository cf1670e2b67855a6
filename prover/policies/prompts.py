"""What the language-model policies say to a model and how they read its answers.

Shared by `prover.policies.hf` (a local model) and `prover.policies.openai` (an HTTP
endpoint), so both ask the same question and both turn completions into the same
`Suggestion`/`ProofSample` values:

- a *tactic prompt* shows the theorem, retrieved premises and the goals as Coq comments,
  and ends where the next tactic goes; the completion is read up to the end of its line
  (`TACTIC_STOPS`), then to the end of its first Coq sentence;
- a *proof prompt* is the statement and ``Proof.``; the completion runs up to ``Qed.`` (or
  another closing command, `PROOF_STOPS`);
- a *critic prompt* is the tactic prompt, whose continuation `CRITIC_TARGET` the critic scores.

Token accounting: the tokens one call spent (its prompt once, every completion, duplicates
and empty ones included) are spread over the values it returns so that their ``tokens`` add
up to the call's total; each `Policy.usage` keeps the running totals as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from prover.envs.base import ProofState, Theorem, normalize_whitespace
from prover.envs.coq.sentences import SentenceSplitError, sentence_texts
from prover.policies.base import ProofSample, Suggestion
from prover.retrieval.text import goal_query

TACTIC_STOPS: tuple[str, ...] = ("\n",)
"""A tactic ends with its line."""
PROOF_STOPS: tuple[str, ...] = ("Qed.", "Defined.", "Admitted.", "Abort.")
"""A whole proof ends with the command that closes it (never part of the sample)."""
CRITIC_TARGET = "Qed."
"""The continuation whose log-probability the model-backed critic reads as "nearly done"."""


class NamedPremise(Protocol):
    """A premise as prompts show it (`prover.retrieval.index.RetrievedPremise`, `Premise`)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


class Retriever(Protocol):
    """What ranks premises for a goal (`prover.retrieval.index.PremiseRetriever`)."""

    def retrieve(self, query: str, k: int = 10) -> Sequence[NamedPremise]: ...


@dataclass(frozen=True, slots=True)
class Sampled:
    """One completion as a policy reads it: its text, summed log-probability and token count."""

    text: str
    logprob: float
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class Completions:
    """A prompt's sampled completions and the prompt tokens the model read for them."""

    prompt_tokens: int
    samples: tuple[Sampled, ...]


CompleteShort = Callable[[list[int], int | None], Sequence[Completions]]
"""Samples completions of the prompts at the given indices with the given seed, in that order."""


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens a policy has spent so far (the ``usage`` of an OpenAI-style reply, summed)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(self.prompt_tokens + other.prompt_tokens,
                          self.completion_tokens + other.completion_tokens, self.requests + other.requests)


def _premise_block(premises: Sequence[NamedPremise]) -> str:
    if not premises:
        return ""
    lines = "\n".join(f"{p.name} : {normalize_whitespace(p.type)}" if p.type else p.name for p in premises)
    return f"(* Premises:\n{lines} *)\n"


def tactic_prompt(state: ProofState, theorem: Theorem, premises: Sequence[NamedPremise] = ()) -> str:
    """The prompt whose continuation is the next tactic for `state`."""
    goals = "\n\n".join(str(goal) for goal in (*state.goals, *state.pending)) or "(none focused)"
    return (f"(* Theorem: {normalize_whitespace(theorem.statement)} *)\n{_premise_block(premises)}"
            f"(* Goals:\n{goals} *)\n(* Next tactic: *)\n")


def proof_prompt(theorem: Theorem, premises: Sequence[NamedPremise] = ()) -> str:
    """The prompt whose continuation is a whole proof of `theorem`, up to ``Qed.``."""
    return f"{_premise_block(premises)}{theorem.statement.strip()}\nProof.\n"


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """`text` up to the earliest of `stops` (excluded), and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def first_tactic(text: str) -> str:
    """The first Coq sentence of a completion (the text as is when it has none)."""
    text = text.strip()
    with suppress(SentenceSplitError):
        sentences = sentence_texts(text, "tactic")
        if sentences:
            return sentences[0]
    return text


def proof_script(text: str) -> str:
    """A completion of `proof_prompt` as a script without ``Proof.``/``Qed.``."""
    script = cut_at_stop(text, PROOF_STOPS)[0].strip()
    return script.removeprefix("Proof.").strip()


def split_tokens(total: int, count: int) -> list[int]:
    """`total` split into `count` whole parts that add up to it (the remainder goes first)."""
    base, extra = divmod(total, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def _best_distinct(samples: Sequence[tuple[str, Sampled]], k: int,
                   normalize: bool) -> list[tuple[str, float, int]]:
    """Up to `k` distinct non-empty texts, best score first; a duplicate keeps its best score."""
    best: dict[str, tuple[str, float, int]] = {}
    for text, sample in samples:
        if not text:
            continue
        score = sample.logprob / max(1, sample.completion_tokens) if normalize else sample.logprob
        key = normalize_whitespace(text)
        if key not in best or score > best[key][1]:
            best[key] = (text, score, sample.completion_tokens)
    return sorted(best.values(), key=lambda item: -item[1])[:k]


def to_suggestions(samples: Sequence[Sampled], prompt_tokens: int, k: int, policy: str,
                   normalize: bool = False) -> list[Suggestion]:
    """Up to `k` distinct tactics from completions of one tactic prompt, best first.

    Scores are summed log-probabilities (divided by the completion's token count when
    `normalize`); the call's tokens are spread over the suggestions (see the module docstring).
    """
    chosen = _best_distinct([(first_tactic(s.text), s) for s in samples], k, normalize)
    spent = prompt_tokens + sum(s.completion_tokens for s in samples)
    shares = split_tokens(spent, len(chosen)) if chosen else []
    return [Suggestion(text, score, policy, share) for (text, score, _), share in zip(chosen, shares, strict=True)]


def to_proof_samples(samples: Sequence[Sampled], prompt_tokens: int, n: int, policy: str,
                     normalize: bool = False) -> list[ProofSample]:
    """Up to `n` distinct whole proofs from completions of one proof prompt, best first."""
    chosen = _best_distinct([(proof_script(s.text), s) for s in samples], n, normalize)
    spent = prompt_tokens + sum(s.completion_tokens for s in samples)
    shares = split_tokens(spent, len(chosen)) if chosen else []
    return [ProofSample(text, score, policy, share) for (text, score, _), share in zip(chosen, shares, strict=True)]


def suggest_in_rounds(count: int, k: int, rounds: int, seed: int | None, complete: CompleteShort, policy: str,
                      normalize: bool = False) -> list[list[Suggestion]]:
    """Up to `k` distinct tactics for each of `count` tactic prompts, best first.

    `complete` samples the prompts still short of `k` distinct tactics, up to `rounds` times
    (round r with ``seed + r``): a few samples repeat one tactic, and another round finds others.
    """
    samples: list[list[Sampled]] = [[] for _ in range(count)]
    prompt_tokens = [0] * count
    for round_ in range(rounds):
        short = [i for i in range(count) if len(to_suggestions(samples[i], 0, k, policy)) < k]
        if not short:
            break
        for i, done in zip(short, complete(short, None if seed is None else seed + round_), strict=True):
            samples[i].extend(done.samples)
            prompt_tokens[i] += done.prompt_tokens
    return [to_suggestions(samples[i], prompt_tokens[i], k, policy, normalize) for i in range(count)]


def load_retriever(directory: str) -> Retriever:
    """The premise retriever saved in `directory` (`prover.retrieval.index.PremiseRetriever`)."""
    from prover.retrieval.index import PremiseRetriever

    return PremiseRetriever.load(directory)


def retrieve_for(retriever: Retriever | None, state: ProofState, k: int) -> tuple[NamedPremise, ...]:
    """The `k` premises `retriever` ranks first for the goals of `state` (none without one)."""
    query = goal_query((*state.goals, *state.pending))
    if retriever is None or k <= 0 or not query:
        return ()
    return tuple(retriever.retrieve(query, k))
