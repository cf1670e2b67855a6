"""The k-NN tactic policy: tactics that worked on the most similar training states, Tactician-style.

`build_index` turns the (state, tactic) pairs of an extraction's training split into an
index directory: a BM25 index (bm25s) over features of each state's first goal (the goal a
tactic acts on) and ``pairs.jsonl`` with each pair's tactic and hypotheses. Features are the
conclusion's tokens and bigrams and the hypotheses' type tokens, with hypothesis names
abstracted, so ``n + 0 = n`` and ``m + 0 = m`` look alike. `KnnPolicy.suggest` retrieves the
nearest states, re-targets each one's tactic to the current goal (hypothesis names of the
retrieved state become the corresponding ones here: same type first, then same type up to
names, then same head symbol), and votes: a tactic's score is the log of its share of the
retrieved BM25 mass.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from prover.envs.base import Goal, ProofState, Theorem
from prover.errors import ConfigError
from prover.policies.base import Suggestion

if TYPE_CHECKING:
    import bm25s

    from prover.data.records import TheoremRecord

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_'.]*[A-Za-z0-9_']|[A-Za-z_]|\d+|[^\sA-Za-z0-9_()]+")
_IDENT = re.compile(r"(?<![A-Za-z0-9_'.])([A-Za-z_][A-Za-z0-9_']*)(?![A-Za-z0-9_'])")
_SKIP = re.compile(r"^(?:[-+*]+|[{}]|\d+\s*:\s*[{]|Proof\b.*|Qed\.|Defined\.|Admitted\.|Abort\.|admit\.|give_up\.)$")
"""Sentences that are not tactics a search can run on one state: bullets, braces, proof delimiters."""

T = TypeVar("T")

PAIRS_FILE = "pairs.jsonl"
BM25_DIR = "bm25"


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One hypothesis line split into its names and its type (``n, m : nat``)."""

    names: tuple[str, ...]
    type: str

    @classmethod
    def parse(cls, line: str) -> Self:
        head, sep, rest = line.partition(" : ")
        if not sep:
            return cls((), line.strip())
        head = head.partition(" := ")[0]
        return cls(tuple(n.strip() for n in head.split(",") if n.strip()), rest.strip())


@dataclass(frozen=True, slots=True)
class KnnIndexInfo:
    """What `build_index` wrote."""

    directory: str
    pairs: int
    skipped: int
    """Pairs left out (bullets, braces, proof delimiters, goal-less states)."""


def _hypotheses(goal: Goal) -> list[Hypothesis]:
    return [Hypothesis.parse(line) for line in goal.hypotheses]


def _names(hyps: Iterable[Hypothesis]) -> set[str]:
    return {name for h in hyps for name in h.names}


def _abstract(text: str, names: set[str]) -> str:
    """`text` with every hypothesis name replaced by ``_``: types equal up to naming compare equal."""
    return _IDENT.sub(lambda m: "_" if m.group(1) in names else m.group(1), text)


def state_features(goal: Goal) -> list[str]:
    """BM25 terms of one goal: conclusion tokens and bigrams, hypothesis-type tokens."""
    hyps = _hypotheses(goal)
    names = _names(hyps)
    conclusion = _TOKEN.findall(_abstract(goal.conclusion, names))
    terms = [f"c:{t}" for t in conclusion]
    terms += [f"b:{a}|{b}" for a, b in itertools.pairwise(conclusion)]
    for h in hyps:
        terms += [f"h:{t}" for t in _TOKEN.findall(_abstract(h.type, names))]
    return terms or ["c:<empty>"]


def _head(text: str) -> str:
    tokens = _TOKEN.findall(text)
    return tokens[0] if tokens else ""


