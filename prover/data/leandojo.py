"""Import LeanDojo Benchmark 4 into the project's dataset format and store.

The benchmark (``leandojo_benchmark_4/``, from LeanDojo's ``generate-benchmark-lean4``) holds
``{random,novel_premises}/{train,val,test}.json`` — lists of theorems with ``url``, ``commit``,
``file_path``, ``full_name``, ``start``/``end`` ([line, column], 1-based) and ``traced_tactics``
(each ``tactic``, ``annotated_tactic`` = [text with ``<a>premise</a>`` marks, provenances with
``full_name``, ``def_path``, ``def_pos``, ``def_end_pos``], ``state_before``, ``state_after``) —
and ``corpus.jsonl``: one line per file with ``path``, ``imports`` and ``premises`` (``full_name``,
``code``, ``start``, ``end``, ``kind``).

`import_leandojo` writes what ``prover extract`` writes, so the loaders, retrieval and policies
use it unchanged: ``theorems.jsonl`` (a `TheoremRecord` per theorem: every traced tactic a
`StepRecord` with its goals before and after, the premises its tactics name, the split),
``files.jsonl`` (each file's module and its transitive imports, for premise accessibility) and
``premises.jsonl`` (the corpus as `Premise` records). The benchmark carries no statement text:
given the repository checkout it was traced from (``repo_dir``, e.g. mathlib4 at the
benchmark's commit), statements, proofs and file contexts are read from the sources; without
it statements stay empty and only (state, tactic) pairs and premises are usable.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prover.data.premises import Premise, write_corpus
from prover.data.records import FileRecord, GoalRecord, StepRecord, TheoremRecord, read_jsonl, write_jsonl
from prover.envs.base import Theorem
from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.store import Store

__all__ = ["STRATEGIES", "LeanDojoImport", "import_leandojo", "lean_module", "parse_lean_goals", "store_import"]

STRATEGIES = ("random", "novel_premises")
_SPLIT_FILES = (("train", "train"), ("val", "valid"), ("test", "test"))


@dataclass(frozen=True, slots=True)
class LeanDojoImport:
    """What `import_leandojo` wrote."""

    out_dir: str
    theorems: int
    with_statement: int
    """Theorems whose statement was read from the checkout (0 without ``repo_dir``)."""
    steps: int
    files: int
    premises: int


# -- goals ----------------------------------------------------------------------------------

def parse_lean_goals(state: str) -> tuple[GoalRecord, ...]:
    """Goals of a pretty-printed Lean 4 tactic state (``no goals`` is none).

    Goals are separated by blank lines; each is an optional ``case tag`` line, hypotheses
    (``x y : ℕ``; continuation lines indented) and ``⊢ conclusion``.
    """
    text = state.strip()
    if not text or text == "no goals":
        return ()
    return tuple(_goal(block) for block in re.split(r"\n\s*\n", text) if block.strip())


def _goal(block: str) -> GoalRecord:
    lines = block.split("\n")
    if lines and lines[0].startswith("case "):
        lines = lines[1:]
    hyps: list[str] = []
    conclusion: list[str] = []
    for line in lines:
        if conclusion:
            conclusion.append(line)
        elif line.startswith("⊢"):
            conclusion.append(line[1:].strip())
        elif line[:1].isspace() and hyps:
            hyps[-1] += "\n" + line
        else:
            hyps.append(line)
    return GoalRecord(tuple(hyps), "\n".join(conclusion).strip())


# -- names ------------------------------------------------------------------------------------

def lean_module(path: str) -> str:
    """Module name of a Lean source path (``.lake/packages/std/Std/Data/X.lean`` -> ``Std.Data.X``,
    ``.lake/packages/lean4/src/lean/Init/Core.lean`` -> ``Init.Core``)."""
    parts = Path(path).with_suffix("").parts
    for marker in (".lake", "lake-packages"):
        if marker in parts:
            index = parts.index(marker)
            parts = parts[index + (3 if marker == ".lake" else 2):]
    if parts[:2] == ("src", "lean"):  # Lean's own sources (the lean4 package): src/lean/Init/...
        parts = parts[2:]
    return ".".join(parts)


def _library(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "lean"


_KINDS = (("theorem", "theorem"), ("lemma", "theorem"), ("instance", "definition"), ("def", "definition"),
          ("abbrev", "definition"), ("inductive", "inductive"), ("structure", "inductive"),
          ("class", "inductive"), ("axiom", "axiom"), ("constant", "axiom"), ("opaque", "definition"))


def _kind(kind: str, code: str) -> str:
    words = f"{kind} {code.split(':', 1)[0]}".lower()
    for word, mapped in _KINDS:
        if re.search(rf"\b{word}\b", words):
            return mapped
    return "other"


# -- sources ----------------------------------------------------------------------------------

def _offset(source: str, line: int, column: int) -> int:
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        raise ConfigError(f"position {line}:{column} is outside the file ({len(lines)} lines)")
    return sum(len(text) + 1 for text in lines[: line - 1]) + max(0, column - 1)


def _proof_start(text: str) -> int | None:
    """Index of the ``:=`` that starts a declaration's proof (outside brackets, comments, strings)."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/-", i):
            level, i = 1, i + 2
            while i < n and level:
                level += 1 if text.startswith("/-", i) else -1 if text.startswith("-/", i) else 0
                i += 2 if text.startswith(("/-", "-/"), i) else 1
        elif text[i] == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text[i] in "([{⟨⦃":
            depth, i = depth + 1, i + 1
        elif text[i] in ")]}⟩⦄":
            depth, i = max(0, depth - 1), i + 1
        elif depth == 0 and text.startswith(":=", i):
            return i
        else:
            i += 1
    return None


