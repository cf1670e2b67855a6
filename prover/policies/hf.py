"""A Hugging Face causal LM from a local directory as a tactic policy, proof policy and critic.

`CausalLM` is the one generation core: it loads a model directory lazily (on the GPU when
one is present), samples ``n`` continuations of a batch of prompts with the per-token
log-probabilities of the *unwarped* model (temperature changes what is sampled, never the
reported score), cuts each at its stop strings, and re-scores given continuations.
`HFPolicy` (tactics and whole proofs) and `ModelCritic` use it in-process;
`prover.policies.serve` serves it over HTTP.

Everything a policy is built from is plain arguments and the model loads on first use, so a
policy pickles: a Ray actor (``num_gpus=1``) can hold one and answer many search workers.
`HFPolicy.suggest_many` batches states into one generation; `BatchingPolicy` does it for
concurrent single-state `suggest` calls (a threaded actor's).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from prover.envs.base import ProofState, Theorem
from prover.errors import ConfigError
from prover.policies.base import Suggestion
from prover.policies.prompts import (
    CRITIC_TARGET,
    Completions,
    Retriever,
    Sampled,
    TokenUsage,
    tactic_prompt,
)
from prover.policies.sampling import SamplingPolicy

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True, slots=True)
class Completion:
    """One sampled continuation of a prompt."""

    text: str
    """The continuation, cut before the first stop string (the end-of-text token is not in it)."""
    token_ids: tuple[int, ...]
    """The tokens that produced `text`: up to the one completing the stop string or the
    end-of-text token, both included."""
    token_logprobs: tuple[float, ...]
    """Each token's log-probability under the model (temperature 1, no top-k/top-p)."""
    finish_reason: FinishReason
    """``stop`` (a stop string or end of text) or ``length`` (`max_new_tokens` ran out)."""

    @property
    def logprob(self) -> float:
        return math.fsum(self.token_logprobs)

    def sampled(self) -> Sampled:
        return Sampled(self.text, self.logprob, len(self.token_ids))


_SHARED: dict[tuple[str, str | None, str | None], CausalLM] = {}
_SHARED_LOCK = threading.Lock()


def shared_lm(path: str | Path, device: str | None = None, dtype: str | None = None) -> CausalLM:
    """The process's one `CausalLM` for these settings: a policy and a critic on the same
    model hold its weights once."""
    key = (str(Path(path).resolve()), device, dtype)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = CausalLM(*key)
        return _SHARED[key]


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


MAX_ROWS = 64
"""Most sequences generated at once; larger requests are split."""
TOKEN_BUDGET = 4096
"""Most (sequence x position) logit rows held at once: generation keeps every new token's
logits, so rows x new tokens is what memory grows with (4096 x a 150k vocabulary in bf16 is
about 1.2 GB). Larger requests are split; tiny requests are not affected."""


