"""Premise retrieval: build the index of an extraction's premise corpus, query it, measure it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from prover.cli.common import console, read_text_option, reported_errors
from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.data.premises import Premise
    from prover.retrieval.evaluate import Evaluation
    from prover.retrieval.index import Method, PremiseRetriever
    from prover.retrieval.signals import Position

IndexOption = Annotated[Path, typer.Option(
    "--index", help="A premise index directory, as `prover retrieval-build` writes it.")]
DataOption = Annotated[Path, typer.Option(
    "--data", help="An extraction directory (`prover extract coq --out DIR`): premises.jsonl, theorems.jsonl, "
                   "files.jsonl.")]
MethodOption = Annotated[str, typer.Option(help="bm25, dense or hybrid (their rank fusion).")]


def build_index(
    data: DataOption,
    out: Annotated[Path, typer.Option(help="Directory to write the index to (replaced if it holds one).")]
        = Path("out/retrieval"),
) -> None:
    """Index the premise corpus of an extraction for `prover retrieve` (embeds every premise:
    minutes for the standard library on two cores; done once)."""
    with reported_errors():
        from prover.retrieval.index import PremiseRetriever

        started = time.monotonic()
        retriever = PremiseRetriever.build(_corpus(data), progress=True)
        retriever.save(out)
    console.print(f"indexed {len(retriever.premises)} premises into {out} in {time.monotonic() - started:.0f} s",
                  highlight=False)


def retrieve(
    goal: Annotated[str | None, typer.Argument(
        help="The goal's text (`-` reads standard input); default with --theorem: its root goal.")] = None,
    index: IndexOption = Path("out/retrieval"),
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="How many premises.")] = 10,
    method: MethodOption = "hybrid",
    theorem: Annotated[str | None, typer.Option(
        help="Only premises accessible to this theorem of --data (qualified or short name).")] = None,
    data: Annotated[Path | None, typer.Option(help="The extraction that --theorem comes from.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per premise, one per line.")] = False,
) -> None:
    """The premises that best match a goal, best first. Exit code 2 on bad input."""
    with reported_errors():
        from prover.retrieval.index import PremiseRetriever

        retriever = PremiseRetriever.load(index)
        accessible, position = None, None
        if theorem is not None:
            if data is None:
                raise ConfigError("--theorem needs --data DIR, the extraction the theorem comes from")
            accessible, position, root_goal = _theorem_context(retriever, data, theorem)
            goal = goal if goal is not None else root_goal
        if goal is None:
            raise ConfigError("give the goal's text (or `-` to read it from standard input), or --theorem and --data")
        found = retriever.retrieve(read_text_option(goal), k, accessible, _method(method), position)
    for premise in found:
        if as_json:
            print(json.dumps(asdict(premise), ensure_ascii=False))
        else:
            console.print(f"{premise.score:9.4f}  {premise.name} : {premise.type}", highlight=False, soft_wrap=True)


def evaluate_retrieval(
    data: DataOption,
    index: Annotated[Path, typer.Option(
        help="Premise index of --data's corpus; built and saved there first when it does not exist "
             "(minutes).")] = Path("out/retrieval"),
    split: Annotated[str, typer.Option(help="Theorems of this split: train, valid or test.")] = "test",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N theorems of the split.")] = None,
    tune: Annotated[bool, typer.Option(
        help="Also score a grid of hybrid fusions (weights of each ranking, RRF constant), best first; "
             "refused on the test split.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Recall@1/10/100 and MRR of the gold premises of a split's theorems, per method, and the
    gain over BM25 alone; each theorem ranks only the premises accessible to it."""
    with reported_errors():
        from prover.data.premises import PremiseIndex
        from prover.retrieval.evaluate import cases_from_extraction, evaluate, tune_fusion

        if split not in ("train", "valid", "test"):
            raise ConfigError(f"unknown split {split!r}: use train, valid or test")
        if tune and split == "test":
            raise ConfigError("tuning on the test split would overstate the hybrid: tune on --split valid")
        cases = cases_from_extraction(data, split, limit)
        started = time.monotonic()
        retriever, how = _open_index(index, data)
        load_seconds = time.monotonic() - started
        retriever.ready()
        model_seconds = time.monotonic() - started - load_seconds
        premise_index = PremiseIndex(retriever.premises)
        result, _ = evaluate(retriever, cases, premise_index, split)
        grid = tune_fusion(retriever, cases, premise_index, split) if tune else []
    if as_json:
        print(json.dumps({"index": how, "index_seconds": round(load_seconds, 2),
                          "model_seconds": round(model_seconds, 2), **asdict(result),
                          "fusions": [{"fusion": asdict(f), **asdict(r)} for f, r in grid]}))
        return
    console.print(f"index {how} in {load_seconds:.1f} s ({len(retriever.premises)} premises); "
                  f"embedding model loaded in {model_seconds:.1f} s", highlight=False)
    _print_evaluation(result)
    for fusion, scored in grid:
        console.print(f"{fusion}: R@1 {scored.recall_at_1:.3f}  R@10 {scored.recall_at_10:.3f}  "
                      f"R@100 {scored.recall_at_100:.3f}  MRR {scored.mrr:.3f}", highlight=False)


