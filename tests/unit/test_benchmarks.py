"""Benchmark loaders on project-written samples in the real formats (tests/fixtures/benchmarks/),
and on the real samples in ../shared/samples when present."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.data.benchmarks import (
    BENCHMARK_LOADERS,
    load_fstar_dataset,
    load_minif2f_lean4,
    load_minif2f_rocq,
    load_proofnet,
    normalize_split,
)
from prover.errors import ConfigError
from prover.run.benchmarks import load_benchmark

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "samples"


def test_registry_names() -> None:
    assert set(BENCHMARK_LOADERS) == {"minif2f-lean4", "minif2f-rocq", "proofnet", "fstar-dataset"}
    with pytest.raises(ConfigError, match="unknown benchmark 'putnam'; known: "):
        load_benchmark("putnam", path=SAMPLES)


def test_split_names() -> None:
    assert [normalize_split(s) for s in ("Valid", "validation", "val", "Test", "train", None)] == \
        ["valid", "valid", "valid", "test", "train", None]


def test_minif2f_lean4_jsonl() -> None:
    every = load_minif2f_lean4(SAMPLES / "minif2f-lean4-jsonl" / "minif2f.jsonl")
    assert [t.name for t in every] == ["mathd_algebra_9001", "mathd_numbertheory_9002", "amc12_9003"]
    first = every[0]
    assert first.backend == "lean" and first.split == "valid"
    assert first.statement == "theorem mathd_algebra_9001 (x : ℝ) (h₀ : 3 * x + 2 = 11) : x = 3 := by"
    assert first.header.startswith("import Mathlib\nimport Aesop") and first.header.endswith("Rat")
    assert first.informal == "If $3x + 2 = 11$, show that $x = 3$."
    assert first.source == "minif2f-lean4:mathd_algebra_9001"
    tests = load_benchmark("minif2f-lean4", "test", SAMPLES / "minif2f-lean4-jsonl")  # a folder of .jsonl
    assert {t.name for t in tests.theorems} == {"mathd_numbertheory_9002", "amc12_9003"}


def test_minif2f_lean4_one_file_per_problem() -> None:
    every = load_minif2f_lean4(SAMPLES / "minif2f-lean4")
    by_name = {t.name: t for t in every}
    assert set(by_name) == {"mathd_numbertheory_9002", "mathd_algebra_9001"}
    short = by_name["mathd_numbertheory_9002"]
    assert short.split == "test" and short.statement == "theorem mathd_numbertheory_9002 : 2 ^ 10 % 7 = 2 := by"
    assert short.header == "import Mathlib\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat"
    long = by_name["mathd_algebra_9001"]
    assert long.split == "valid" and long.statement.endswith("x = 3 := by") and "sorry" not in long.statement
    # the jsonl and the file layouts state the same theorem the same way, up to layout
    jsonl = {t.name: t for t in load_minif2f_lean4(SAMPLES / "minif2f-lean4-jsonl")}
    assert " ".join(long.statement.split()) == " ".join(jsonl["mathd_algebra_9001"].statement.split())
    assert [t.name for t in load_minif2f_lean4(SAMPLES / "minif2f-lean4", "valid")] == ["mathd_algebra_9001"]


def test_proofnet() -> None:
    every = load_proofnet(SAMPLES / "proofnet" / "proofnet.jsonl")
    assert [(t.name, t.split) for t in every] == [("exercise_9001", "valid"), ("exercise_9002", "test")]
    assert every[1].statement.endswith("a * b = b * a :=")
    assert every[1].informal == "Prove that a group in which every element is its own inverse is abelian."
    assert [t.name for t in load_proofnet(SAMPLES / "proofnet", "validation")] == ["exercise_9001"]


def test_minif2f_rocq() -> None:
    every = load_minif2f_rocq(SAMPLES / "minif2f-rocq")
    by_name = {t.name: t for t in every}
    assert set(by_name) == {"mathd_numbertheory_9002", "mathd_algebra_9004", "amc12_9003", "induction_9005"}
    algebra = by_name["mathd_algebra_9004"]  # a bare `Proof.` at the end of the file
    assert algebra.backend == "coq" and algebra.split == "test" and algebra.gold_proof is None
    assert algebra.statement.startswith("Theorem mathd_algebra_9004 :") and algebra.statement.endswith("x = 3.")
    assert algebra.header == "Require Import ZArith.\nRequire Import Lia.\nOpen Scope Z_scope."
    assert algebra.source is not None and algebra.source.startswith("minif2f-rocq:test/mathd_algebra_9004.v:")
    assert by_name["amc12_9003"].gold_proof is None  # `Admitted.` is no gold proof
    gold = by_name["induction_9005"].gold_proof
    assert gold is not None and gold.startswith("Proof.") and gold.endswith("Qed.")
    assert {t.name for t in load_minif2f_rocq(SAMPLES / "minif2f-rocq", "valid")} == {"amc12_9003", "induction_9005"}


def test_fstar_dataset() -> None:
    every = load_fstar_dataset(SAMPLES / "fstar-dataset")
    assert [(t.name, t.split) for t in every] == [("sum_lemma", "test"), ("double", "test"), ("length_append", "train")]
    lemma = every[0]
    assert lemma.backend == "fstar" and lemma.module == "Demo.Sum"
    assert lemma.statement.startswith("val sum_lemma : n:nat -> Lemma")
    assert lemma.gold_proof is not None and lemma.gold_proof.startswith("let rec sum_lemma n =")
    lines = lemma.header.splitlines()
    assert lines[:3] == ["open Prims", "open FStar.Pervasives", "open FStar.Mul"]  # outermost first
    assert "module L = FStar.List.Tot" in lines
    assert lines[-1].startswith('#push-options "--initial_fuel 2 --max_fuel 8 --initial_ifuel 1 --max_ifuel 2 '
                                '--z3rlimit 20 --z3rlimit_factor 1 --z3seed 0')
    assert lemma.source == "fstar-dataset:Demo.Sum.fst:Demo.Sum.sum_lemma"
    no_val = every[1]
    assert no_val.statement == "" and "#push-options" not in no_val.header  # `<UNK>` type, null vconfig
    assert [t.name for t in load_fstar_dataset(SAMPLES / "fstar-dataset" / "train.json")] == ["length_append"]


def test_fstar_dataset_jsonl_with_split_field(tmp_path: Path) -> None:
    record = json.loads((SAMPLES / "fstar-dataset" / "test.json").read_text(encoding="utf-8"))[0]
    (tmp_path / "all.jsonl").write_text(json.dumps({**record, "split": "validation"}) + "\n", encoding="utf-8")
    (theorem,) = load_fstar_dataset(tmp_path / "all.jsonl", "valid")
    assert theorem.split == "valid"


def test_hub_paths_need_the_datasets_library() -> None:
    try:
        import datasets
    except ImportError:
        datasets = None
    if hasattr(datasets, "load_dataset"):
        pytest.skip("the `datasets` library is installed; tests never contact the Hub")
    for loader in (load_minif2f_lean4, load_proofnet, load_fstar_dataset):
        with pytest.raises(ConfigError, match="pip install datasets.*local path"):
            loader("hf://cat-searcher/minif2f-lean4", "test")
        with pytest.raises(ConfigError, match="pip install datasets"):
            loader(Path("hf://cat-searcher/minif2f-lean4"), None)
    with pytest.raises(ConfigError, match="local clone"):
        load_minif2f_rocq("hf://some/minif2f-rocq")


@pytest.mark.parametrize("name", sorted(BENCHMARK_LOADERS))
def test_a_missing_path_says_what_to_pass(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist: give the path of a local copy"):
        BENCHMARK_LOADERS[name](tmp_path / "nowhere", None)


def test_malformed_inputs_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "x", "split": "test"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.jsonl:1: field 'formal_statement' is missing"):
        load_minif2f_lean4(bad)
    bad.write_text('{"name": "x", "formal_statement": 3}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'formal_statement' is a int; expected a str"):
        load_proofnet(bad)
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.jsonl:1: not a JSON record"):
        load_proofnet(bad)
    with pytest.raises(ConfigError, match="has no problems of split 'train' \\(its splits: test, valid\\)"):
        load_proofnet(SAMPLES / "proofnet", "train")
    blob = tmp_path / "defs.json"
    blob.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="holds a JSON dict, not a list"):
        load_fstar_dataset(blob)
    blob.write_text('[{"name": "M.x", "source_type": "val x : int"}]', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"defs.json\[0\]: field 'source_definition' is missing"):
        load_fstar_dataset(blob)
    (tmp_path / "files" / "Test").mkdir(parents=True)
    (tmp_path / "files" / "Test" / "p.lean").write_text("import Mathlib\n\ntheorem p : 1 = 1 := rfl\n",
                                                        encoding="utf-8")
    with pytest.raises(ConfigError, match="does not end in `:= by sorry`"):
        load_minif2f_lean4(tmp_path / "files")


def test_rocq_layout_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no test/ or valid/ folder"):
        load_minif2f_rocq(tmp_path)
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "p1.v").write_text("Require Import Arith.\nLemma a : True.\nLemma b : True.\n",
                                            encoding="utf-8")
    with pytest.raises(ConfigError, match="declares no theorem named 'p1' \\(found: a, b\\)"):
        load_minif2f_rocq(tmp_path)


def test_real_samples_in_shared() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the real benchmark samples live beside the project, not in it)")
    minif2f = load_minif2f_lean4(SHARED / "minif2f-lean4" / "minif2f.sample.jsonl")
    assert len(minif2f) == 10 and all(t.statement.startswith("theorem ") for t in minif2f)
    assert all(t.statement.endswith(":= by") and t.header.startswith("import Mathlib") for t in minif2f)
    assert {t.split for t in minif2f} <= {"valid", "test"} and all(t.informal for t in minif2f)
    files = load_minif2f_lean4(SHARED / "minif2f-lean4")  # the folder has a .jsonl, which wins
    assert len(files) == 10
    per_file = [t for f in sorted((SHARED / "minif2f-lean4").glob("*.lean"))
                for t in load_minif2f_lean4(_single(f))]
    assert [t.name for t in per_file] == ["aime_1983_p1", "aime_1983_p2"]
    assert all(t.statement.endswith(":= by") and "sorry" not in t.statement for t in per_file)
    proofnet = load_proofnet(SHARED / "proofnet" / "proofnet.sample.jsonl")
    assert len(proofnet) == 10 and {t.split for t in proofnet} == {"valid", "test"}
    assert all(t.statement.rstrip().endswith(":=") for t in proofnet)


def _single(file: Path) -> Path:
    """A folder holding only `file`, under Test/ (the one-file layout)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="minif2f-")) / "Test"
    folder.mkdir()
    (folder / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    return folder.parent