class CausalLM:
    """A causal LM and its tokenizer from a local directory, loaded on first use; thread-safe."""

    def __init__(self, path: str | Path, device: str | None = None, dtype: str | None = None) -> None:
        self.path = str(path)
        self.device = device
        self.dtype = dtype
        self._lock = threading.RLock()  # generation asks for properties that load too
        self._model: PreTrainedModel | None = None
        self._tokenizer: PreTrainedTokenizerBase | None = None

    def __reduce__(self) -> tuple[object, tuple[str, str | None, str | None]]:
        # the settings travel, never the weights; the receiving process shares one copy
        return (shared_lm, (self.path, self.device, self.dtype))

    def load(self) -> None:
        """Load the tokenizer and model now (the first generation does it otherwise)."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not (Path(self.path) / "config.json").is_file():
            raise ConfigError(f"{self.path} is not a Hugging Face model directory (no config.json); "
                              "give the directory `save_pretrained` wrote, e.g. a downloaded model snapshot")
        device = self.device or _default_device()
        dtype = getattr(torch, self.dtype) if self.dtype else (torch.bfloat16 if device.startswith("cuda")
                                                              else torch.float32)
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.path)
            model = AutoModelForCausalLM.from_pretrained(self.path, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the model in {self.path}: {exc}") from exc
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
        self._tokenizer = tokenizer
        self._model = model.to(device).eval()

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        self.load()
        assert self._tokenizer is not None
        return self._tokenizer

    @property
    def context_length(self) -> int:
        """The most tokens (prompt and continuation) the model attends to."""
        self.load()
        assert self._model is not None
        config = self._model.config
        for key in ("max_position_embeddings", "n_positions", "seq_length"):
            if isinstance(value := getattr(config, key, None), int):
                return value
        return 2048

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False).input_ids)

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def sample(self, prompts: Sequence[Sequence[int]], n: int, max_new_tokens: int, temperature: float,
               stops: Sequence[str] = (), seed: int | None = None) -> list[list[Completion]]:
        """`n` continuations of each prompt (token ids), as `Completion` values, in prompt order.

        Temperature 0 is greedy decoding. With `seed`, the same call gives the same answer.
        """
        if not prompts:
            return []
        if not 1 <= n <= MAX_ROWS or max_new_tokens < 1 or temperature < 0:
            raise ConfigError(f"need 1 <= n <= {MAX_ROWS}, max_new_tokens >= 1 and temperature >= 0; got n={n}, "
                              f"max_new_tokens={max_new_tokens}, temperature={temperature}")
        cap = max(1, min(MAX_ROWS, TOKEN_BUDGET // max_new_tokens))
        if n > cap:  # each prompt's samples in parts
            return [[c for part in range(0, n, cap)
                     for c in self.sample([prompt], min(cap, n - part), max_new_tokens, temperature, stops,
                                          None if seed is None else seed + part)[0]]
                    for prompt in prompts]
        if len(prompts) * n > cap:
            group = cap // n
            return [row for i in range(0, len(prompts), group)
                    for row in self.sample(prompts[i:i + group], n, max_new_tokens, temperature, stops,
                                           None if seed is None else seed + i)]
        import torch

        with self._lock:
            self._load()
            longest = max(len(p) for p in prompts)
            if longest + max_new_tokens > self.context_length:
                raise ConfigError(f"a prompt of {longest} tokens plus {max_new_tokens} new tokens exceeds the "
                                  f"model's context of {self.context_length} tokens; shorten it")
            if seed is not None:
                torch.manual_seed(seed)
            sequences, logprobs = self._generate(prompts, n, max_new_tokens, temperature, stops)
        eos = self._tokenizer.eos_token_id if self._tokenizer is not None else None
        return [[self._completion(sequences[i * n + j], logprobs[i * n + j], stops, eos) for j in range(n)]
                for i in range(len(prompts))]

    def _generate(self, prompts: Sequence[Sequence[int]], n: int, max_new_tokens: int, temperature: float,
                  stops: Sequence[str]) -> tuple[list[list[int]], list[list[float]]]:
        """Generated token ids and their model log-probabilities, one row per sample."""
        import torch
        from transformers import StoppingCriteriaList

        assert self._model is not None and self._tokenizer is not None
        device = self._model.device
        width = max(len(p) for p in prompts)
        pad = self._tokenizer.pad_token_id
        # Left padding: every row's next token comes right after its own prompt.
        ids = torch.tensor([[pad] * (width - len(p)) + list(p) for p in prompts], device=device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
        options: dict[str, Any] = (
            {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0} if temperature > 0
            else {"do_sample": False})
        criteria = StoppingCriteriaList([_StopStrings(self._tokenizer, stops, width)]) if stops else None
        with torch.inference_mode():
            out = self._model.generate(
                input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, num_return_sequences=n,
                output_logits=True, return_dict_in_generate=True, pad_token_id=pad,
                eos_token_id=self._tokenizer.eos_token_id, stopping_criteria=criteria, **options)
            generated = out.sequences[:, width:]
            # one step at a time: a float copy of every step's logits at once would double the memory
            chosen = torch.stack([torch.log_softmax(step.float(), dim=-1).gather(-1, generated[:, t:t + 1])[:, 0]
                                  for t, step in enumerate(out.logits)], dim=1)
        return generated.tolist(), chosen.tolist()

    def _completion(self, ids: list[int], logprobs: list[float], stops: Sequence[str],
                    eos: int | None) -> Completion:
        """Cut one generated row at its end: the end-of-text token or the first stop string."""
        end = ids.index(eos) + 1 if eos is not None and eos in ids else len(ids)
        text = self.decode(ids[:end])
        found = [i for i in (text.find(s) for s in stops) if i >= 0]
        if found:
            cut = min(found)
            stop_end = cut + next(len(s) for s in stops if text.find(s) == cut)
            # the fewest tokens whose text holds the whole stop string
            end = next(m for m in range(1, end + 1) if len(self.decode(ids[:m])) >= stop_end)
            return Completion(text[:cut], tuple(ids[:end]), tuple(logprobs[:end]), "stop")
        reason: FinishReason = "stop" if eos is not None and eos in ids[:end] else "length"
        return Completion(text, tuple(ids[:end]), tuple(logprobs[:end]), reason)

    def score(self, pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[list[float]]:
        """The log-probability of each token of each continuation after its prompt, as
        ``(prompt ids, continuation ids)`` pairs, in one forward pass."""
        if not pairs:
            return []
        if any(not prompt for prompt, _ in pairs):
            raise ConfigError("scoring needs a non-empty prompt before each continuation")
        group = max(1, TOKEN_BUDGET // max(len(p) + len(c) for p, c in pairs))
        if len(pairs) > group:
            return [row for i in range(0, len(pairs), group) for row in self.score(pairs[i:i + group])]
        import torch

        with self._lock:
            self._load()
            assert self._model is not None and self._tokenizer is not None
            rows = [[*prompt, *continuation] for prompt, continuation in pairs]
            width = max(len(r) for r in rows)
            if width > self.context_length:
                raise ConfigError(f"{width} tokens exceed the model's context of {self.context_length}")
            pad = self._tokenizer.pad_token_id
            device = self._model.device
            # Right padding: positions count from each row's start, no position ids needed.
            ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=device)
            mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=device)
            with torch.inference_mode():
                logits = self._model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
                logprobs = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1))
            table = logprobs.squeeze(-1).tolist()
        return [table[i][len(prompt) - 1:len(prompt) - 1 + len(continuation)]
                for i, (prompt, continuation) in enumerate(pairs)]


class _StopStrings:
    """A stopping criterion (transformers calls it like its own): ends each row once its
    generated text holds a stop string, looking only at a short tail."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, stops: Sequence[str], prompt_width: int) -> None:
        self.tokenizer = tokenizer
        self.stops = tuple(stops)
        self.prompt_width = prompt_width
        # every token is at least one byte, so this many tokens hold any stop string
        self.window = max(len(s.encode()) for s in stops) + 1

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: object) -> torch.Tensor:
        import torch

        start = max(self.prompt_width, input_ids.shape[1] - self.window)
        tails = self.tokenizer.batch_decode(input_ids[:, start:], skip_special_tokens=True)
        done = [any(stop in tail for stop in self.stops) for tail in tails]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _check_sampling(temperature: float, max_tokens: int, proof_max_tokens: int, num_premises: int) -> None:
    if temperature < 0:
        raise ConfigError(f"temperature must be >= 0 (0 is greedy decoding), got {temperature}")
    if max_tokens < 1 or proof_max_tokens < 1:
        raise ConfigError(f"max_tokens and proof_max_tokens must be >= 1, got {max_tokens} and {proof_max_tokens}")
    if num_premises < 0:
        raise ConfigError(f"num_premises must be >= 0, got {num_premises}")


