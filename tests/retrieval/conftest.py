"""A tiny extraction, built here with a real coqidetop: two stdlib files traced, the premise
corpus of a few modules they load, and a premise index over it (embedding it takes a
few seconds on a CPU). Modules using `tiny` mark themselves `needs_coq`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from prover.data.coq import STDLIB, extract_file
from prover.data.premises import Premise, build_corpus, library_modules, write_corpus
from prover.data.records import FileRecord, TheoremRecord, write_jsonl
from prover.retrieval import PremiseRetriever
from prover.retrieval.dense import Encoder

FILES = {"Arith/Between.v": "test", "Arith/EqNat.v": "valid"}
MODULES = {"Coq.Arith.Between", "Coq.Arith.EqNat", "Coq.Init.Datatypes", "Coq.Init.Peano", "Coq.Init.Logic"}
"""The corpus: what the two files use most, small enough to embed in seconds."""


@dataclass(frozen=True, slots=True)
class Tiny:
    data: Path
    """An extraction directory: theorems.jsonl, files.jsonl, premises.jsonl."""
    index: Path
    """The saved premise index of its corpus."""
    records: tuple[TheoremRecord, ...]
    files: tuple[FileRecord, ...]
    corpus: tuple[Premise, ...]
    retriever: PremiseRetriever


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder()


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Tiny:
    data = tmp_path_factory.mktemp("extraction")
    files, records = [], []
    for relpath, split in FILES.items():
        file, traced = extract_file(STDLIB, relpath)
        files.append(file)
        records += [replace(r, split=split) for r in traced]
    modules = [(m, p) for m, p in library_modules(STDLIB.root, STDLIB.prefix) if m in MODULES]
    corpus = build_corpus(modules, root=STDLIB.root)
    write_jsonl(data / "theorems.jsonl", records)
    write_jsonl(data / "files.jsonl", files)
    write_corpus(data / "premises.jsonl", corpus)
    retriever = PremiseRetriever.build(corpus, encoder=encoder)
    index = data / "index"
    retriever.save(index)
    return Tiny(data, index, tuple(records), tuple(files), tuple(corpus), retriever)