def _print_evaluation(result: Evaluation) -> None:
    table = Table(title=f"premise retrieval, {result.split} split: {result.cases} theorems, "
                        f"{result.ceiling:.1%} of gold premises accessible")
    for column in ("method", "R@1", "R@10", "R@100", "MRR", "R@10 vs BM25"):
        table.add_column(column, justify="left" if column == "method" else "right")
    base = next((r for r in result.results if r.method == "bm25"), None)
    for row in result.results:
        gain = f"{row.recall_at_10 - base.recall_at_10:+.3f}" if base is not None else "-"
        table.add_row(row.method, f"{row.recall_at_1:.3f}", f"{row.recall_at_10:.3f}", f"{row.recall_at_100:.3f}",
                      f"{row.mrr:.3f}", gain)
    console.print(table)
    console.print(f"queries: {result.seconds:.1f} s for {result.cases} theorems (embedding, every ranking)",
                  highlight=False)


def _method(name: str) -> Method:
    from prover.retrieval.index import METHODS

    for method in METHODS:
        if name == method:
            return method
    raise ConfigError(f"unknown retrieval method {name!r}: use one of {', '.join(METHODS)}")


def _corpus(data: Path) -> list[Premise]:
    from prover.data.premises import read_corpus

    path = data / "premises.jsonl"
    if not path.is_file():
        raise ConfigError(f"{path} is missing: run `prover extract coq --out {data}` (with premises) first")
    return read_corpus(path)


def _open_index(index: Path, data: Path) -> tuple[PremiseRetriever, str]:
    """The retriever of `data`'s corpus, and how it came: loaded, or built and saved."""
    from prover.retrieval.index import PremiseRetriever

    corpus = _corpus(data)
    if not (index / "meta.json").is_file():
        retriever = PremiseRetriever.build(corpus, progress=True)
        retriever.save(index)
        return retriever, f"built and saved to {index}"
    retriever = PremiseRetriever.load(index)
    if {p.name for p in retriever.premises} != {p.name for p in corpus}:
        raise ConfigError(f"{index} indexes another corpus than {data}/premises.jsonl: rebuild it with "
                          f"`prover retrieval-build --data {data} --out {index}`")
    return retriever, f"loaded from {index}"


def _theorem_context(retriever: PremiseRetriever, data: Path, theorem: str) -> tuple[set[str], Position, str]:
    """The names accessible to `theorem` of the extraction `data`, where it is, its root goal."""
    from prover.data.loader import load_records
    from prover.data.premises import PremiseIndex
    from prover.data.records import read_files
    from prover.retrieval.evaluate import theorem_query
    from prover.retrieval.signals import Position

    matches = [r for r in load_records(data) if theorem in (r.qualified_name, r.name)]
    if len(matches) != 1:
        names = ", ".join(r.qualified_name for r in matches[:5])
        raise ConfigError(f"no theorem {theorem!r} in {data}" if not matches
                          else f"{theorem!r} is ambiguous in {data} ({names}): give the qualified name")
    record = matches[0]
    requires = next((f.requires for f in read_files(data / "files.jsonl") if f.file == record.file), ())
    names = PremiseIndex(retriever.premises).accessible(requires, record.module, record.line)
    return names, Position(record.module, record.line), theorem_query(record)
