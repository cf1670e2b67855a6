"""Splits by file: deterministic, one split per file, ratios respected, manifests round-trip."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from prover.data.records import TheoremRecord
from prover.data.splits import (
    SPLITS,
    SplitManifest,
    apply_split,
    committed_manifest,
    make_manifest,
    read_manifest,
    split_of,
    write_manifest,
)
from prover.errors import ConfigError

PATHS = [f"Dir{i % 37}/File{i}.v" for i in range(10_000)]


def _theorem(file: str, library: str = "stdlib") -> TheoremRecord:
    return TheoremRecord(
        backend="coq", library=library, name="t", qualified_name=f"Coq.{file}.t", module="M", file=file,
        line=1, offset=0, statement="Lemma t : True.", context=(), proof=("Proof.", "exact I.", "Qed."),
        steps=(), replayed=True,
    )


def test_split_is_a_pure_function_of_library_and_path() -> None:
    assert [split_of("stdlib", p) for p in PATHS[:200]] == [split_of("stdlib", p) for p in PATHS[:200]]
    # pinned values: sha256 gives the same answer on every machine and Python version
    assert split_of("stdlib", "Arith/Even.v") == "test"
    assert split_of("stdlib", "Arith/Compare.v") == "valid"
    assert split_of("stdlib", "Arith/Between.v") == "train"
    # the library name takes part: another library splits the same paths differently
    assert [split_of("a", p) for p in PATHS[:100]] != [split_of("b", p) for p in PATHS[:100]]


def test_ratios_are_roughly_respected() -> None:
    for ratios in ((0.8, 0.1, 0.1), (0.5, 0.25, 0.25), (0.9, 0.0, 0.1)):
        counts = Counter(split_of("lib", p, ratios) for p in PATHS)
        for name, ratio in zip(SPLITS, ratios, strict=True):
            assert abs(counts[name] / len(PATHS) - ratio) < 0.02, (ratios, counts)
    assert {split_of("lib", p, (1.0, 0.0, 0.0)) for p in PATHS[:500]} == {"train"}


@pytest.mark.parametrize("ratios", [(0.8, 0.1), (0.8, 0.3, 0.1), (1.1, -0.1, 0.0)])
def test_bad_ratios_are_refused(ratios: tuple[float, ...]) -> None:
    with pytest.raises(ConfigError, match="ratios"):
        split_of("lib", "A.v", ratios)  # type: ignore[arg-type]


def test_manifest_puts_each_file_in_exactly_one_split(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "splits.json", "lib", [*PATHS[:300], *PATHS[:10]])
    paths = [p for p, _ in manifest.files]
    assert paths == sorted(set(PATHS[:300]))  # sorted, each file once
    assert all(split == split_of("lib", path) for path, split in manifest.files)
    assert sum(manifest.counts().values()) == 300


def test_manifest_round_trips_through_json(tmp_path: Path) -> None:
    written = write_manifest(tmp_path / "m" / "splits.json", "lib", PATHS[:50], (0.6, 0.2, 0.2))
    read = read_manifest(tmp_path / "m" / "splits.json")
    assert read == written
    assert isinstance(read, SplitManifest) and read.ratios == (0.6, 0.2, 0.2)


def test_reading_a_broken_manifest_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"library": "x"}')
    with pytest.raises(ConfigError, match="not a split manifest"):
        read_manifest(bad)
    bad.write_text('{"library": "x", "ratios": [0.8, 0.1, 0.1], "files": {"A.v": "dev"}}')
    with pytest.raises(ConfigError, match="unknown split"):
        read_manifest(bad)
    with pytest.raises(ConfigError, match="not a split manifest"):
        read_manifest(tmp_path / "missing.json")


def test_apply_split_sets_each_theorem_split_by_its_file() -> None:
    manifest = SplitManifest("stdlib", (0.8, 0.1, 0.1), (("A.v", "test"), ("B.v", "valid")))
    records = [_theorem("A.v"), _theorem("B.v"), _theorem("C.v")]
    splits = [r.split for r in apply_split(records, manifest)]
    assert splits == ["test", "valid", split_of("stdlib", "C.v")]  # unlisted files: by hash
    with pytest.raises(ConfigError, match="library"):
        list(apply_split([_theorem("A.v", library="mathcomp")], manifest))


@pytest.mark.parametrize(
    ("dataset", "library", "files"), [("coq-stdlib", "stdlib", 562), ("coq-mathcomp", "mathcomp", 91)]
)
def test_committed_manifests_match_split_of(dataset: str, library: str, files: int) -> None:
    manifest = committed_manifest(dataset)
    assert manifest is not None and manifest.library == library and len(manifest.files) == files
    assert manifest == make_manifest(library, [p for p, _ in manifest.files])
    assert committed_manifest("no-such-dataset") is None
