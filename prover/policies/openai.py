"""Tactics and whole proofs from a model behind an OpenAI-compatible HTTP endpoint.

How GPU-hosted provers are usually served: vLLM, SGLang, or `prover serve MODEL_DIR`
(`prover.policies.serve`). The prompts and the reading of completions are those of the `hf`
policy (`prover.policies.prompts`); scores are the summed token log-probabilities the
endpoint returns (``logprobs``), so both policies rank alike.

Every request is bounded: `timeout` seconds per try, and up to `retries` more tries after
a connection failure, a timeout or a 408/409/429/5xx answer, waiting `backoff_seconds`
doubling each time (or the server's ``Retry-After``, at most 30 s). What still fails raises
`prover.errors.ModelTimeout` (a `ProverTimeout`) or `prover.errors.ModelEndpointError`; a
4xx answer is not retried and its message is passed on. Token accounting comes from each
reply's ``usage`` (`OpenAIPolicy.usage`, and the ``tokens`` of what it returns).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

from prover.envs.base import ProofState, Theorem
from prover.errors import ConfigError, ModelEndpointError, ModelTimeout
from prover.policies.prompts import (
    Completions,
    Retriever,
    Sampled,
    TokenUsage,
    split_tokens,
    tactic_prompt,
)
from prover.policies.sampling import SamplingPolicy

if TYPE_CHECKING:
    import httpx

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
"""Answers worth another try: overload, restarts, gateways."""
SYSTEM_MESSAGE = "You are a Coq expert. Answer with Coq tactics only, no explanation."


class OpenAIPolicy(SamplingPolicy[str]):
    """A tactic and proof policy over ``/v1/completions`` (or ``/v1/chat/completions`` with `chat`).

    `model` is the served model's name and `endpoint` the base URL (``.../v1``). Sampling,
    distinct suggestions, premises and scores work as in `prover.policies.hf.HFPolicy`; `usage`
    counts what the endpoint reported. The HTTP client is made on first use, so the policy
    pickles (for Ray workers).
    """

    def __init__(self, model: str, *, endpoint: str = "http://127.0.0.1:8000/v1", name: str = "openai",
                 api_key: str | None = None, temperature: float = 1.0, max_tokens: int = 64,
                 proof_max_tokens: int = 512, timeout: float = 60.0, retries: int = 2,
                 backoff_seconds: float = 0.5, chat: bool = False, seed: int | None = None,
                 normalize: bool = False, premises: str | None = None, num_premises: int = 8,
                 retriever: Retriever | None = None, max_rounds: int = 3) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"endpoint {endpoint!r} must be an http:// or https:// URL, e.g. "
                              "http://127.0.0.1:8000/v1")
        if temperature < 0 or max_tokens < 1 or proof_max_tokens < 1:
            raise ConfigError(f"need temperature >= 0 and max tokens >= 1; got temperature={temperature}, "
                              f"max_tokens={max_tokens}, proof_max_tokens={proof_max_tokens}")
        if timeout <= 0 or retries < 0 or backoff_seconds < 0:
            raise ConfigError(f"need timeout > 0, retries >= 0, backoff_seconds >= 0; got {timeout}, "
                              f"{retries}, {backoff_seconds}")
        super().__init__(name=name, temperature=temperature, max_tokens=max_tokens,
                         proof_max_tokens=proof_max_tokens, seed=seed, normalize=normalize, premises=premises,
                         num_premises=num_premises, retriever=retriever, max_rounds=max_rounds)
        self.model = model
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.chat = chat
        self._client: httpx.Client | None = None

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state["_client"] = None
        return state

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections (a later call opens new ones)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _tactic_prompt(self, state: ProofState, theorem: Theorem) -> str:
        return tactic_prompt(state, theorem, self._premises(state))

    def _sample(self, prompts: Sequence[str], n: int, max_tokens: int, stops: Sequence[str],
                seed: int | None) -> list[Completions]:
        return self.complete(prompts, n, max_tokens, stops, seed)

    # -- the wire --------------------------------------------------------------------------

    def complete(self, prompts: Sequence[str], n: int, max_tokens: int, stops: Sequence[str] = (),
                 seed: int | None = None) -> list[Completions]:
        """`n` plain-text completions of each prompt at the policy's temperature, in prompt order,
        each with its share of the prompt tokens the endpoint reported. Counted in `usage`."""
        base: dict[str, Any] = {"model": self.model, "n": n, "max_tokens": max_tokens,
                                "temperature": self.temperature, "stop": list(stops)}
        if seed is not None:
            base["seed"] = seed
        if not self.chat:
            reply = self._post("/completions", {**base, "prompt": list(prompts), "logprobs": 1})
            choices = _choices(reply, len(prompts) * n)
            shares = split_tokens(_usage(reply).prompt_tokens, len(prompts))
            return [Completions(shares[i], tuple(_completion_sample(c) for c in choices[i * n:(i + 1) * n]))
                    for i in range(len(prompts))]
        out = []
        for prompt in prompts:
            messages = [{"role": "system", "content": SYSTEM_MESSAGE}, {"role": "user", "content": prompt}]
            reply = self._post("/chat/completions", {**base, "messages": messages, "logprobs": True})
            out.append(Completions(_usage(reply).prompt_tokens, tuple(_chat_sample(c) for c in _choices(reply, n))))
        return out

    def _http(self) -> httpx.Client:
        import httpx

        if self._client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.Client(base_url=self.endpoint, headers=headers, timeout=httpx.Timeout(self.timeout))
        return self._client

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with retries; the JSON reply, with its usage counted."""
        import httpx

        url = f"{self.endpoint}{path}"
        failure, timed_out = "", False
        for attempt in range(self.retries + 1):
            wait = self.backoff_seconds * 2**attempt
            try:
                response = self._http().post(path, json=payload)
            except httpx.TimeoutException as exc:
                failure, timed_out = f"no answer from {url} within {self.timeout:g} s ({type(exc).__name__})", True
            except httpx.TransportError as exc:
                failure, timed_out = f"cannot reach {url}: {type(exc).__name__}: {exc}", False
            else:
                if response.status_code == 200:
                    reply = _json(response, url)
                    self._count(_usage(reply))
                    return reply
                failure, timed_out = f"{url} answered {response.status_code}: {_error_message(response)}", False
                if response.status_code not in RETRY_STATUSES:
                    raise ModelEndpointError(failure, response.status_code)
                wait = _retry_after(response, wait)
            if attempt < self.retries:
                time.sleep(wait)
        if timed_out:
            raise ModelTimeout(f"{failure}, after {self.retries + 1} tries")
        raise ModelEndpointError(f"{failure} (after {self.retries + 1} tries)")