class HFPolicy(SamplingPolicy[list[int]]):
    """Tactics and whole proofs sampled from a local causal LM, scored by summed log-probability.

    Sampling, distinct suggestions and premises work as `SamplingPolicy` says. With `seed`,
    the same call on the same state gives the same answer. A prompt too long for the model's
    context loses its premises, then its oldest tokens. `complete` samples plain text (prose,
    programs) the same way.
    """

    max_draws = MAX_ROWS

    def __init__(self, model: str | Path | CausalLM, *, name: str = "hf", temperature: float = 1.0,
                 max_tokens: int = 64, proof_max_tokens: int = 512, device: str | None = None,
                 dtype: str | None = None, seed: int | None = None, normalize: bool = False,
                 premises: str | None = None, num_premises: int = 8, retriever: Retriever | None = None,
                 max_rounds: int = 3) -> None:
        _check_sampling(temperature, max_tokens, proof_max_tokens, num_premises)
        super().__init__(name=name, temperature=temperature, max_tokens=max_tokens,
                         proof_max_tokens=proof_max_tokens, seed=seed, normalize=normalize, premises=premises,
                         num_premises=num_premises, retriever=retriever, max_rounds=max_rounds)
        self.lm = model if isinstance(model, CausalLM) else shared_lm(model, device=device, dtype=dtype)

    def _fit(self, with_premises: str, without: str, new_tokens: int) -> list[int]:
        """Prompt ids within the context: with premises if they fit, else without, else the tail."""
        budget = self.lm.context_length - new_tokens
        if budget < 1:
            raise ConfigError(f"max tokens {new_tokens} leave no room for a prompt in the model's "
                              f"context of {self.lm.context_length}; lower max_tokens/proof_max_tokens")
        ids = self.lm.encode(with_premises)
        if len(ids) > budget and without != with_premises:
            ids = self.lm.encode(without)
        return ids[-budget:]

    def tactic_prompt_ids(self, state: ProofState, theorem: Theorem) -> list[int]:
        """The token ids `suggest` sends to the model for `state`."""
        premises = self._premises(state)
        return self._fit(tactic_prompt(state, theorem, premises), tactic_prompt(state, theorem), self.max_tokens)

    def _tactic_prompt(self, state: ProofState, theorem: Theorem) -> list[int]:
        return self.tactic_prompt_ids(state, theorem)

    def complete(self, prompts: Sequence[str], n: int, max_tokens: int, stops: Sequence[str] = (),
                 seed: int | None = None) -> list[Completions]:
        """`n` plain-text completions of each prompt at the policy's temperature, in prompt order.

        A prompt too long for the model's context keeps its tail. Counted in `usage`.
        """
        ids = [self._fit(prompt, prompt, max_tokens) for prompt in prompts]
        if not all(ids):
            raise ConfigError("a prompt is empty (no tokens); give the model something to continue")
        return self._sample(ids, n, max_tokens, stops, seed)

    def _sample(self, prompts: Sequence[list[int]], n: int, max_tokens: int, stops: Sequence[str],
                seed: int | None) -> list[Completions]:
        """One batched generation; its prompts count once, as an endpoint's usage does."""
        batch = self.lm.sample(prompts, n, max_tokens, self.temperature, stops, seed)
        self._count(TokenUsage(sum(map(len, prompts)), sum(len(c.token_ids) for row in batch for c in row), 1))
        return [Completions(len(prompt), tuple(c.sampled() for c in row))
                for prompt, row in zip(prompts, batch, strict=True)]


