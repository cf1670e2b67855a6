"""Named prover configs: a search, the policies feeding it, its budgets and the libraries it loads.

A config is a TOML (or YAML) file; ``load_prover_config("default-cpu")`` reads
``eval/default-cpu.toml`` from the repository, ``load_prover_config("path/to/x.toml")``
reads that file, and the built-in ``automation`` needs no file. `build_prover` turns a
config into a `Prover`; it imports policies and searches lazily by name, so a config naming
a policy whose module is missing still loads (and fails only when built), and a config
pickles to Ray workers, which build their prover there. File layout::

    name = "default-cpu"
    description = "..."
    prelude = "From Hammer Require Import Hammer. Require Import Lia."

    [search]
    kind = "mps"            # automation | best_first | mps | ffs
    max_expansions = 64
    per_tactic_seconds = 2.0

    [[policies]]
    kind = "automation"     # automation | knn | file_knn | transfer | lemmas | context | hf | openai
    k = 8
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar, get_args

from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.policies.base import Prover, TacticPolicy

SearchKind = Literal["automation", "best_first", "mps", "ffs"]
PolicyKind = Literal["automation", "knn", "file_knn", "transfer", "lemmas", "context", "hf", "openai"]
CriticKind = Literal["none", "heuristic", "hf"]
_T = TypeVar("_T", "SearchConfig", "PolicyConfig")

EVAL_DIR = Path(__file__).resolve().parent.parent / "eval"
"""Where named configs live (``eval/<name>.toml`` in the repository)."""

HAMMER_PRELUDE = "From Hammer Require Import Hammer. Require Import Lia."
"""The libraries the CPU prover and the sauto/hammer baselines add to every theorem's header."""

_POLICY_TARGETS: dict[str, str] = {
    "automation": "prover.policies.automation:AutomationPolicy",
    "knn": "prover.policies.knn:KnnPolicy",
    "file_knn": "prover.policies.knn:FileKnnPolicy",
    "transfer": "prover.policies.transfer:TransferPolicy",
    "lemmas": "prover.policies.lemmas:LemmaPolicy",
    "context": "prover.policies.context:ContextPolicy",
    "hf": "prover.policies.hf:HFPolicy",
    "openai": "prover.policies.openai:OpenAIPolicy",
}
SEARCH_TARGETS: dict[str, str] = {
    "best_first": "prover.search.best_first:BestFirstSearch",
    "mps": "prover.search.mps:MultiPerspectiveSearch",
    "ffs": "prover.search.ffs:FirstFinishSearch",
}


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """One policy feeding the search."""

    kind: PolicyKind
    k: int = 8
    """Suggestions asked per state (tactic policies) or samples per theorem (``ffs``)."""
    index: str | None = None
    """``knn``: the index directory (built by `prover.policies.knn.build_index`)."""
    model: str | None = None
    """``hf``: a local model path or name; ``openai``: the served model's name."""
    endpoint: str | None = None
    """``openai``: base URL of an OpenAI-compatible server."""
    temperature: float | None = None
    max_tokens: int | None = None
    premises: str | None = None
    """``automation`` and ``lemmas``: a premise-retriever directory (``automation`` adds
    ``sauto use: ...`` with retrieved premises)."""
    proofs: str | None = None
    """``file_knn``, ``transfer``: an extraction directory (`prover extract`) holding the proofs of the theorem's file."""
    portfolio: tuple[str, ...] | None = None
    """``automation``: the closing tactics to try (default: the whole `PORTFOLIO_COQ`)."""
    target: str | None = None
    """``module:Class`` to build instead of the kind's default class."""

    def class_path(self) -> str:
        return self.target or _POLICY_TARGETS[self.kind]


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """The search and its budgets (the wall-clock budget is the attempt's `budget_seconds`)."""

    kind: SearchKind = "best_first"
    max_expansions: int = 200
    """States expanded before giving up."""
    max_tactic_calls: int = 2000
    """Tactics run (including checks) before giving up."""
    per_tactic_seconds: float = 2.0
    hammer_seconds: float = 10.0
    """Timeout of ``hammer`` (it calls external provers)."""
    hammer_max_depth: int = 0
    """Deepest state ``hammer`` runs on in a tree search (0: the root only)."""
    hammer_after: float = 0.0
    """Seconds a tree search runs its cheap tactics before ``hammer`` (0: no waiting)."""
    length_normalize: bool = False
    """``best_first``: rank by mean instead of total log-probability along the path."""
    critic: CriticKind = "none"
    """``mps``: the critic among its scorers (``hf`` is the model-backed one)."""
    critic_model: str | None = None
    max_depth: int = 30
    workers: int = 1
    """``ffs``: envs checking samples in parallel (each a proof-assistant process)."""


