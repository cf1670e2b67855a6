"""Benchmarks by name: the theorems `prover eval` attempts.

``coq-stdlib`` and ``coq-mathcomp`` need no download and no prior extraction: the split
manifests are committed under ``datasets/`` and the sources are the installed libraries, so
each theorem is read from its file with the file's prefix as header, as its author faced it.
An extraction directory (``extracted``: ``--path`` holding ``theorems.jsonl``) and your own
Coq files (``coq-files``: ``--path`` a ``.v`` file or a directory of them; each theorem in its
file's context) work as well, and the external benchmarks (miniF2F, ProofNet, ...) come from the loaders in `prover.data.benchmarks`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from prover.data.coq import MATHCOMP, STDLIB, Library
from prover.data.splits import SPLITS, committed_manifest
from prover.envs.base import Theorem
from prover.envs.coq.files import logical_module, read_source, theorems_in_source
from prover.errors import ConfigError

DEFAULT_BENCHMARK = "coq-stdlib"
DEFAULT_SPLIT = "test"

_LIBRARIES: dict[str, Library] = {"coq-stdlib": STDLIB, "coq-mathcomp": MATHCOMP}


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A named list of theorems; `split` is ``""`` for benchmarks without splits."""

    name: str
    split: str
    theorems: tuple[Theorem, ...]


def benchmark_names() -> list[str]:
    """Every name `load_benchmark` accepts."""
    from prover.data import benchmarks as external

    return sorted({*_LIBRARIES, "coq-files", "extracted", *external.BENCHMARK_LOADERS})


def load_benchmark(name: str, split: str | None = DEFAULT_SPLIT, path: str | os.PathLike[str] | None = None,
                   limit: int | None = None) -> Benchmark:
    """The theorems of benchmark `name` (its `split`), the first `limit` of a fixed sample.

    The sample is an order by content hash, the same on every machine, so ``--limit 30``
    always names the same 30 theorems and a larger limit extends a smaller one.
    """
    if split is not None and split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    if name in _LIBRARIES:
        theorems = _library_theorems(name, _LIBRARIES[name], split)
    elif name == "extracted":
        theorems = _extracted_theorems(_need_path(name, path), split)
    elif name == "coq-files":
        theorems, split = _file_theorems(_need_path(name, path)), None  # files have no splits
    else:
        from prover.data import benchmarks as external

        loader = external.BENCHMARK_LOADERS.get(name)
        if loader is None:
            raise ConfigError(f"unknown benchmark {name!r}; known: {', '.join(benchmark_names())}")
        theorems = loader(_need_path(name, path), split)
    if not theorems:
        raise ConfigError(f"benchmark {name!r} has no theorems" + (f" in split {split!r}" if split else ""))
    ordered = sorted(theorems, key=_sample_order)
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--limit must be at least 1, not {limit}")
        ordered = ordered[:limit]
    return Benchmark(name, split or "", tuple(ordered))


def _sample_order(theorem: Theorem) -> str:
    return hashlib.sha256(theorem.key.encode()).hexdigest()


def _need_path(name: str, path: str | os.PathLike[str] | None) -> Path:
    if path is None:
        raise ConfigError(f"benchmark {name!r} is read from a local copy: pass --path DIR")
    found = Path(path)
    if not found.exists():
        raise ConfigError(f"{found} does not exist (the --path of benchmark {name!r})")
    return found


def _library_theorems(dataset: str, library: Library, split: str | None) -> list[Theorem]:
    manifest = committed_manifest(dataset)
    if manifest is None:
        raise ConfigError(f"no split manifest datasets/{dataset}/splits.json: run from a checkout of prover")
    if not os.path.isdir(library.root):
        raise ConfigError(f"{library.name} is not installed at {library.root} (run `make setup`)")
    found: list[Theorem] = []
    for relpath, file_split in sorted(manifest.files):
        if split is not None and file_split != split:
            continue
        path = Path(library.path(relpath))
        if not path.is_file():
            raise ConfigError(f"{path} is missing: the installed {library.name} does not match "
                              f"datasets/{dataset}/splits.json")
        module = logical_module(library.prefix, relpath)
        for theorem in theorems_in_source(path.read_text(encoding="utf-8"), relpath):
            if _closed_by_library(theorem.gold_proof):
                found.append(Theorem(
                    name=theorem.name, statement=theorem.statement, header=theorem.header,
                    gold_proof=theorem.gold_proof, source=f"{library.name}:{theorem.source}",
                    split=file_split, module=module,
                ))
    return found


def _closed_by_library(gold_proof: str | None) -> bool:
    """The library proves it (an admitted or aborted lemma is no benchmark theorem)."""
    if not gold_proof:
        return False
    last = gold_proof.rstrip().splitlines()[-1].strip()
    return last.startswith(("Qed", "Defined"))


def _extracted_theorems(path: Path, split: str | None) -> list[Theorem]:
    from prover.data.loader import load_theorems

    if not (path / "theorems.jsonl").is_file():
        raise ConfigError(f"{path} holds no theorems.jsonl: pass the --out directory of `prover extract`")
    return list(load_theorems(path, split, replayed_only=True))


def _file_theorems(path: Path) -> list[Theorem]:
    """Every theorem of a ``.v`` file, or of the ``.v`` files under a directory."""
    files = sorted(path.rglob("*.v")) if path.is_dir() else [path]
    found: list[Theorem] = []
    for file in files:
        found += theorems_in_source(read_source(file), str(file.relative_to(path) if path.is_dir() else file.name))
    return found
