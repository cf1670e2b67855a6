"""Extract datasets (theorems, proof steps with goals, premises) from libraries.

Each source file is replayed in its own Ray task and written as soon as it is done:
an interrupted run resumes where it stopped when run again with the same --out.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prover.cli.common import console, reported_errors
from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.data.coq import Library
    from prover.data.coverage import PremiseCoverage

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

_OUTPUTS = ("theorems.jsonl", "files.jsonl", "premises.jsonl", "summary.json", "splits.json")


@app.command("coq")
def coq(
    library: Annotated[str, typer.Option(
        "--library", "-l",
        help="`stdlib` (the installed Coq standard library), `mathcomp` (installed Mathematical "
             "Components), or a directory of .v files (then give --prefix).")],
    prefix: Annotated[str | None, typer.Option(
        help="The logical name a --library DIR is bound to (as in `-R DIR PREFIX`); also the dataset's "
             "library name.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output directory (default: out/extract/LIBRARY). Running again into it skips the files "
             "already extracted and retries the failed ones.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Files extracted at once (default: every core, or every CPU of the --address cluster).")] = None,
    address: Annotated[str | None, typer.Option(
        help="A running Ray cluster to use (`ray start --head` prints it; `auto` finds a local one). "
             "Default: a local Ray started for this run. Every node needs Coq, the library and prover.")] = None,
    files: Annotated[str | None, typer.Option(
        "--files", help="Only files whose path relative to the library root matches this glob "
                        "(`Arith/*.v`; `*` also matches `/`).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N files (sorted by path).")] = None,
    file_timeout: Annotated[float, typer.Option(
        min=1, help="Seconds one file may take; a file still running then is stopped and retried.")] = 600.0,
    retries: Annotated[int, typer.Option(
        min=0, help="Retries for a file that timed out, raised, or whose worker died.")] = 1,
    premises: Annotated[bool, typer.Option(
        help="Also build the premise corpus (premises.jsonl: every constant the theorems may use) "
             "and report how many test-split theorems find their gold premises in it.")] = True,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the summary as one JSON object (no progress bar).")] = False,
) -> None:
    """Extract a Coq library: a record per theorem, its proof traced step by step.

    Writes into --out:
      theorems.jsonl   one theorem per line: statement, steps with goals, premises
      files.jsonl      one file per line: its text and the flags that load it
      splits.json      train/valid/test by file: the committed manifest for
                       stdlib and mathcomp, by hash of the path for a DIR
      premises.jsonl   every constant its theorems may use (name, type, kind, file, line)
      summary.json     counts, and the failed files by reason
      files/ failed/   one output per file, kept for resuming

    Exit code 0 when the job ran to its end, even if some files failed (the
    summary counts them); 2 on bad input (unknown library, missing directory).
    """
    with reported_errors():
        from prover.data.coq import library as find_library
        from prover.data.jobs import run_extraction
        from prover.data.splits import committed_manifest, make_manifest, save_manifest

        lib = find_library(library, prefix)
        selected = _select(lib.files(), files, limit)
        if not selected:
            raise ConfigError(f"no .v file of {lib.root} matches --files {files!r}" if files
                              else f"{lib.root} holds no .v files")
        target = out if out is not None else Path("out/extract") / lib.name
        manifest = committed_manifest(f"coq-{lib.name}") if prefix is None else None
        manifest = manifest or make_manifest(lib.name, lib.files())
        target.mkdir(parents=True, exist_ok=True)
        save_manifest(target / "splits.json", manifest)
        summary = run_extraction(lib, target, files=selected, workers=workers, address=address,
                                 file_timeout=file_timeout, retries=retries, progress=not as_json,
                                 splits=manifest)
        coverage = _premises(lib, target, quiet=as_json) if premises else None
    if as_json:
        outputs = {name: str(target / name) for name in _OUTPUTS}
        extra = {"premise_coverage": asdict(coverage)} if coverage is not None else {}
        print(json.dumps({"library": lib.name, "out": str(target), "outputs": outputs, **asdict(summary), **extra}))
    else:
        if coverage is not None:
            for line in coverage.lines():
                console.print(line, highlight=False)
        console.print(f"outputs in {target}/: {', '.join(_OUTPUTS)}", highlight=False)
    raise typer.Exit(0)


def _premises(lib: Library, target: Path, quiet: bool) -> PremiseCoverage:
    """Build the premise corpus next to the extraction and measure test-split coverage."""
    from prover.data.coq import library_corpus
    from prover.data.coverage import coverage_of_extraction
    from prover.data.premises import write_corpus
    from prover.data.records import read_files, read_theorems

    required = {m for f in read_files(target / "files.jsonl") for m in f.requires}
    say = None if quiet else (lambda line: console.print(f"premises: {line}", highlight=False))
    corpus = library_corpus(lib, required, progress=say, extracted=read_theorems(target / "theorems.jsonl"))
    write_corpus(target / "premises.jsonl", corpus)
    return coverage_of_extraction(target, split="test")


def _select(paths: list[str], pattern: str | None, limit: int | None) -> list[str]:
    chosen = sorted(p for p in paths if pattern is None or fnmatch.fnmatchcase(p, pattern))
    return chosen[:limit] if limit is not None else chosen