@dataclass(frozen=True, slots=True)
class _Declaration:
    offset: int
    statement: str
    proof: str


def _declaration(source: str, start: list[int], end: list[int]) -> _Declaration | None:
    begin = _offset(source, start[0], start[1])
    stop = _offset(source, end[0], end[1]) if end else len(source)  # `end` is exclusive
    text = source[begin:stop]
    split = _proof_start(text)
    if split is None:
        return None
    return _Declaration(begin, text[: split + 2].rstrip(), text[split + 2:].strip())


# -- reading the benchmark ----------------------------------------------------------------------

def _theorems(root: Path, strategy: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    folder = root / strategy
    if not folder.is_dir():
        raise ConfigError(f"{folder} is missing: is {root} LeanDojo Benchmark 4 (folders {', '.join(STRATEGIES)})?")
    for stem, split in _SPLIT_FILES:
        file = folder / f"{stem}.json"
        if not file.is_file():
            raise ConfigError(f"{file} is missing: LeanDojo Benchmark 4 has train.json, val.json and test.json")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read {file}: {exc}") from exc
        if not isinstance(data, list):
            raise ConfigError(f"{file} must hold a list of theorems, not a {type(data).__name__}")
        for index, record in enumerate(data):
            yield f"{file}[{index}]", split, record


def _need(record: Any, key: str, where: str, kind: type) -> Any:
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: field {key!r} is missing or not a {kind.__name__}")
    return value


def _step(tactic: Any, where: str) -> tuple[StepRecord, list[str]]:
    text = _need(tactic, "tactic", where, str)
    before = parse_lean_goals(_need(tactic, "state_before", where, str))
    after = parse_lean_goals(_need(tactic, "state_after", where, str))
    annotated = tactic.get("annotated_tactic") or ["", []]
    provenances = annotated[1] if isinstance(annotated, list) and len(annotated) == 2 else []
    names = [p["full_name"] for p in provenances if isinstance(p, dict) and isinstance(p.get("full_name"), str)]
    return StepRecord(tactic=text, line=0, before=before, after=after), names


class _Sources:
    """Source files of the checkout, read once each."""

    def __init__(self, repo_dir: Path | None) -> None:
        self._root = repo_dir
        self._texts: dict[str, str | None] = {}

    def text(self, path: str) -> str | None:
        if self._root is None:
            return None
        if path not in self._texts:
            file = self._root / path
            try:
                self._texts[path] = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[path] = None
        return self._texts[path]


def _record(where: str, split: str, data: Any, sources: _Sources) -> TheoremRecord:
    full_name = _need(data, "full_name", where, str)
    file_path = _need(data, "file_path", where, str)
    start = _need(data, "start", where, list)
    end = data.get("end") if isinstance(data.get("end"), list) else []
    steps: list[StepRecord] = []
    premises: dict[str, None] = {}
    for number, tactic in enumerate(_need(data, "traced_tactics", where, list)):
        step, names = _step(tactic, f"{where}.traced_tactics[{number}]")
        steps.append(step)
        premises.update(dict.fromkeys(names))
    source = sources.text(file_path)
    declaration = _declaration(source, start, end) if source is not None else None
    return TheoremRecord(
        backend="lean",
        library=_library(str(data.get("url") or "")),
        name=full_name.rsplit(".", 1)[-1],
        qualified_name=full_name,
        module=lean_module(file_path),
        file=file_path,
        line=int(start[0]),
        offset=declaration.offset if declaration else 0,
        statement=declaration.statement if declaration else "",
        context=(),
        proof=(declaration.proof,) if declaration and declaration.proof else (),
        steps=tuple(steps),
        replayed=True,  # LeanDojo traced it from a successful build
        replay_error=None if declaration or source is None else "the declaration's `:=` was not found in the source",
        premises=tuple(premises),
        split=split,
    )


def _corpus(root: Path) -> tuple[list[Premise], dict[str, list[str]]]:
    path = root / "corpus.jsonl"
    if not path.is_file():
        raise ConfigError(f"{path} is missing: is {root} LeanDojo Benchmark 4?")
    premises: list[Premise] = []
    imports: dict[str, list[str]] = {}
    for number, entry in enumerate(read_jsonl(path), 1):
        where = f"{path}:{number}"
        file_path = _need(entry, "path", where, str)
        imports[file_path] = [str(i) for i in entry.get("imports") or ()]
        module = lean_module(file_path)
        for premise in _need(entry, "premises", where, list):
            name = _need(premise, "full_name", where, str)
            code = str(premise.get("code") or "")
            start = premise.get("start") if isinstance(premise.get("start"), list) else [0]
            premises.append(Premise(name=name, type=" ".join(code.split()), kind=_kind(str(premise.get("kind", "")), code),
                                    module=module, file=file_path, line=int(start[0])))
    return premises, imports


def _closure(imports: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Every module each file loads, transitively (iterative: import chains can be long)."""
    done: dict[str, tuple[str, ...]] = {}
    for first, direct in imports.items():
        seen: set[str] = set()
        stack = list(direct)
        while stack:
            path = stack.pop()
            if path not in seen:
                seen.add(path)
                stack.extend(imports.get(path, ()))
        done[first] = tuple(sorted(lean_module(p) for p in seen))
    return done


def import_leandojo(root: str | os.PathLike[str], out_dir: str | os.PathLike[str], strategy: str = "random",
                    repo_dir: str | os.PathLike[str] | None = None) -> LeanDojoImport:
    """Convert LeanDojo Benchmark 4 at `root` (split `strategy`) into `out_dir`; see the module docstring."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown split strategy {strategy!r}; LeanDojo Benchmark 4 has {', '.join(STRATEGIES)}")
    base = Path(root)
    if not base.is_dir():
        raise ConfigError(f"{base} is not a directory: give the unpacked leandojo_benchmark_4 folder")
    checkout = Path(repo_dir) if repo_dir is not None else None
    if checkout is not None and not checkout.is_dir():
        raise ConfigError(f"{checkout} is not a directory: give the checkout of the repository the benchmark traced")
    premises, imports = _corpus(base)
    sources = _Sources(checkout)
    records = [_record(where, split, data, sources) for where, split, data in _theorems(base, strategy)]
    requires = _closure(imports)
    files = _files(records, requires, sources)
    out = Path(out_dir)
    write_jsonl(out / "theorems.jsonl", records)
    write_jsonl(out / "files.jsonl", files)
    write_corpus(out / "premises.jsonl", premises)
    return LeanDojoImport(
        out_dir=str(out),
        theorems=len(records),
        with_statement=sum(1 for r in records if r.statement),
        steps=sum(len(r.steps) for r in records),
        files=len(files),
        premises=len(premises),
    )


def _files(records: Iterable[TheoremRecord], requires: dict[str, tuple[str, ...]],
           sources: _Sources) -> list[FileRecord]:
    counts: dict[str, int] = {}
    library: dict[str, str] = {}
    for record in records:
        counts[record.file] = counts.get(record.file, 0) + 1
        library[record.file] = record.library
    return [
        FileRecord(backend="lean", library=library[path], file=path, module=lean_module(path),
                   source=sources.text(path) or "", requires=requires.get(path, ()), theorems=count)
        for path, count in sorted(counts.items())
    ]


def store_import(store: Store, out_dir: str | os.PathLike[str], benchmark: str = "leandojo-benchmark-4") -> dict[str, int]:
    """Add an import's theorems (those with a statement; per split) and premises to `store`.

    Returns how many theorems were added per split and ``premises`` (new premises).
    """
    from prover.data.loader import load_theorems
    from prover.data.premises import read_corpus

    added: dict[str, int] = {}
    by_split: dict[str, list[Theorem]] = {}
    for theorem in load_theorems(out_dir):
        if theorem.statement:
            by_split.setdefault(theorem.split or "", []).append(theorem)
    for split, theorems in sorted(by_split.items()):
        benchmark_id = store.upsert_benchmark(benchmark, split)
        added[split] = len(store.add_theorems(benchmark_id, theorems))
    added["premises"] = store.add_premises(read_corpus(Path(out_dir) / "premises.jsonl"))
    return added
