"""Evaluation against gold premises, and the retrieve / retrieval-build / retrieval-eval commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner, Result

from prover.cli import retrieve as commands
from prover.data.premises import PremiseIndex, write_corpus
from prover.errors import ConfigError
from prover.retrieval import METHODS, Fusion, Position
from prover.retrieval.evaluate import cases_from_extraction, evaluate, tune_fusion
from tests.conftest import needs_coq
from tests.retrieval.conftest import Tiny

pytestmark = needs_coq
runner = CliRunner()


def _said(result: Result) -> str:
    """What a command wrote to stderr, with rich's line wrapping undone."""
    return " ".join(result.stderr.split())

# Registered as prover/cli/main.py registers them.
app = typer.Typer()
app.command("retrieve")(commands.retrieve)
app.command("retrieval-build")(commands.build_index)
app.command("retrieval-eval")(commands.evaluate_retrieval)


def test_cases_are_the_replayed_theorems_of_the_split_with_library_premises(tiny: Tiny) -> None:
    cases = cases_from_extraction(tiny.data, "test")
    expected = [r for r in tiny.records if r.split == "test" and r.replayed and r.premises]
    assert 0 < len(cases) <= len(expected)
    assert {c.name for c in cases} <= {r.qualified_name for r in expected}
    assert all(c.gold and c.query.strip() for c in cases)
    assert len(cases_from_extraction(tiny.data, "test", limit=2)) == 2
    assert cases_from_extraction(tiny.data, "train") == []


def test_evaluate_agrees_with_retrieve_and_bounds_hold(tiny: Tiny) -> None:
    cases = cases_from_extraction(tiny.data, "test")
    index = PremiseIndex(tiny.retriever.premises)
    evaluation, _ = evaluate(tiny.retriever, cases, index, "test")
    assert evaluation.cases == len(cases)
    # part of the gold (PeanoNat) is deliberately left out of the tiny corpus
    assert 0.2 < evaluation.ceiling < 1.0
    for result in evaluation.results:
        assert 0 <= result.recall_at_1 <= result.recall_at_10 <= result.recall_at_100 <= evaluation.ceiling
        assert 0 <= result.mrr <= 1
    # Recomputed by hand through the public API, one theorem at a time.
    for method in METHODS:
        recall = 0.0
        for case in cases:
            accessible = index.accessible(case.requires, case.position.module, case.position.line)
            found = [p.name for p in tiny.retriever.retrieve(case.query, 10, accessible, method, case.position)]
            recall += len(set(found) & set(case.gold)) / len(case.gold)
        assert evaluation.result(method).recall_at_10 == pytest.approx(recall / len(cases))


def test_gold_premises_outside_the_accessible_set_count_as_missed(tiny: Tiny) -> None:
    case = cases_from_extraction(tiny.data, "test")[0]
    # a gold premise declared after the theorem cannot be retrieved, whatever the query says
    later = max((p for p in tiny.corpus if p.module == case.position.module), key=lambda p: p.line)
    assert later.line > case.position.line
    cheat = type(case)(case.name, later.type, (later.name,), case.requires, case.position)
    evaluation, _ = evaluate(tiny.retriever, [cheat], PremiseIndex(tiny.corpus), "test")
    assert evaluation.ceiling == 0
    assert all(r.recall_at_100 == 0 and r.mrr == 0 for r in evaluation.results)


def test_tuning_scores_each_fusion_and_refuses_the_test_split(tiny: Tiny) -> None:
    cases = cases_from_extraction(tiny.data, "valid")
    index = PremiseIndex(tiny.corpus)
    grid = [Fusion(1.0, 0.0, 0.0, 0.0), Fusion(1.0, 1.0, 1.0, 1.0)]
    scored = tune_fusion(tiny.retriever, cases, index, "valid", grid)
    assert {f for f, _ in scored} == set(grid)
    assert scored[0][1].recall_at_10 >= scored[1][1].recall_at_10
    evaluation, _ = evaluate(tiny.retriever, cases, index, "valid")
    # a fusion that weighs BM25 alone ranks exactly as BM25
    bm25_only = next(r for f, r in scored if f == grid[0])
    assert bm25_only.recall_at_10 == pytest.approx(evaluation.result("bm25").recall_at_10)
    with pytest.raises(ConfigError, match="tune on --split valid"):
        tune_fusion(tiny.retriever, cases, index, "test", grid)


def test_nearby_signal_uses_only_what_precedes(tiny: Tiny) -> None:
    retriever = tiny.retriever
    theorem = next(r for r in tiny.records if r.module == "Coq.Arith.Between" and r.line > 100)
    position = Position(theorem.module, theorem.line)
    rankings = retriever.rankings("between", 50, None, None, position)
    lines = [retriever.premises[i].line for i in rankings.nearby.tolist()]
    assert lines and all(0 < a < theorem.line for a in lines)
    assert lines == sorted(lines, reverse=True)
    assert np.all(rankings.bm25[:-1] != rankings.bm25[1:])


