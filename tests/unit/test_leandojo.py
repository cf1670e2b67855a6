"""LeanDojo Benchmark 4 import on a project-written sample in its real layout (tests/fixtures/benchmarks/leandojo4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prover.data.leandojo import import_leandojo, lean_module, parse_lean_goals, store_import
from prover.data.loader import load_pairs, load_records, load_theorems
from prover.data.premises import PremiseIndex, read_corpus
from prover.data.records import GoalRecord, read_files
from prover.errors import ConfigError
from prover.store import open_store

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks" / "leandojo4"
REPO = SAMPLE.parent / "leandojo4-repo"


def test_goal_parsing() -> None:
    assert parse_lean_goals("no goals") == ()
    assert parse_lean_goals("a b : ℕ\n⊢ 2 * (a + b) = 2 * a + 2 * b") == (
        GoalRecord(("a b : ℕ",), "2 * (a + b) = 2 * a + 2 * b"),)
    two = parse_lean_goals("case fst\nx : ℕ\nh :\n  x = 1 ∧\n    x < 2\n⊢ x = 1\n\ncase snd\nx : ℕ\n⊢ x < 2")
    assert two == (GoalRecord(("x : ℕ", "h :\n  x = 1 ∧\n    x < 2"), "x = 1"), GoalRecord(("x : ℕ",), "x < 2"))
    assert parse_lean_goals("⊢ True") == (GoalRecord((), "True"),)


def test_module_names() -> None:
    assert lean_module("Mathlib/Algebra/Group/Defs.lean") == "Mathlib.Algebra.Group.Defs"
    assert lean_module(".lake/packages/std/Std/Data/List.lean") == "Std.Data.List"
    assert lean_module("lake-packages/std/Std/Data/List.lean") == "Std.Data.List"
    assert lean_module(".lake/packages/lean4/src/lean/Init/Core.lean") == "Init.Core"


def test_import_without_checkout(tmp_path: Path) -> None:
    summary = import_leandojo(SAMPLE, tmp_path)
    assert (summary.theorems, summary.with_statement, summary.steps, summary.files, summary.premises) == (3, 0, 5, 1, 4)
    records = {r.qualified_name: r for r in load_records(tmp_path)}
    double = records["Demo.double_add"]
    assert (double.backend, double.library, double.name, double.module) == ("lean", "demo-mathlib", "double_add",
                                                                          "Mathlib.Demo.Basic")
    assert double.split == "train" and double.line == 6 and double.statement == "" and double.replayed
    assert double.premises == ("Nat.mul_add",)
    (step,) = double.steps
    assert step.tactic == "rw [Nat.mul_add]" and step.after == ()
    assert step.before == (GoalRecord(("a b : ℕ",), "2 * (a + b) = 2 * a + 2 * b"),)
    assert records["Demo.le_double"].split == "valid"  # LeanDojo's `val`
    ext = records["Demo.pair_ext"].steps[0]
    assert len(ext.after) == 2 and ext.after[1].conclusion == "(p.1, p.1).2 = p.2"
    # (state, tactic) pairs for policies, split by LeanDojo's own splits
    pairs = list(load_pairs(tmp_path, "test"))
    assert [tactic for _, tactic in pairs] == ["ext", "rfl", "exact h"]
    assert pairs[1][0].goals[0].hypotheses == ("α : Type", "p : α × α", "h : p.1 = p.2")
    # premises, with accessibility from the files' transitive imports, for retrieval
    corpus = read_corpus(tmp_path / "premises.jsonl")
    kinds = {p.name: (p.kind, p.module, p.line) for p in corpus}
    assert kinds["Nat.mul_add"] == ("theorem", "Init", 40)
    assert kinds["Demo.twice"] == ("definition", "Mathlib.Demo.Defs", 5)
    (file,) = read_files(tmp_path / "files.jsonl")
    assert file.requires == ("Init", "Mathlib.Demo.Defs", "Mathlib.Init") and file.source == ""
    visible = PremiseIndex(corpus).accessible(file.requires, file.module, records["Demo.le_double"].line)
    assert {"Nat.mul_add", "Demo.twice", "Demo.double_add"} <= visible and "Demo.le_double" not in visible


def test_import_with_checkout_reads_statements_and_contexts(tmp_path: Path) -> None:
    summary = import_leandojo(SAMPLE, tmp_path, repo_dir=REPO)
    assert summary.with_statement == 3
    theorems = {t.name: t for t in load_theorems(tmp_path)}
    double = theorems["double_add"]
    assert double.statement == "theorem double_add (a b : ℕ) : 2 * (a + b) = 2 * a + 2 * b :="
    assert double.gold_proof == "by\n  rw [Nat.mul_add]"
    assert double.header.startswith("import Mathlib.Demo.Defs\n\nnamespace Demo") and "Doubling" in double.header
    assert double.backend == "lean" and double.split == "train" and double.module == "Mathlib.Demo.Basic"
    pair = theorems["pair_ext"]
    assert pair.statement == "theorem pair_ext {α : Type} (p : α × α) (h : p.1 = p.2) :\n    (p.1, p.1) = p :="
    assert pair.gold_proof == "by\n  ext\n  · rfl\n  · exact h"
    novel = {r.name: r.split for r in load_records(import_leandojo(SAMPLE, tmp_path / "n", "novel_premises").out_dir)}
    assert novel == {"le_double": "train", "pair_ext": "train", "double_add": "test"}


def test_store_import(tmp_path: Path) -> None:
    import_leandojo(SAMPLE, tmp_path / "out", repo_dir=REPO)
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        store.migrate()
        added = store_import(store, tmp_path / "out")
        assert added == {"test": 1, "train": 1, "valid": 1, "premises": 4}
        again = store_import(store, tmp_path / "out")
        assert again["premises"] == 0  # idempotent
        assert {p.name for p in store.premises("Mathlib.Demo.Basic")} == {"Demo.double_add", "Demo.le_double"}


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown split strategy 'by_file'"):
        import_leandojo(SAMPLE, tmp_path, "by_file")
    with pytest.raises(ConfigError, match="not a directory: give the unpacked leandojo_benchmark_4"):
        import_leandojo(tmp_path / "nowhere", tmp_path / "out")
    broken = tmp_path / "bench"
    shutil.copytree(SAMPLE, broken)
    (broken / "corpus.jsonl").unlink()
    with pytest.raises(ConfigError, match="corpus.jsonl is missing"):
        import_leandojo(broken, tmp_path / "out")
    shutil.copy(SAMPLE / "corpus.jsonl", broken / "corpus.jsonl")
    data = json.loads((broken / "random" / "val.json").read_text(encoding="utf-8"))
    del data[0]["traced_tactics"][0]["state_before"]
    (broken / "random" / "val.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"val.json\[0\].traced_tactics\[0\]: field 'state_before' is missing"):
        import_leandojo(broken, tmp_path / "out")
    (broken / "random" / "val.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold a list of theorems"):
        import_leandojo(broken, tmp_path / "out")
    with pytest.raises(ConfigError, match="give the checkout"):
        import_leandojo(SAMPLE, tmp_path / "out", repo_dir=tmp_path / "no-checkout")