class ModelCritic:
    """A model's estimate of how close a state is to "no goals": the log-probability that the
    proof closes (`CRITIC_TARGET`, ``Qed.``) right after the state's tactic prompt.

    Scores are at most 0 and higher is closer (the `prover.policies.critics.Critic` protocol);
    with `normalize` they are per token of the target.
    """

    name = "hf"

    def __init__(self, model: str | CausalLM, *, target: str = CRITIC_TARGET, device: str | None = None,
                 dtype: str | None = None, normalize: bool = False) -> None:
        if not target.strip():
            raise ConfigError("the critic's target continuation must not be empty")
        self.lm = model if isinstance(model, CausalLM) else shared_lm(model, device=device, dtype=dtype)
        self.target = target
        self.normalize = normalize

    def score(self, state: ProofState, theorem: Theorem) -> float:
        return self.score_many([(state, theorem)])[0]

    def score_many(self, requests: Sequence[tuple[ProofState, Theorem]]) -> list[float]:
        """`score` for many states in one forward pass."""
        target = self.lm.encode(self.target)
        budget = self.lm.context_length - len(target)
        pairs = [(self.lm.encode(tactic_prompt(state, theorem))[-budget:], target) for state, theorem in requests]
        sums = [math.fsum(row) for row in self.lm.score(pairs)]
        return [s / len(target) for s in sums] if self.normalize else sums


HFCritic = ModelCritic
"""The name `prover.search.mps.critic_from_config` imports."""


class SuggestsMany(Protocol):
    """A tactic policy that answers many states in one call (`HFPolicy`, `OpenAIPolicy`)."""

    name: str

    def suggest_many(self, requests: Sequence[tuple[ProofState, Theorem]], k: int) -> list[list[Suggestion]]: ...


class BatchingPolicy:
    """Gathers `suggest` calls made at the same time from several threads into `suggest_many`
    calls of the wrapped policy: one generation for many search workers.

    Host it in a threaded Ray actor (``ray.remote(num_gpus=1, max_concurrency=16)``), whose
    concurrent calls run on threads: a call waits at most `wait_seconds` for others to join
    its batch of at most `max_batch` states.
    """

    def __init__(self, policy: SuggestsMany, max_batch: int = 16, wait_seconds: float = 0.01) -> None:
        if max_batch < 1 or wait_seconds < 0:
            raise ConfigError(f"need max_batch >= 1 and wait_seconds >= 0, got {max_batch} and {wait_seconds}")
        self.policy = policy
        self.name = policy.name
        self.max_batch = max_batch
        self.wait_seconds = wait_seconds
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def __getstate__(self) -> tuple[SuggestsMany, int, float]:
        return (self.policy, self.max_batch, self.wait_seconds)

    def __setstate__(self, state: tuple[SuggestsMany, int, float]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        with self._start_lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="batching-policy", daemon=True)
                self._worker.start()
        request = _Request(state, theorem, k, Future())
        self._queue.put(request)
        return request.answer.result()

    def _serve(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + self.wait_seconds
            while len(batch) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self._queue.get(timeout=left))
                except queue.Empty:
                    break
            for k in {r.k for r in batch}:
                same = [r for r in batch if r.k == k]
                try:
                    answers = self.policy.suggest_many([(r.state, r.theorem) for r in same], k)
                except Exception as exc:  # noqa: BLE001 (each caller gets the failure, the worker lives on)
                    for r in same:
                        r.answer.set_exception(exc)
                else:
                    for r, answer in zip(same, answers, strict=True):
                        r.answer.set_result(answer)


@dataclass(frozen=True, slots=True)
class _Request:
    state: ProofState
    theorem: Theorem
    k: int
    answer: Future[list[Suggestion]]