def _json(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        reply = response.json()
    except ValueError as exc:
        raise ModelEndpointError(f"{url} answered with something that is not JSON: {response.text[:200]!r}") from exc
    if not isinstance(reply, dict):
        raise ModelEndpointError(f"{url} answered with JSON that is not an object: {response.text[:200]!r}")
    return reply


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:300] or response.reason_phrase


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return min(30.0, max(0.0, float(value)))
    except ValueError:
        return default


def _usage(reply: dict[str, Any]) -> TokenUsage:
    usage = reply.get("usage")
    if not isinstance(usage, dict):
        raise ModelEndpointError(f"the reply has no usage: {str(reply)[:200]}")
    try:
        return TokenUsage(int(usage["prompt_tokens"]), int(usage.get("completion_tokens") or 0), 1)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelEndpointError(f"the reply's usage cannot be read: {usage!r}") from exc


def _choices(reply: dict[str, Any], count: int) -> list[dict[str, Any]]:
    choices = reply.get("choices")
    if not isinstance(choices, list) or len(choices) != count or not all(isinstance(c, dict) for c in choices):
        raise ModelEndpointError(f"expected {count} choices in the reply, got {str(choices)[:200]}")
    return sorted(choices, key=lambda c: int(c.get("index", 0)))


def _logprob_sum(values: Sequence[Any]) -> float:
    numbers = [float(v) for v in values if v is not None]
    if not all(math.isfinite(v) for v in numbers):
        raise ModelEndpointError("the reply holds a log-probability that is not a finite number")
    return math.fsum(numbers)


def _completion_sample(choice: dict[str, Any]) -> Sampled:
    logprobs = choice.get("logprobs")
    if not isinstance(logprobs, dict) or not isinstance(logprobs.get("token_logprobs"), list):
        raise ModelEndpointError("the endpoint returned no log-probabilities; it must support `logprobs`")
    values = logprobs["token_logprobs"]
    return Sampled(str(choice.get("text", "")), _logprob_sum(values), len(values))


def _chat_sample(choice: dict[str, Any]) -> Sampled:
    message = choice.get("message")
    logprobs = choice.get("logprobs")
    if not isinstance(message, dict) or not isinstance(logprobs, dict) or not isinstance(logprobs.get("content"),
                                                                                           list):
        raise ModelEndpointError("the chat reply has no message or no log-probabilities (`logprobs: true`)")
    values = [t.get("logprob") for t in logprobs["content"] if isinstance(t, dict)]
    return Sampled(str(message.get("content") or ""), _logprob_sum(values), len(values))
