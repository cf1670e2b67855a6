"""Free-text completions for the task harnesses: one prompt in, one sampled text and its token counts out.

The REFUTE program writer and the Safe formaliser ask a model for prose or code rather than
for Coq tactics. They use a policy's plain-text `complete`: `HFGenerator` samples from a local
model through `prover.policies.hf.HFPolicy` (the prompt keeps its tail when it would overflow
the model's context), and `OpenAIGenerator` asks an OpenAI-compatible ``/v1/completions``
endpoint through `prover.policies.openai.OpenAIPolicy` (its retries, timeouts and error
mapping; a prompt too long for the endpoint's model is its 4xx, raised as
`prover.errors.ModelEndpointError`).

With a seed, the n-th call of a generator samples with ``seed + n``: a run is reproducible,
and repeated attempts at one prompt still differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self

from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.policies.hf import CausalLM
    from prover.policies.prompts import Completions, TokenUsage


@dataclass(frozen=True, slots=True)
class Generation:
    """One completion and what it cost."""

    text: str
    """The completion, cut before the first stop string."""
    prompt_tokens: int
    """Tokens of the prompt the model read (after any cut to fit its context)."""
    completion_tokens: int

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class TextGenerator(Protocol):
    """Samples one completion of a prompt."""

    name: str

    def generate(self, prompt: str, max_tokens: int, stops: Sequence[str] = ()) -> Generation: ...

    def close(self) -> None: ...


class Completer(Protocol):
    """A policy's plain-text completion (`HFPolicy.complete`, `OpenAIPolicy.complete`)."""

    @property
    def usage(self) -> TokenUsage: ...

    def complete(self, prompts: Sequence[str], n: int, max_tokens: int, stops: Sequence[str] = (),
                 seed: int | None = None) -> list[Completions]: ...


class _Seeds:
    """The per-call seed: ``seed + calls so far``, or None without a seed."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self.calls = 0

    def next(self) -> int | None:
        self.calls += 1
        return None if self.seed is None else self.seed + self.calls - 1


class PolicyGenerator:
    """A `TextGenerator` over a policy's `complete`."""

    def __init__(self, policy: Completer, name: str, seed: int | None) -> None:
        self.policy = policy
        self.name = name
        self._seeds = _Seeds(seed)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release by default: a local model's weights stay shared by the process (`shared_lm`)."""

    def generate(self, prompt: str, max_tokens: int, stops: Sequence[str] = ()) -> Generation:
        if max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {max_tokens}")
        (done,) = self.policy.complete([prompt], 1, max_tokens, stops, self._seeds.next())
        (sample,) = done.samples
        return Generation(sample.text, done.prompt_tokens, sample.completion_tokens)


class HFGenerator(PolicyGenerator):
    """Completions from a local Hugging Face causal LM (a `save_pretrained` directory)."""

    def __init__(self, model: str | Path | CausalLM, *, temperature: float = 1.0, seed: int | None = None,
                 device: str | None = None, dtype: str | None = None) -> None:
        from prover.policies.hf import HFPolicy

        policy = HFPolicy(model, temperature=temperature, device=device, dtype=dtype)
        super().__init__(policy, f"hf:{Path(policy.lm.path).name}", seed)


class OpenAIGenerator(PolicyGenerator):
    """Completions from an OpenAI-compatible endpoint (vLLM, SGLang, `prover serve`)."""

    def __init__(self, model: str, *, endpoint: str, temperature: float = 1.0, seed: int | None = None,
                 api_key: str | None = None, timeout: float = 120.0, retries: int = 2) -> None:
        from prover.policies.openai import OpenAIPolicy

        policy = OpenAIPolicy(model, endpoint=endpoint, api_key=api_key, temperature=temperature, timeout=timeout,
                              retries=retries)
        super().__init__(policy, f"openai:{model}", seed)
        self._endpoint = policy

    def close(self) -> None:
        """Close the endpoint's connections (a later call opens new ones)."""
        self._endpoint.close()


def open_generator(kind: str, model: str | None, *, endpoint: str | None = None, temperature: float = 1.0,
                   seed: int | None = None, api_key: str | None = None, option: str = "--model") -> TextGenerator:
    """The generator a command's options name: ``hf`` (a model directory) or ``openai`` (a served model).

    `option` is the command's name for the model option, for the error messages.
    """
    if kind not in ("hf", "openai"):
        raise ConfigError(f"unknown generator {kind!r}; use hf or openai")
    if not model:
        what = "DIR (a Hugging Face model directory)" if kind == "hf" else "NAME (the served model's name)"
        raise ConfigError(f"{kind} needs {option} {what}")
    if kind == "hf":
        if endpoint is not None:
            raise ConfigError("--endpoint is for openai; hf runs the model in this process")
        if not Path(model).is_dir():
            raise ConfigError(f"{option} {model}: no such directory (give a Hugging Face model directory)")
        return HFGenerator(model, temperature=temperature, seed=seed)
    if endpoint is None:
        raise ConfigError("openai needs --endpoint URL (e.g. http://127.0.0.1:8000/v1, what `prover serve` prints)")
    return OpenAIGenerator(model, endpoint=endpoint, temperature=temperature, seed=seed, api_key=api_key)