def retarget(tactic: str, source: Sequence[str], target: Sequence[str]) -> str:
    """`tactic`, written for a goal with hypotheses `source`, renamed for hypotheses `target`.

    Each source hypothesis name maps to an unused target name whose type is equal, else
    equal up to hypothesis names, else has the same head symbol; names with no counterpart
    stay as they are. Renaming is simultaneous (``H``/``H0`` may swap).
    """
    src, dst = [Hypothesis.parse(x) for x in source], [Hypothesis.parse(x) for x in target]
    src_names, dst_names = _names(src), _names(dst)
    src_flat = [(n, h.type) for h in src for n in h.names]
    dst_flat = [(n, h.type) for h in dst for n in h.names]
    keys = (
        lambda t, names: " ".join(t.split()),
        lambda t, names: " ".join(_abstract(t, names).split()),
        lambda t, names: _head(_abstract(t, names)),
    )
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for key in keys:
        for name, typ in src_flat:
            if name in mapping:
                continue
            wanted = key(typ, src_names)
            for candidate, ctyp in dst_flat:
                if candidate not in used and key(ctyp, dst_names) == wanted:
                    mapping[name] = candidate
                    used.add(candidate)
                    break
    renames = {a: b for a, b in mapping.items() if a != b}
    if not renames:
        return tactic
    return _IDENT.sub(lambda m: renames.get(m.group(1), m.group(1)), tactic)


def _usable(tactic: str) -> bool:
    return not _SKIP.match(tactic.strip()) and "Require" not in tactic


class GoalIndex(Generic[T]):
    """BM25 (bm25s) over goals in `state_features`, each with a payload (a tactic, a proof);
    `nearest` gives the payloads of the goals most like a query goal."""

    def __init__(self, retriever: bm25s.BM25, payloads: Sequence[T]) -> None:
        self.payloads = tuple(payloads)
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict

    @classmethod
    def of(cls, goals: Sequence[Goal], payloads: Sequence[T]) -> GoalIndex[T]:
        """An index built in memory over `goals`, one payload each."""
        import bm25s

        if len(goals) != len(payloads) or not goals:
            raise ValueError("a goal index needs one payload per goal and at least one goal")
        retriever = bm25s.BM25()
        retriever.index([state_features(g) for g in goals], show_progress=False)
        return cls(retriever, payloads)

    def __len__(self) -> int:
        return len(self.payloads)

    def nearest(self, goal: Goal, n: int) -> list[tuple[float, T]]:
        """Up to `n` (BM25 score, payload) pairs with a positive score, nearest first."""
        terms = [t for t in state_features(goal) if t in self._vocab]
        if not terms or n <= 0:
            return []
        docs, scores = self._retriever.retrieve([terms], k=min(n, len(self.payloads)), show_progress=False,
                                                n_threads=1)
        return [(float(score), self.payloads[doc])
                for doc, score in zip(docs[0].tolist(), scores[0].tolist(), strict=True) if score > 0]


