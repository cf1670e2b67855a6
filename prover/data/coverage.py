"""How many gold premises a theorem could have found in its accessible set.

The question premise retrieval is judged on: for each theorem (of a split), are the
constants its library proof refers to among the premises accessible to it (what its file
loads, plus what precedes it in its file)? A miss means the corpus or the accessible set
is wrong, not the retriever.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from prover.data.premises import Premise, PremiseIndex, read_corpus
from prover.data.records import FileRecord, TheoremRecord, read_files
from prover.errors import ConfigError


@dataclass(frozen=True, slots=True)
class PremiseCoverage:
    """Theorems whose gold premises are all accessible, among those that replayed."""

    theorems: int
    """Theorems counted: gold proof replayed and at least one premise."""
    covered: int
    """Of those, theorems with every gold premise in their accessible set."""
    premises: int
    """Gold premises counted over those theorems."""
    premises_found: int
    """Of those, premises in the accessible set."""
    missing: tuple[tuple[str, int], ...]
    """The most often missing premises, with how many theorems miss them."""
    local: int = 0
    """Premises left out because they name no library constant: fields of a functor's
    parameter (``M.elements``), bound like a section variable, not found by any search."""

    @property
    def rate(self) -> float:
        return self.covered / self.theorems if self.theorems else 0.0

    def lines(self) -> list[str]:
        share = self.premises_found / self.premises if self.premises else 0.0
        out = [
            f"theorems with all gold premises accessible: {self.covered}/{self.theorems} = {self.rate:.1%}",
            (f"gold premises accessible: {self.premises_found}/{self.premises} = {share:.1%}"
            f" ({self.local} functor-parameter names left out)"),
        ]
        out += [f"  missing in {count} theorem(s): {name}" for name, count in self.missing[:10]]
        return out


def premise_coverage(records: Iterable[TheoremRecord], files: Iterable[FileRecord],
                     corpus: Iterable[Premise], split: str | None = "test") -> PremiseCoverage:
    """Coverage of `records` (only `split` when given) against `corpus`."""
    index = PremiseIndex(corpus)
    requires = {f.file: f.requires for f in files}
    theorems = covered = counted = found = local = 0
    missing: Counter[str] = Counter()
    for record in records:
        if (split is not None and record.split != split) or not record.replayed or not record.premises:
            continue
        loaded = requires.get(record.file, ())
        roots = tuple(f"{m}." for m in (*loaded, record.module))
        gold = [name for name in record.premises if name.startswith(roots)]
        local += len(record.premises) - len(gold)
        if not gold:
            continue
        reachable = index.accessible(loaded, record.module, record.line)
        absent = [name for name in gold if name not in reachable]
        theorems += 1
        covered += not absent
        counted += len(gold)
        found += len(gold) - len(absent)
        missing.update(absent)
    return PremiseCoverage(theorems, covered, counted, found, tuple(missing.most_common(20)), local)


def coverage_of_extraction(out_dir: str | os.PathLike[str], split: str | None = "test") -> PremiseCoverage:
    """`premise_coverage` of an extraction directory holding ``premises.jsonl``."""
    from prover.data.loader import load_records

    corpus = Path(out_dir) / "premises.jsonl"
    if not corpus.is_file():
        raise ConfigError(f"{corpus} is missing: run `prover extract coq` to its end first")
    return premise_coverage(load_records(out_dir), read_files(Path(out_dir) / "files.jsonl"),
                            read_corpus(corpus), split)
