"""Reading an extraction's outputs back: theorems to prove, (state, tactic) training pairs.

`out_dir` is the directory `prover.data.jobs.run_extraction` wrote (``theorems.jsonl`` and
``files.jsonl``). `hf_data_files` gives the same files to Hugging Face ``datasets``::

    datasets.load_dataset("json", data_files=hf_data_files(out_dir)["theorems"])
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from prover.data.records import (
    FileRecord,
    TheoremRecord,
    read_files,
    read_theorems,
    state_tactic_pairs,
    to_theorem,
)
from prover.envs.base import ProofState, Theorem
from prover.errors import ConfigError

__all__ = ["hf_data_files", "load_pairs", "load_records", "load_theorems"]


def _path(out_dir: str | os.PathLike[str], name: str) -> Path:
    path = Path(out_dir) / name
    if not path.is_file():
        raise ConfigError(f"{path} is missing: is {out_dir} the output of an extraction (prover extract)?")
    return path


def load_records(out_dir: str | os.PathLike[str], split: str | None = None) -> Iterator[TheoremRecord]:
    """The theorem records of `out_dir`, only those of `split` when given."""
    for record in read_theorems(_path(out_dir, "theorems.jsonl")):
        if split is None or record.split == split:
            yield record


def load_theorems(out_dir: str | os.PathLike[str], split: str | None = None, *,
                  replayed_only: bool = False) -> Iterator[Theorem]:
    """Theorems to start or check, each in its file's context, with the library's proof as
    `gold_proof`; with `replayed_only`, only those whose gold proof replayed (no Admitted)."""
    files: dict[str, FileRecord] = {f.file: f for f in read_files(_path(out_dir, "files.jsonl"))}
    for record in load_records(out_dir, split):
        if replayed_only and not record.replayed:
            continue
        file = files.get(record.file)
        if file is None:
            raise ConfigError(f"{out_dir}: {record.key} is from {record.file}, which files.jsonl lacks")
        yield to_theorem(record, file)


def load_pairs(out_dir: str | os.PathLike[str], split: str | None = None) -> Iterator[tuple[ProofState, str]]:
    """(goals, tactic) pairs from the proofs that replayed to their end (no ``admit``s, no
    proof cut short by a failure)."""
    for record in load_records(out_dir, split):
        if record.replayed:
            yield from state_tactic_pairs(record)


def hf_data_files(out_dir: str | os.PathLike[str]) -> dict[str, str]:
    """``{"theorems": path, "files": path}``: the JSON Lines files, one ``data_files`` each
    (their columns differ, so load them separately; a theorem's ``split`` is a column)."""
    return {name: str(_path(out_dir, f"{name}.jsonl").resolve()) for name in ("theorems", "files")}