def test_retrieve_command_prints_premises_and_json(tiny: Tiny) -> None:
    result = runner.invoke(app, ["retrieve", "--index", str(tiny.index), "forall n : nat, n = n + 0", "-k", "3",
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3 and {"name", "score", "kind", "type"} <= set(rows[0])
    plain = runner.invoke(app, ["retrieve", "--index", str(tiny.index), "-", "--method", "bm25"], input="S n = n + 1\n")
    assert plain.exit_code == 0, plain.output
    assert "Coq." in plain.stdout


def test_retrieve_command_restricts_to_a_theorems_accessible_premises(tiny: Tiny) -> None:
    theorem = min((r for r in tiny.records if r.module == "Coq.Arith.Between"), key=lambda r: r.line)
    result = runner.invoke(app, ["retrieve", "--index", str(tiny.index), "--data", str(tiny.data),
                                 "--theorem", theorem.qualified_name, "-k", "500", "--json"])
    assert result.exit_code == 0, result.output
    names = {json.loads(line)["name"] for line in result.stdout.splitlines()}
    lines = {p.name: p.line for p in tiny.corpus}
    own = [n for n in names if n.startswith("Coq.Arith.Between.")]
    assert names and all(0 < lines[n] < theorem.line for n in own)
    assert any(p.module == "Coq.Arith.Between" and p.line > theorem.line for p in tiny.corpus)


def test_retrieve_command_bad_input_exits_2_with_the_fix(tiny: Tiny, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["retrieve", "--index", str(tmp_path / "nope"), "n = n"])
    assert missing.exit_code == 2 and "retrieval-build" in _said(missing)
    no_goal = runner.invoke(app, ["retrieve", "--index", str(tiny.index)])
    assert no_goal.exit_code == 2 and "give the goal" in _said(no_goal)
    method = runner.invoke(app, ["retrieve", "--index", str(tiny.index), "n = n", "--method", "tfidf"])
    assert method.exit_code == 2 and "bm25, dense, hybrid" in _said(method)
    no_data = runner.invoke(app, ["retrieve", "--index", str(tiny.index), "--theorem", "x"])
    assert no_data.exit_code == 2 and "--data" in _said(no_data)
    unknown = runner.invoke(app, ["retrieve", "--index", str(tiny.index), "--data", str(tiny.data),
                                  "--theorem", "no_such_theorem"])
    assert unknown.exit_code == 2 and "no theorem 'no_such_theorem'" in _said(unknown)


def test_eval_command_prints_every_method_and_the_gain_over_bm25(tiny: Tiny) -> None:
    result = runner.invoke(app, ["retrieval-eval", "--data", str(tiny.data), "--index", str(tiny.index)])
    assert result.exit_code == 0, result.output
    assert "loaded from" in result.stdout and "embedding model loaded in" in result.stdout
    for word in ("bm25", "dense", "hybrid", "R@1", "R@10", "R@100", "MRR", "vs BM25"):
        assert word in result.stdout
    as_json = runner.invoke(app, ["retrieval-eval", "--data", str(tiny.data), "--index", str(tiny.index),
                                  "--split", "valid", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["split"] == "valid" and [r["method"] for r in data["results"]] == list(METHODS)
    assert data["index_seconds"] >= 0 and data["model_seconds"] >= 0


def test_eval_command_bad_input_exits_2(tiny: Tiny, tmp_path: Path) -> None:
    tuned = runner.invoke(app, ["retrieval-eval", "--data", str(tiny.data), "--index", str(tiny.index), "--tune"])
    assert tuned.exit_code == 2 and "--split valid" in _said(tuned)
    split = runner.invoke(app, ["retrieval-eval", "--data", str(tiny.data), "--index", str(tiny.index),
                                "--split", "dev"])
    assert split.exit_code == 2 and "unknown split 'dev'" in _said(split)
    empty = runner.invoke(app, ["retrieval-eval", "--data", str(tiny.data), "--index", str(tiny.index),
                                "--split", "train"])
    assert empty.exit_code == 2 and "no train theorem" in _said(empty)
    nothing = runner.invoke(app, ["retrieval-eval", "--data", str(tmp_path), "--index", str(tmp_path / "index")])
    assert nothing.exit_code == 2 and "missing" in _said(nothing)


def test_build_command_writes_an_index_that_the_others_load(tiny: Tiny, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("theorems.jsonl", "files.jsonl"):
        shutil.copy(tiny.data / name, data / name)
    small = [p for p in tiny.corpus if p.module == "Coq.Arith.Between"]
    write_corpus(data / "premises.jsonl", small)
    out = tmp_path / "index"
    built = runner.invoke(app, ["retrieval-build", "--data", str(data), "--out", str(out)])
    assert built.exit_code == 0, built.output
    assert f"indexed {len(small)} premises" in built.stdout
    found = runner.invoke(app, ["retrieve", "--index", str(out), "between k l", "-k", "2", "--json"])
    assert found.exit_code == 0, found.output
    assert all(json.loads(line)["name"].startswith("Coq.Arith.Between.") for line in found.stdout.splitlines())
    other = runner.invoke(app, ["retrieval-eval", "--data", str(data), "--index", str(tiny.index), "--split", "valid"])
    assert other.exit_code == 2 and "indexes another corpus" in _said(other)
    bad = runner.invoke(app, ["retrieval-build", "--data", str(tmp_path / "nope"), "--out", str(out)])
    assert bad.exit_code == 2 and "is missing: run `prover extract coq" in _said(bad)
