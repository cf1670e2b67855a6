"""Benchmark loaders: each turns a benchmark's public release into `Theorem`s.

Every loader takes a path and an optional split (``test``, ``valid``; ``validation``/``val``/
``Valid`` mean ``valid``) and returns a list of theorems; `BENCHMARK_LOADERS` names them for
``prover eval --benchmark NAME --path PATH``:

* ``minif2f-lean4``: the JSON Lines release (``name``, ``split``, ``informal_prefix``,
  ``formal_statement``, ``header``), or the one-file-per-problem layout (``Test/*.lean``,
  ``Valid/*.lean``: imports and opens, then ``theorem ... := by sorry``).
* ``minif2f-rocq``: the Coq port, one ``.v`` per problem under ``test/`` and ``valid/``; the
  statement is followed by ``Proof.`` and ``Admitted.`` (or nothing).
* ``proofnet``: ProofNet's JSON Lines (the same fields as miniF2F's, ``valid``/``test``).
* ``fstar-dataset``: FStarDataSet's JSON (a list of records, or JSON Lines) with ``name``,
  ``file_name``, ``source_type`` (the ``val``), ``source_definition`` (the ``let`` that proves
  it), ``opens_and_abbrevs``, ``vconfig`` (fuel, ifuel, z3rlimit, ...) and ``premises``.

Lean statements are kept as the benchmark writes them (``formal_statement``, ending in ``:= by``
or ``:=``). A path ``hf://owner/name`` reads the benchmark from the Hugging Face Hub through the
optional ``datasets`` library.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from prover.data.records import read_jsonl
from prover.envs.base import Theorem
from prover.envs.coq.files import theorems_in_source
from prover.envs.fstar.check import options_pragma
from prover.errors import ConfigError

__all__ = [
    "BENCHMARK_LOADERS",
    "load_fstar_dataset",
    "load_minif2f_lean4",
    "load_minif2f_rocq",
    "load_proofnet",
    "normalize_split",
]

PathLike = str | os.PathLike[str]

_SPLITS = {"test": "test", "valid": "valid", "validation": "valid", "val": "valid", "dev": "valid",
           "train": "train", "training": "train"}


def normalize_split(split: str | None) -> str | None:
    """``valid`` for ``validation``/``val``/``Valid``, lower case otherwise; None stays None."""
    if split is None:
        return None
    return _SPLITS.get(split.strip().lower(), split.strip().lower())


def _hub_name(path: PathLike) -> str | None:
    text = os.fspath(path)
    for prefix in ("hf://", "hf:/"):  # Path("hf://a/b") prints as "hf:/a/b"
        if text.startswith(prefix):
            return text[len(prefix):].strip("/")
    return None


def _hub_records(repo: str, split: str | None) -> Iterator[dict[str, Any]]:
    try:
        import datasets  # type: ignore[import-not-found]
    except ImportError:
        datasets = None
    # A project's own `datasets/` folder imports as an empty namespace package: that is no library.
    if not hasattr(datasets, "load_dataset"):
        raise ConfigError(
            f"reading hf://{repo} needs the Hugging Face `datasets` library (`pip install datasets`), "
            "or download the benchmark and pass its local path"
        )
    loaded = datasets.load_dataset(repo)
    split = normalize_split(split)
    for name, part in loaded.items():
        if split is None or normalize_split(name) == split:
            for record in part:
                yield {"split": normalize_split(name), **dict(record)}


def _existing(path: PathLike, what: str) -> Path:
    found = Path(path)
    if not found.exists():
        raise ConfigError(f"{found} does not exist: give the path of a local copy of {what}")
    return found


def _json_records(file: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) for a JSON Lines file or a JSON file holding a list of records."""
    if file.suffix == ".jsonl":
        for number, record in enumerate(read_jsonl(file), 1):
            yield f"{file}:{number}", record
        return
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read {file} as JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ConfigError(f"{file} holds a JSON {type(data).__name__}, not a list of records")
    for index, record in enumerate(data):
        yield f"{file}[{index}]", record


def _field(record: Any, key: str, where: str, kind: type = str) -> Any:
    if not isinstance(record, dict):
        raise ConfigError(f"{where}: a record must be a JSON object, not {type(record).__name__}")
    value = record.get(key)
    if not isinstance(value, kind):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise ConfigError(f"{where}: field {key!r} is {got}; expected a {kind.__name__}")
    return value


def _chosen(theorems: Iterable[Theorem], split: str | None, path: PathLike) -> list[Theorem]:
    every = list(theorems)
    wanted = normalize_split(split)
    chosen = [t for t in every if wanted is None or t.split == wanted]
    if not chosen:
        present = sorted({t.split or "none" for t in every})
        raise ConfigError(f"{os.fspath(path)} has no problems of split {split!r}"
                          + (f" (its splits: {', '.join(present)})" if every else " (it has no problems at all)"))
    return chosen


# -- miniF2F and ProofNet in Lean 4 ---------------------------------------------------------

_DOC_COMMENT = re.compile(r"^\s*/--(.*?)-/\s*$", re.DOTALL)


