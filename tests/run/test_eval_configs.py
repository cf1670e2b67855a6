"""Evaluating a searching prover config whose k-NN index is a relative path: the driver makes
it absolute, so Ray workers (whose working directory is not the user's) read the same index."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from prover.cli.main import app
from prover.run.driver import EvalSpec, run_eval
from prover.run.summary import summarize
from prover.store import open_store
from tests.conftest import needs_coq
from tests.search.training import build_training_index

pytestmark = needs_coq

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "small.v"

CONFIG = """
name = "knn-search"
[search]
kind = "best_first"
max_expansions = 20
per_tactic_seconds = 1.0
[[policies]]
kind = "automation"
k = 32
[[policies]]
kind = "knn"
k = 4
index = "indexes/knn"
"""


def test_knn_build_then_eval_a_search_config_on_ray(tmp_path: Path, sqlite_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = build_training_index(tmp_path / "train")[0].parent / "data"
    out = tmp_path / "indexes" / "knn"
    built = CliRunner().invoke(app, ["knn-build", "--data", str(data), "--out", str(out), "--split", "all"])
    assert built.exit_code == 0 and "26 all pairs" in built.output, built.output
    (tmp_path / "knn-search.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    with open_store(sqlite_url) as store:
        store.migrate()
        run_id = run_eval(EvalSpec(benchmark="coq-files", path=str(SMALL), limit=None, prover="knn-search.toml",
                                   budget_seconds=10.0, workers=2), store)
        summary = summarize(store, run_id)
        assert (summary.total, summary.error) == (8, 0)
        assert summary.solved >= 5  # at least what the portfolio alone proves
        assert str(tmp_path / "indexes" / "knn") in store.run(run_id).config_json


def test_knn_build_without_an_extraction_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["knn-build", "--data", str(tmp_path), "--out", str(tmp_path / "k")])
    assert result.exit_code == 2 and "prover extract coq" in result.output