@dataclass(frozen=True, slots=True)
class ProverConfig:
    """A named prover: search + policies + budgets + libraries."""

    name: str
    search: SearchConfig
    policies: tuple[PolicyConfig, ...]
    description: str = ""
    prelude: str = ""
    """Sentences appended to every theorem's header, for the attempt and its final check alike."""

    def to_json(self) -> str:
        """Canonical JSON (sorted keys), for the run record."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


BUILTIN: dict[str, ProverConfig] = {
    "automation": ProverConfig(
        name="automation",
        description="The closing-tactic portfolio on the root state, theorem header as given.",
        search=SearchConfig(kind="automation", per_tactic_seconds=2.0, hammer_seconds=10.0),
        policies=(PolicyConfig(kind="automation", k=32),),
    ),
}


def available_configs() -> list[str]:
    """Names `load_prover_config` resolves: the built-ins and ``eval/*.toml``/``*.yaml``."""
    names = set(BUILTIN)
    if EVAL_DIR.is_dir():
        names.update(p.stem for p in EVAL_DIR.iterdir() if p.suffix in {".toml", ".yaml", ".yml"})
    return sorted(names)


def load_prover_config(name_or_path: str, base: Path | None = None) -> ProverConfig:
    """A config by name (``eval/<name>.toml``, else a built-in) or by file path, its relative
    paths (indexes, premise retrievers, local models) made absolute against `base` (default:
    the current directory), so that workers elsewhere (Ray) read the same files."""
    return with_absolute_paths(_load(name_or_path), base or Path.cwd())


def with_absolute_paths(config: ProverConfig, base: Path) -> ProverConfig:
    """`config` with relative ``index``/``premises``/``proofs`` paths, and ``model``/``critic_model``
    paths that exist under `base`, made absolute against `base`."""

    def always(value: str | None) -> str | None:
        return value if value is None or Path(value).is_absolute() else str(base / value)

    def if_local(value: str | None) -> str | None:
        return str(base / value) if value and not Path(value).is_absolute() and (base / value).exists() else value

    policies = tuple(
        dataclasses.replace(p, index=always(p.index), premises=always(p.premises), proofs=always(p.proofs),
                            model=if_local(p.model))
        for p in config.policies
    )
    search = dataclasses.replace(config.search, critic_model=if_local(config.search.critic_model))
    return dataclasses.replace(config, policies=policies, search=search)


def _load(name_or_path: str) -> ProverConfig:
    path = Path(name_or_path)
    if path.suffix in {".toml", ".yaml", ".yml"} and ("/" in name_or_path or path.exists()):
        if not path.is_file():
            raise ConfigError(f"prover config file {name_or_path} does not exist")
        return parse_config(_read(path), default_name=path.stem, origin=str(path))
    for suffix in (".toml", ".yaml", ".yml"):
        candidate = EVAL_DIR / f"{name_or_path}{suffix}"
        if candidate.is_file():
            return parse_config(_read(candidate), default_name=name_or_path, origin=str(candidate))
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    raise ConfigError(
        f"unknown prover config {name_or_path!r}; available: {', '.join(available_configs())} "
        f"(or pass the path of a .toml/.yaml file)"
    )


def _read(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of settings at the top level")
    return data


def parse_config(data: dict[str, object], default_name: str, origin: str = "<config>") -> ProverConfig:
    """Validate raw settings into a `ProverConfig`; every mistake names its key and `origin`."""
    _no_unknown(data, ("name", "description", "prelude", "search", "policies"), origin)
    search_raw = data.get("search", {})
    if not isinstance(search_raw, dict):
        raise ConfigError(f"{origin}: [search] must be a table")
    search = _build(SearchConfig, search_raw, f"{origin} [search]")
    policies_raw = data.get("policies", [])
    if not isinstance(policies_raw, list) or not all(isinstance(p, dict) for p in policies_raw):
        raise ConfigError(f"{origin}: policies must be an array of tables ([[policies]])")
    policies = tuple(_build(PolicyConfig, p, f"{origin} [[policies]] #{i + 1}") for i, p in enumerate(policies_raw))
    if not policies:
        raise ConfigError(f"{origin}: at least one [[policies]] entry is needed")
    name = data.get("name", default_name)
    description = data.get("description", "")
    prelude = data.get("prelude", "")
    for key, value in (("name", name), ("description", description), ("prelude", prelude)):
        if not isinstance(value, str):
            raise ConfigError(f"{origin}: {key} must be a string, got {value!r}")
    return ProverConfig(name=str(name), search=search, policies=policies, description=str(description),
                        prelude=str(prelude))


def _no_unknown(data: dict[str, object], allowed: tuple[str, ...], origin: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def _build(cls: type[_T], raw: dict[str, object], origin: str) -> _T:
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    _no_unknown(raw, tuple(fields), origin)
    values: dict[str, object] = {}
    for key, value in raw.items():
        default = fields[key].default
        if key == "kind":
            allowed = get_args(SearchKind) if cls is SearchConfig else get_args(PolicyKind)
            _one_of(value, allowed, key, origin)
        elif key == "critic":
            _one_of(value, get_args(CriticKind), key, origin)
        elif key == "portfolio":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise ConfigError(f"{origin}: portfolio must be an array of tactic strings")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{origin}: {key} must be true or false, got {value!r}")
        elif isinstance(default, int | float) or key in {"temperature", "max_tokens"}:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{origin}: {key} must be a non-negative number, got {value!r}")
            if isinstance(default, int) and not isinstance(default, bool) and not isinstance(value, int):
                raise ConfigError(f"{origin}: {key} must be a whole number, got {value!r}")
        elif not isinstance(value, str):
            raise ConfigError(f"{origin}: {key} must be a string, got {value!r}")
        values[key] = value
    if "kind" not in values and cls is PolicyConfig:
        raise ConfigError(f"{origin}: kind is required (one of {', '.join(get_args(PolicyKind))})")
    return cls(**values)


def _one_of(value: object, allowed: tuple[str, ...], key: str, origin: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{origin}: {key} = {value!r} is not one of {', '.join(allowed)}")


def load_class(path: str) -> type:
    """The class at ``module:Class``; a missing module or name is a `ConfigError`."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name} for {path}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise ConfigError(f"{module_name} has no {attr} (named by {path})") from exc


def build_policy(config: PolicyConfig) -> TacticPolicy:
    """The policy a `PolicyConfig` names, imported now."""
    cls = load_class(config.class_path())
    if hasattr(cls, "from_config"):
        return cls.from_config(config)  # type: ignore[attr-defined, no-any-return]
    # classes without from_config take the set fields as keyword arguments
    keys = ("index", "model", "endpoint", "temperature", "max_tokens", "premises", "proofs", "portfolio")
    kwargs = {key: getattr(config, key) for key in keys if getattr(config, key) is not None}
    return cls(**kwargs)  # type: ignore[no-any-return]


def build_prover(config: ProverConfig) -> Prover:
    """The `Prover` a config describes; its prelude (if any) wraps it for attempt and check alike."""
    from prover.search.prelude import WithPrelude

    if config.search.kind == "automation":
        from prover.policies.automation import PORTFOLIO_COQ, AutomationProver

        portfolio = config.policies[0].portfolio or PORTFOLIO_COQ
        prover: Prover = AutomationProver(config.search.per_tactic_seconds, portfolio, config.search.hammer_seconds)
    else:
        cls = load_class(SEARCH_TARGETS[config.search.kind])
        prover = cls.from_config(config)  # type: ignore[attr-defined]
    prover.name = config.name
    return WithPrelude(prover, config.prelude) if config.prelude else prover
