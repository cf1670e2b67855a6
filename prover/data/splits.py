"""Train / valid / test splits by file, stable across machines and Python versions.

A file's split is a pure function of ``library + ":" + relpath`` (SHA-256, not Python's
``hash``), so every theorem of a file lands in the same split and no file's context leaks
from training into evaluation. A `SplitManifest` freezes the assignment of a library's
files; the manifests of the installed standard library and Mathematical Components are
committed under ``datasets/`` (see ``datasets/README.md``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from prover.data.records import TheoremRecord
from prover.errors import ConfigError

__all__ = [
    "DATASETS",
    "DEFAULT_RATIOS",
    "SPLITS",
    "Split",
    "SplitManifest",
    "apply_split",
    "committed_manifest",
    "make_manifest",
    "read_manifest",
    "save_manifest",
    "split_of",
    "write_manifest",
]

Split = Literal["train", "valid", "test"]
SPLITS: tuple[Split, Split, Split] = ("train", "valid", "test")
DEFAULT_RATIOS: tuple[float, float, float] = (0.8, 0.1, 0.1)
DATASETS = Path(__file__).resolve().parents[2] / "datasets"
"""The checkout's ``datasets/`` directory (manifests the project committed)."""
_METHOD = "sha256(library:relpath), first 8 bytes as a fraction of 2**64, cut at the cumulative ratios"


def _check_ratios(ratios: Iterable[float]) -> tuple[float, float, float]:
    values = tuple(float(r) for r in ratios)
    if len(values) != 3 or any(not r >= 0 for r in values) or not math.isclose(sum(values), 1.0):
        raise ConfigError(f"split ratios must be three non-negative numbers summing to 1, got {values}")
    return values  # type: ignore[return-value]


def split_of(library: str, relpath: str, ratios: tuple[float, float, float] = DEFAULT_RATIOS) -> Split:
    """The split of file `relpath` (relative to the library root, ``/``-separated)."""
    train, valid, _ = _check_ratios(ratios)
    digest = hashlib.sha256(f"{library}:{relpath}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    if point < train:
        return "train"
    return "valid" if point < train + valid else "test"


@dataclass(frozen=True, slots=True)
class SplitManifest:
    """Which split each file of a library belongs to."""

    library: str
    """The library name hashed with each path (``stdlib``, ``mathcomp``, ...)."""
    ratios: tuple[float, float, float]
    """Target fractions of files for train, valid and test."""
    files: tuple[tuple[str, str], ...]
    """(relative path, split), sorted by path."""

    def split(self, relpath: str) -> str:
        """The recorded split of `relpath`; `split_of` for a file the manifest does not list."""
        return dict(self.files).get(relpath) or split_of(self.library, relpath, self.ratios)

    def counts(self) -> dict[str, int]:
        """How many files each split holds."""
        return {name: sum(1 for _, s in self.files if s == name) for name in SPLITS}


def make_manifest(library: str, files: Iterable[str],
                  ratios: tuple[float, float, float] = DEFAULT_RATIOS) -> SplitManifest:
    """The manifest assigning each of `files` its `split_of`."""
    paths = sorted(set(files))
    return SplitManifest(library, _check_ratios(ratios), tuple((p, split_of(library, p, ratios)) for p in paths))


def save_manifest(path: str | os.PathLike[str], manifest: SplitManifest) -> None:
    """Save `manifest` as JSON at `path` (atomically)."""
    data = {
        "library": manifest.library,
        "ratios": list(manifest.ratios),
        "method": _METHOD,
        "counts": manifest.counts(),
        "files": dict(manifest.files),
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    partial.replace(target)


def write_manifest(path: str | os.PathLike[str], library: str, files: Iterable[str],
                   ratios: tuple[float, float, float] = DEFAULT_RATIOS) -> SplitManifest:
    """Compute the manifest of `files` and save it at `path`; return it."""
    manifest = make_manifest(library, files, ratios)
    save_manifest(path, manifest)
    return manifest


def read_manifest(path: str | os.PathLike[str]) -> SplitManifest:
    """The manifest saved at `path` by `write_manifest`."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        files = tuple(sorted((str(p), str(s)) for p, s in data["files"].items()))
        manifest = SplitManifest(str(data["library"]), _check_ratios(data["ratios"]), files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path} is not a split manifest: {exc}") from exc
    unknown = {s for _, s in files} - set(SPLITS)
    if unknown:
        raise ConfigError(f"{path}: unknown split names {sorted(unknown)}; expected {SPLITS}")
    return manifest


def committed_manifest(dataset: str) -> SplitManifest | None:
    """The manifest committed as ``datasets/<dataset>/splits.json`` (``coq-stdlib``), or
    None where there is none (an installed package has no ``datasets/``)."""
    path = DATASETS / dataset / "splits.json"
    return read_manifest(path) if path.is_file() else None


def apply_split(records: Iterable[TheoremRecord], manifest: SplitManifest) -> Iterator[TheoremRecord]:
    """`records` with `split` set from `manifest` by their file."""
    table = dict(manifest.files)
    for record in records:
        if record.library != manifest.library:
            raise ConfigError(
                f"{record.key} is from library {record.library!r}, the manifest is for {manifest.library!r}"
            )
        split = table.get(record.file) or split_of(manifest.library, record.file, manifest.ratios)
        yield replace(record, split=split)