def _informal(prefix: Any) -> str | None:
    if not isinstance(prefix, str) or not prefix.strip():
        return None
    found = _DOC_COMMENT.match(prefix)
    return (found.group(1) if found else prefix).strip()


def _lean_record(record: Any, where: str, benchmark: str) -> Theorem:
    name = _field(record, "name", where)
    return Theorem(
        name=name,
        statement=_field(record, "formal_statement", where).rstrip(),
        header=str(record.get("header") or "").rstrip(),
        backend="lean",
        informal=_informal(record.get("informal_prefix") or record.get("informal_statement")),
        source=f"{benchmark}:{name}",
        split=normalize_split(record.get("split")),
    )


def _lean_jsonl(path: Path, benchmark: str) -> Iterator[Theorem]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    for file in files:
        for where, record in _json_records(file):
            yield _lean_record(record, where, benchmark)


_LEAN_THEOREM = re.compile(r"^(?:theorem|lemma)\s+([^\s:({\[]+)", re.MULTILINE)
_SORRY_TAIL = re.compile(r"(:=\s*(?:by)?)\s*sorry\s*$", re.DOTALL)


def _lean_file(file: Path, split: str | None) -> Theorem:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from exc
    found = _LEAN_THEOREM.search(text)
    if found is None:
        raise ConfigError(f"{file} declares no `theorem`: is it a miniF2F-lean4 problem file?")
    statement = text[found.start():].rstrip()
    tail = _SORRY_TAIL.search(statement)
    if tail is None:
        raise ConfigError(f"{file}: the theorem does not end in `:= by sorry`, so its statement cannot be told apart")
    return Theorem(
        name=found.group(1),
        statement=statement[:tail.start()] + tail.group(1),
        header=text[:found.start()].rstrip(),
        backend="lean",
        source=f"minif2f-lean4:{file.name}",
        split=split,
    )


def load_minif2f_lean4(path: PathLike, split: str | None = None) -> list[Theorem]:
    """miniF2F in Lean 4: a ``.jsonl`` file, a folder of them, or a folder of ``Test/``/``Valid/`` ``.lean`` files."""
    hub = _hub_name(path)
    if hub is not None:
        return _chosen((_lean_record(r, f"hf://{hub}", "minif2f-lean4") for r in _hub_records(hub, split)),
                       split, path)
    root = _existing(path, "miniF2F-lean4")
    if root.is_file() or any(root.glob("*.jsonl")):
        return _chosen(_lean_jsonl(root, "minif2f-lean4"), split, path)
    files = sorted(root.rglob("*.lean"))
    if not files:
        raise ConfigError(f"{root} holds neither .jsonl files nor .lean problem files of miniF2F-lean4")
    return _chosen((_lean_file(f, normalize_split(f.parent.name)) for f in files), split, path)


def load_proofnet(path: PathLike, split: str | None = None) -> list[Theorem]:
    """ProofNet in Lean 4: its ``.jsonl`` (or a folder of them), ``valid`` and ``test``."""
    hub = _hub_name(path)
    if hub is not None:
        return _chosen((_lean_record(r, f"hf://{hub}", "proofnet") for r in _hub_records(hub, split)), split, path)
    return _chosen(_lean_jsonl(_existing(path, "ProofNet"), "proofnet"), split, path)


# -- miniF2F in Coq ---------------------------------------------------------------------------

_CLOSED = re.compile(r"(Qed|Defined)\.\s*$")


def _rocq_file(file: Path, split: str, root: Path) -> Theorem:
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from exc
    relative = file.relative_to(root).as_posix()
    found = theorems_in_source(source, relative)
    named = [t for t in found if t.name == file.stem] or (found if len(found) == 1 else [])
    if not named:
        raise ConfigError(f"{file} declares no theorem named {file.stem!r} (found: "
                          f"{', '.join(t.name for t in found) or 'none'})")
    theorem = named[0]
    gold = theorem.gold_proof if theorem.gold_proof and _CLOSED.search(theorem.gold_proof) else None
    return Theorem(name=theorem.name, statement=theorem.statement, header=theorem.header, backend="coq",
                   gold_proof=gold, source=f"minif2f-rocq:{theorem.source}", split=split)


def load_minif2f_rocq(path: PathLike, split: str | None = None) -> list[Theorem]:
    """The Coq port of miniF2F: one ``.v`` per problem under ``test/`` and ``valid/`` of `path`.

    Each theorem's header is its file up to the statement (its ``Require``s and scopes), so real
    `CoqEnv` can start and check it; a gold proof is kept only when the file closes it with ``Qed``.
    """
    if _hub_name(path) is not None:
        raise ConfigError("minif2f-rocq is read from a local clone of its repository (folders test/ and valid/)")
    root = _existing(path, "the Coq port of miniF2F")
    wanted = normalize_split(split)
    folders = [d for d in sorted(root.iterdir()) if d.is_dir() and normalize_split(d.name) in ("test", "valid")]
    if not folders:
        raise ConfigError(f"{root} has no test/ or valid/ folder of .v files: is it a clone of miniF2F's Coq port?")
    theorems = [
        _rocq_file(file, normalize_split(folder.name) or "", root)
        for folder in folders
        if wanted is None or normalize_split(folder.name) == wanted
        for file in sorted(folder.glob("*.v"))
    ]
    return _chosen(theorems, split, path)


