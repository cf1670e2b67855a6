"""PremiseRetriever on a real corpus: ranking, accessibility, saving and loading, bad indexes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prover.data.premises import PremiseIndex
from prover.errors import ConfigError
from prover.retrieval import METHODS, PremiseRetriever, goal_query
from prover.retrieval.dense import Encoder
from tests.conftest import needs_coq
from tests.retrieval.conftest import Tiny

pytestmark = needs_coq


def _accessible(tiny: Tiny, qualified_name: str) -> tuple[set[str], int]:
    """The names accessible to a theorem of the tiny extraction, and its line."""
    record = next(r for r in tiny.records if r.qualified_name == qualified_name)
    file = next(f for f in tiny.files if f.file == record.file)
    return PremiseIndex(tiny.corpus).accessible(file.requires, record.module, record.line), record.line


@pytest.mark.parametrize("method", METHODS)
def test_a_premise_is_found_by_its_own_statement(tiny: Tiny, method: str) -> None:
    target = next(p for p in tiny.corpus if p.name == "Coq.Init.Peano.plus_n_O")
    found = tiny.retriever.retrieve(target.type, k=5, method=method)  # type: ignore[arg-type]
    assert len(found) == 5
    assert target.name in [p.name for p in found[:3]], found
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert found[[p.name for p in found].index(target.name)].kind == target.kind


@pytest.mark.parametrize("method", METHODS)
def test_later_lemmas_of_the_same_file_are_never_retrieved(tiny: Tiny, method: str) -> None:
    # The adversarial query is the very statement of a lemma declared after the theorem:
    # unrestricted retrieval ranks it first, restricted retrieval must never return it.
    later = next(p for p in tiny.corpus if p.name == "Coq.Arith.Between.in_int_intro")
    accessible, line = _accessible(tiny, "Coq.Arith.Between.bet_eq")
    assert later.line > line and later.name not in accessible
    free = tiny.retriever.retrieve(later.type, k=3, method=method)  # type: ignore[arg-type]
    assert later.name in [p.name for p in free]
    bound = tiny.retriever.retrieve(later.type, k=len(tiny.corpus), accessible=accessible,
                                    method=method)  # type: ignore[arg-type]
    names = {p.name for p in bound}
    assert names <= accessible
    assert later.name not in names
    same_file_lines = [p.line for p in tiny.corpus if p.name in names and p.module == "Coq.Arith.Between"]
    assert all(0 < n < line for n in same_file_lines)


def test_an_empty_accessible_set_gives_nothing(tiny: Tiny) -> None:
    for method in METHODS:
        assert tiny.retriever.retrieve("n + 0 = n", k=10, accessible=set(), method=method) == []
    # names outside the corpus are ignored, not an error
    assert tiny.retriever.retrieve("n + 0 = n", k=10, accessible={"No.Such.name"}) == []


def test_a_goal_with_no_known_word_still_ranks(tiny: Tiny) -> None:
    found = tiny.retriever.retrieve("zzqx_unknown_word", k=4)
    assert len(found) == 4


def test_bad_queries_are_refused_with_what_to_change(tiny: Tiny) -> None:
    with pytest.raises(ConfigError, match="k must be at least 1"):
        tiny.retriever.retrieve("n = n", k=0)
    with pytest.raises(ConfigError, match="query is empty"):
        tiny.retriever.retrieve("  \n", k=3)
    with pytest.raises(ConfigError, match="unknown retrieval method 'tfidf'"):
        tiny.retriever.retrieve("n = n", k=3, method="tfidf")  # type: ignore[arg-type]


def test_saved_index_loads_and_ranks_identically(tiny: Tiny, encoder: Encoder) -> None:
    loaded = PremiseRetriever.load(tiny.index, encoder=encoder)
    assert loaded.premises == tiny.retriever.premises
    record = next(r for r in tiny.records if r.steps and r.premises)
    query = goal_query(g.to_goal() for g in record.steps[0].before)
    accessible, _ = _accessible(tiny, record.qualified_name)
    for method in METHODS:
        assert (loaded.retrieve(query, 20, accessible, method)  # type: ignore[arg-type]
                == tiny.retriever.retrieve(query, 20, accessible, method))  # type: ignore[arg-type]


def _copy(tiny: Tiny, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(tiny.index, copy)
    return copy


def test_broken_indexes_are_refused_with_how_to_rebuild(tiny: Tiny, tmp_path: Path, encoder: Encoder) -> None:
    with pytest.raises(ConfigError, match="retrieval-build"):
        PremiseRetriever.load(tmp_path / "absent", encoder=encoder)

    truncated = _copy(tiny, tmp_path / "a")
    faiss_file = truncated / "dense.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:1000])
    with pytest.raises(ConfigError, match="dense.faiss.*rebuild"):
        PremiseRetriever.load(truncated, encoder=encoder)

    # a corpus that is not the one indexed (one premise dropped)
    shrunk = _copy(tiny, tmp_path / "b")
    lines = (shrunk / "premises.jsonl").read_text().splitlines()
    (shrunk / "premises.jsonl").write_text("\n".join(lines[1:]) + "\n")
    with pytest.raises(ConfigError, match="does not match meta.json"):
        PremiseRetriever.load(shrunk, encoder=encoder)

    future = _copy(tiny, tmp_path / "c")
    meta = json.loads((future / "meta.json").read_text())
    (future / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ConfigError, match="format 99"):
        PremiseRetriever.load(future, encoder=encoder)

    (future / "meta.json").write_text("{not json")
    with pytest.raises(ConfigError, match="unreadable"):
        PremiseRetriever.load(future, encoder=encoder)

    no_bm25 = _copy(tiny, tmp_path / "d")
    shutil.rmtree(no_bm25 / "bm25")
    with pytest.raises(ConfigError, match="no BM25 index"):
        PremiseRetriever.load(no_bm25, encoder=encoder)


def test_save_replaces_an_index_but_never_an_unrelated_directory(tiny: Tiny, tmp_path: Path) -> None:
    target = _copy(tiny, tmp_path)
    tiny.retriever.save(target)  # over an index: replaced
    assert (target / "meta.json").is_file() and not (tmp_path / "index.partial").exists()
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="is no premise index"):
        tiny.retriever.save(precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_building_from_nothing_is_refused(encoder: Encoder) -> None:
    with pytest.raises(ConfigError, match="corpus is empty"):
        PremiseRetriever.build([], encoder=encoder)
