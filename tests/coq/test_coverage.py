"""Premise coverage on a real library file: gold premises are found in the accessible set."""

from __future__ import annotations

from dataclasses import replace

from prover.data.coq import STDLIB, extract_file
from prover.data.coverage import premise_coverage
from prover.data.premises import build_corpus, library_modules
from tests.conftest import needs_coq

pytestmark = needs_coq


def test_between_gold_premises_are_accessible() -> None:
    file, records = extract_file(STDLIB, "Arith/Between.v")
    assert records and all(r.replayed for r in records)
    modules = [(m, p) for m, p in library_modules(STDLIB.root, STDLIB.prefix)
               if m in set(file.requires) | {file.module}]
    corpus = build_corpus(modules, root=STDLIB.root)
    tested = [replace(r, split="test") for r in records]
    coverage = premise_coverage(tested, [file], corpus, split="test")
    assert coverage.theorems >= 10
    assert coverage.rate >= 0.9, coverage.lines()
    # A theorem cannot draw on what its own file declares after it.
    late = max(records, key=lambda r: r.line)
    early = replace(min(records, key=lambda r: r.line), premises=(late.qualified_name,), split="test")
    assert premise_coverage([early], [file], corpus).covered == 0
