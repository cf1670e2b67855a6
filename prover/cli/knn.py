"""`prover knn-build`: the k-NN tactic index (Tactician-style) from an extraction's training split."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from prover.cli.common import console, reported_errors
from prover.cli.retrieve import DataOption
from prover.errors import ConfigError


def knn_build(
    data: DataOption = Path("out/extract/stdlib"),
    out: Annotated[Path, typer.Option(help="Directory to write the index to.")] = Path("out/knn/coq-stdlib"),
    split: Annotated[str, typer.Option(help="The split whose (state, tactic) pairs are indexed; `all` for every one.")]
        = "train",
) -> None:
    """Index the (goal, tactic) pairs of an extraction's split for the `knn` policy (seconds).

    The defaults are where `prover extract coq --library stdlib` writes and where the `default-cpu`
    prover config (eval/default-cpu.toml) reads.
    """
    with reported_errors():
        from prover.data.loader import load_pairs
        from prover.policies.knn import build_index

        if not (data / "theorems.jsonl").is_file():
            raise ConfigError(f"{data} holds no theorems.jsonl: run `prover extract coq --library stdlib` first "
                              "(or pass --data DIR, the --out of an extraction)")
        started = time.monotonic()
        info = build_index(load_pairs(data, None if split == "all" else split), out)
        console.print(f"k-NN index: {info.pairs} {split} pairs ({info.skipped} skipped) in {info.directory}, "
                      f"{time.monotonic() - started:.1f} s", highlight=False)