# -- FStarDataSet -----------------------------------------------------------------------------

_INT_OPTIONS = ("initial_fuel", "max_fuel", "initial_ifuel", "max_ifuel", "z3rlimit", "z3rlimit_factor", "z3seed")
_BOOL_OPTIONS = {"smtencoding_elim_box": "smtencoding.elim_box",
                 "smtencoding_valid_intro": "smtencoding.valid_intro",
                 "smtencoding_valid_elim": "smtencoding.valid_elim"}
_TEXT_OPTIONS = {"smtencoding_nl_arith_repr": "smtencoding.nl_arith_repr",
                 "smtencoding_l_arith_repr": "smtencoding.l_arith_repr"}


def fstar_options(vconfig: Any, where: str) -> tuple[tuple[str, str], ...]:
    """The F* command-line options a record's ``vconfig`` sets (fuel, ifuel, z3rlimit, encodings)."""
    if vconfig is None:
        return ()
    if not isinstance(vconfig, dict):
        raise ConfigError(f"{where}: vconfig must be an object or null")
    options: list[tuple[str, str]] = []
    for key in _INT_OPTIONS:
        if isinstance(vconfig.get(key), int):
            options.append((key, str(vconfig[key])))
    for key, option in _BOOL_OPTIONS.items():
        if isinstance(vconfig.get(key), bool):
            options.append((option, "true" if vconfig[key] else "false"))
    for key, option in _TEXT_OPTIONS.items():
        if isinstance(vconfig.get(key), str) and re.fullmatch(r"[\w.]+", vconfig[key]):
            options.append((option, vconfig[key]))
    if vconfig.get("z3refresh") is True:
        options.append(("z3refresh", ""))
    return tuple(options)


def _fstar_header(record: dict[str, Any], where: str) -> str:
    lines: list[str] = []
    abbrevs: list[str] = []
    entries = record.get("opens_and_abbrevs") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: opens_and_abbrevs must be a list")
    for entry in reversed(entries):  # the dataset lists the innermost scope first
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: an entry of opens_and_abbrevs is not an object: {entry!r}")
        if entry.get("abbrev") or entry.get("short_module"):
            abbrevs.append(f"module {entry.get('short_module') or entry['abbrev']} = {entry['full_module']}")
        elif entry.get("open") or entry.get("full_module"):
            lines.append(f"open {entry.get('open') or entry['full_module']}")
    pragma = options_pragma(fstar_options(record.get("vconfig"), where))
    return "\n".join([*lines, *abbrevs, *([pragma] if pragma else [])])


def _fstar_record(record: Any, where: str, split: str | None) -> Theorem:
    full_name = _field(record, "name", where)
    module, _, short = full_name.rpartition(".")
    file_name = str(record.get("file_name") or "")
    if file_name:
        module = Path(file_name).name.rsplit(".", 1)[0]
    statement = _field(record, "source_type", where)
    return Theorem(
        name=short,
        statement="" if statement.strip() == "<UNK>" else statement.strip(),
        header=_fstar_header(record, where),
        backend="fstar",
        gold_proof=_field(record, "source_definition", where).strip(),
        source=f"fstar-dataset:{file_name or module}:{full_name}",
        split=normalize_split(record.get("split")) or split,
        module=module or None,
    )


def load_fstar_dataset(path: PathLike, split: str | None = None) -> list[Theorem]:
    """FStarDataSet: a ``.json`` list of definitions (or ``.jsonl``), or a folder of them named by split.

    A theorem's statement is its ``val`` (empty when the dataset has none, ``<UNK>``), its header
    the opens, module abbreviations and ``#push-options`` of its vconfig, its gold proof the
    ``let``; its split is the record's ``split`` or its file's name (``train.json``, ``test.json``).
    """
    hub = _hub_name(path)
    if hub is not None:
        return _chosen((_fstar_record(r, f"hf://{hub}", None) for r in _hub_records(hub, split)),
                       split, path)
    root = _existing(path, "FStarDataSet")
    files = sorted([*root.glob("*.json"), *root.glob("*.jsonl")]) if root.is_dir() else [root]
    if not files:
        raise ConfigError(f"{root} holds no .json or .jsonl files of FStarDataSet")
    return _chosen(
        (_fstar_record(record, where, normalize_split(file.stem.split(".")[0]))
         for file in files for where, record in _json_records(file)),
        split, path,
    )


BENCHMARK_LOADERS: Mapping[str, Callable[[PathLike, str | None], list[Theorem]]] = MappingProxyType({
    "fstar-dataset": load_fstar_dataset,
    "minif2f-lean4": load_minif2f_lean4,
    "minif2f-rocq": load_minif2f_rocq,
    "proofnet": load_proofnet,
})