def build_index(pairs: Iterable[tuple[ProofState, str]], out_dir: str | os.PathLike[str]) -> KnnIndexInfo:
    """Index (state, tactic) pairs (e.g. `prover.data.loader.load_pairs(data, "train")`) into `out_dir`."""
    import bm25s

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    corpus: list[list[str]] = []
    skipped = 0
    partial = out / (PAIRS_FILE + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for state, tactic in pairs:
            if not state.goals or not _usable(tactic):
                skipped += 1
                continue
            goal = state.goals[0]
            corpus.append(state_features(goal))
            handle.write(json.dumps({"tactic": tactic.strip(), "hypotheses": list(goal.hypotheses)}) + "\n")
    if not corpus:
        raise ConfigError(f"no usable (state, tactic) pairs to index into {out}: is the training split empty?")
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    retriever.save(str(out / BM25_DIR), show_progress=False)
    partial.replace(out / PAIRS_FILE)
    return KnnIndexInfo(str(out), len(corpus), skipped)


@dataclass(frozen=True, slots=True)
class _Pair:
    tactic: str
    hypotheses: tuple[str, ...]


class KnnPolicy:
    """Tactics of the nearest training states, re-targeted to the current goal's hypotheses."""

    name = "knn"

    def __init__(self, index: str | os.PathLike[str], neighbours: int = 64) -> None:
        directory = Path(index)
        if not (directory / PAIRS_FILE).is_file() or not (directory / BM25_DIR).is_dir():
            raise ConfigError(
                f"{directory} is not a k-NN index (no {PAIRS_FILE} or {BM25_DIR}/): build one with "
                f"`prover knn-build --data EXTRACTION --out {directory}` (`make data` builds the default one "
                "from the standard library), or pick a prover config without k-NN (`--prover automation`)"
            )
        self.index = str(directory)
        self.neighbours = neighbours
        pairs = [_Pair(d["tactic"], tuple(d["hypotheses"])) for d in _read_pairs(directory / PAIRS_FILE)]
        self._nearest = GoalIndex(_load_bm25(directory / BM25_DIR), pairs)

    def __reduce__(self) -> tuple[type[KnnPolicy], tuple[str, int]]:
        # rebuilt from its directory where unpickled (a Ray worker), not shipped whole
        return (KnnPolicy, (self.index, self.neighbours))

    def __len__(self) -> int:
        return len(self._nearest)

    def neighbours_of(self, goal: Goal, n: int) -> list[tuple[float, str, tuple[str, ...]]]:
        """The `n` nearest training pairs: (BM25 score, tactic, its goal's hypotheses)."""
        return [(score, pair.tactic, pair.hypotheses) for score, pair in self._nearest.nearest(goal, n)]

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        """Up to `k` tactics by BM25-weighted vote of the nearest states; score = log(share)."""
        del theorem
        if not state.goals or k <= 0:
            return []
        goal = state.goals[0]
        return _vote(self.neighbours_of(goal, max(self.neighbours, 4 * k)), goal, k, self.name)


def _vote(neighbours: Iterable[tuple[float, str, tuple[str, ...]]], goal: Goal, k: int,
          name: str) -> list[Suggestion]:
    """The `k` tactics with the most BM25 mass among `neighbours`, re-targeted to `goal`;
    score = log of the tactic's share of the mass."""
    votes: dict[str, float] = {}
    for score, tactic, hypotheses in neighbours:
        renamed = retarget(tactic, hypotheses, goal.hypotheses)
        votes[renamed] = votes.get(renamed, 0.0) + score
    total = sum(votes.values())
    ranked = sorted(votes.items(), key=lambda item: -item[1])[:k]
    return [Suggestion(tactic, math.log(weight / total), name) for tactic, weight in ranked]


@dataclass(frozen=True, slots=True)
class _Step:
    goal: Goal
    tactic: str


def _steps(record: TheoremRecord) -> list[tuple[Goal, _Step]]:
    steps = [_Step(step.before[0].to_goal(), step.tactic.strip())
             for step in record.steps if step.before and _usable(step.tactic)]
    return [(step.goal, step) for step in steps]


class FileKnnPolicy:
    """k-NN over the proofs that come before the theorem in its own file, as Tactician learns
    online while a file is being written.

    The training index (`KnnPolicy`) holds other files only (splits are by file); a file's
    own earlier proofs are what carry its local Ltac (``nzsimpl``, ``wrap``), its naming and
    its habits. A user proving theorem T at line L has those proofs in front of them, so this
    policy reads them from an extraction of the library (`proofs`: the directory `prover
    extract` wrote) and uses only proofs of theorems declared before line L of T's module;
    T's own proof and everything after it are never read.
    """

    name = "file_knn"

    def __init__(self, proofs: str | os.PathLike[str], neighbours: int = 64) -> None:
        from prover.policies.neighbours import LibraryProofs

        self.proofs = str(proofs)
        self.neighbours = neighbours
        self._library = LibraryProofs(proofs, _steps, "file k-NN")

    def __reduce__(self) -> tuple[type[FileKnnPolicy], tuple[str, int]]:
        return (FileKnnPolicy, (self.proofs, self.neighbours))

    def earlier_steps(self, theorem: Theorem) -> list[_Step]:
        """The steps of the proofs declared before `theorem` in its own file."""
        index = self._library.earlier_index(theorem)
        return [] if index is None else list(index.payloads)

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        """Up to `k` tactics by BM25-weighted vote of the nearest earlier states of the file."""
        if not state.goals or k <= 0:
            return []
        index = self._library.earlier_index(theorem)
        if index is None:
            return []
        goal = state.goals[0]
        nearest = index.nearest(goal, max(self.neighbours, 4 * k))
        return _vote(((score, step.tactic, step.goal.hypotheses) for score, step in nearest), goal, k, self.name)


def _load_bm25(path: Path) -> bm25s.BM25:
    import bm25s

    return bm25s.BM25.load(str(path), show_progress=False)


def _read_pairs(path: Path) -> Iterable[dict[str, object]]:
    from prover.data.records import read_jsonl

    return read_jsonl(path)
