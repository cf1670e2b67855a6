"""The premise corpus of a Coq library: every constant a theorem could use.

One `Premise` per constant (theorem, definition, inductive type, constructor, axiom), with
its fully qualified name, its type as Coq prints it, its kind, and where it is declared
(module, file, line). `accessible` restricts the corpus to what a given theorem may use:
everything its file loads, plus what its own file declares before it.

How `build_corpus` finds them, in ONE coqidetop for the whole library:

1. ``Require`` every module, in chunks, without ``Import``, so printed names stay
   qualified (``PeanoNat.Nat.add_comm``). A chunk that fails is retried module by module;
   a module that cannot be loaded beside the others is done alone in a fresh coqidetop.
2. One ``Search _ inside M1 .. Mn.`` (``Search _ outside INIT.`` for large batches, which
   is cheaper than a long ``inside`` list) prints ``name: type`` for every constant. Names
   come out in the shortest unambiguous form, which for a required-only library is a
   suffix of the full path that starts inside the library's own path. The full name is
   the module path joined to that suffix at their overlap; when the overlap is not unique
   (two libraries with the same base name, or the prelude's imported modules, whose names
   print unqualified) ``Locate`` says. A sample of the others is checked with ``Locate``
   too, and a mismatch sends the whole query through ``Locate``.
   Types come wrapped at coqidetop's fixed width (``Set Printing Width`` does not reach
   its messages), so whitespace runs are collapsed to one space: the type as Coq prints it
   on one line.
3. Each source file is scanned lexically for the sentence that declares each name, or
   else what created it (`prover.data.premise_sources`: `scan_source`, and `link_sources`
   across files for ``Include``); a name found nowhere gets line 0 (in the standard
   library: 4 constants that tactics generate inside proofs).
4. Kind, from the declaring keyword: Theorem/Lemma/Fact/Remark/Corollary/Proposition/
   Property/Example -> theorem; Definition/Fixpoint/CoFixpoint/Instance/Function/
   Let/Coercion/Canonical, record fields, schemes, ``Add .. as`` -> definition;
   Axiom/Parameter/Conjecture/Hypothesis/Variable -> axiom; Inductive/CoInductive/Variant/
   Record/Structure/Class -> inductive (a definitional ``Class C := m : T`` -> definition),
   their constructors -> constructor; Primitive -> other. For constants without a
   keyword of their own (included, generated), Coq's logical kind (``Search [is:Lemma
   | ...]`` under ``Search Output Name Only``: names only, cheap), then ``Locate``
   (Inductive / Constructor / Constant). On the standard library this agrees with Coq's
   logical kinds everywhere except constants of sealed modules (``Module M : SIG``),
   which Coq records as the signature's Parameters.

5. Functor and module type bodies: ``Search`` cannot list their constants, yet a later
   proof in the same body uses them (``Coq.MSets.MSetRBT.MakeRaw.ok``). They are added from
   the source alone, named module path + enclosing module/functor names + name, with the
   keyword's kind and the declaring line, or, for what an ``Include`` in the body brings
   (``ZAddProp.add_comm`` from ``NZAddProp``), the Include's line; an included Module
   Type's ``Parameter``s are left out. Their type is the declaration's own text between
   its binders and ``:=`` ("" when it has none), as Coq prints none.

Search hides constants on its blacklist (``_subproof``, ``_subterm``, ``Private_``):
they are internal, not premises.

The whole installed standard library (562 modules, 32,043 constants, every name checked
to ``Locate`` to itself) builds in about 35 s on two cores, most of it the one Search::

    python -m prover.data.premises --library stdlib --out out/premises/stdlib.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import json
import logging
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from prover.data.premise_sources import SourceIndex, link_sources, scan_source
from prover.data.records import read_jsonl, write_jsonl
from prover.envs import limits as lim
from prover.envs.coq.document import CoqDocument, Done
from prover.envs.coq.files import logical_module
from prover.envs.coq.replay import coqlib
from prover.envs.coq.sentences import SentenceSplitError
from prover.errors import ConfigError, EnvInitError, QueryError

__all__ = [
    "KINDS",
    "Premise",
    "PremiseIndex",
    "accessible",
    "build_corpus",
    "library_modules",
    "read_corpus",
    "write_corpus",
]

log = logging.getLogger(__name__)

KINDS = ("theorem", "definition", "inductive", "constructor", "axiom", "other")

REQUIRE_CHUNK = 50
"""Modules per ``Require`` sentence (and per progress line)."""
INSIDE_MAX = 64
"""Up to this many modules a search names them (``inside``); beyond, it excludes the prelude."""
SAMPLE = 30
"""Names per search checked with ``Locate``."""


@dataclass(frozen=True, slots=True)
class Premise:
    """A constant of a library that a theorem could use."""

    name: str
    """Fully qualified (``Coq.Arith.PeanoNat.Nat.add_comm``)."""
    type: str
    """As Coq prints it, on one line."""
    kind: str
    """``theorem``, ``definition``, ``inductive``, ``constructor``, ``axiom`` or ``other``."""
    module: str
    """The library module that declares it (``Coq.Arith.PeanoNat``)."""
    file: str
    """Path of the module's source relative to the library root, "" if unknown."""
    line: int
    """1-based line of the declaring sentence, 0 if unknown."""


# -- asking Coq ---------------------------------------------------------------------------

@dataclass(slots=True)
class _Found:
    printed: str
    type: str
    name: str = ""
    module: str = ""
    object_kind: str = ""
    """What ``Locate`` said (Constant, Inductive, Constructor), when it was asked."""


_IDENT = r"[^\W\d][\w']*"
_ENTRY = re.compile(rf"^({_IDENT}(?:\.{_IDENT})*):(?:\s|$)")
_LOCATED = re.compile(r"^(\w+)\s+(\S+)")


def _parse_search(output: str) -> list[_Found]:
    """``name: type`` entries of a Search output; continuation lines are indented."""
    found: list[_Found] = []
    current: list[str] | None = None
    name = ""

    def flush() -> None:
        if current is not None:
            found.append(_Found(name, " ".join(" ".join(current).split())))

    for line in output.splitlines():
        if line[:1].isspace():
            if current is not None:
                current.append(line)
            continue
        flush()
        entry = _ENTRY.match(line)
        if entry is None:  # ``(use "About" for full details ...)`` and other notes
            current = None
            continue
        name = entry.group(1)
        current = [line[entry.end():]]
    flush()
    return found


def _parse_names(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if _ENTRY.match(line.strip() + ":")]


def _libraries(doc: CoqDocument, timeout: float) -> list[str]:
    out = doc.query("Print Libraries.", timeout=timeout)
    return [line.strip() for line in out.splitlines()[1:] if line.startswith(" ") and line.strip()]


class _Libraries:
    """Loaded libraries by base name, to read printed names back into full ones."""

    def __init__(self, libraries: Iterable[str], imported: Iterable[str] = ()) -> None:
        self.by_base: dict[str, list[list[str]]] = defaultdict(list)
        for library in libraries:
            path = library.split(".")
            self.by_base[path[-1]].append(path)
        self.imported = list(imported)

    def candidates(self, printed: str) -> set[tuple[str, str]]:
        """(module, full name) pairs that `printed` could stand for.

        A required-only library's names print as a suffix of their full path that starts
        at (or before) the library's base name: ``PeanoNat.Nat.add_comm`` is
        ``Coq.Arith.PeanoNat`` + ``Nat.add_comm``. Imported modules' names may print bare.
        """
        parts = printed.split(".")
        out = {(module, f"{module}.{printed}") for module in self.imported}
        for k in range(1, len(parts)):
            for path in self.by_base.get(parts[k - 1], ()):
                if len(path) >= k and path[-k:] == parts[:k]:
                    out.add((".".join(path), ".".join(path + parts[k:])))
        return out


def _owner(name: str, libraries: Sequence[str]) -> str:
    """The library a full name belongs to: the longest loaded library path prefixing it."""
    best = ""
    for lib in libraries:
        if len(lib) > len(best) and name.startswith(lib + "."):
            best = lib
    return best


class _Session:
    """One coqidetop with a batch of modules required, and the queries on it."""

    def __init__(self, args: tuple[str, ...], limits: lim.Limits, timeout: float,
                 progress: Callable[[str], None]) -> None:
        self.doc = CoqDocument(args, limits)
        self.timeout = timeout
        self.progress = progress
        self.locates = 0
        try:
            # A first sentence: coqidetop answers no query at its root state.
            outcome = self.doc.advance("Unset Search Output Name Only.", timeout)
            if not isinstance(outcome, Done):
                raise EnvInitError(f"coqidetop refused a plain option: {outcome}")
            self.initial = _libraries(self.doc, timeout)
        except BaseException:
            self.doc.close()
            raise
        self.loaded: list[str] = list(self.initial)

    def close(self) -> None:
        self.doc.close()

    def require(self, modules: Sequence[str], chunk: int = REQUIRE_CHUNK) -> list[str]:
        """Require `modules` (those not loaded yet); the ones that could not be."""
        start = time.monotonic()
        failed: list[str] = []
        todo = [m for m in modules if m not in self.initial]
        for i in range(0, len(todo), chunk):
            part = todo[i:i + chunk]
            if not isinstance(self.doc.advance(f"Require {' '.join(part)}.", self.timeout), Done):
                for module in part:
                    outcome = self.doc.advance(f"Require {module}.", self.timeout)
                    if not isinstance(outcome, Done):
                        log.warning("cannot require %s beside the others: %s", module, outcome)
                        failed.append(module)
            if len(todo) > chunk:
                self.progress(f"required {min(i + chunk, len(todo))}/{len(todo)} modules "
                              f"({time.monotonic() - start:.1f}s)")
        self.loaded = _libraries(self.doc, self.timeout)
        return failed

    def scope(self, modules: Sequence[str]) -> tuple[str, list[str]]:
        """A Search clause covering `modules` (none imported) and the libraries it may print."""
        if len(modules) <= INSIDE_MAX:
            return f" inside {' '.join(modules)}", list(modules)
        clause = f" outside {' '.join(self.initial)}" if self.initial else ""
        return clause, [lib for lib in self.loaded if lib not in self.initial]

    def locate(self, printed: str) -> tuple[str, str] | None:
        """(object kind, full name) that `printed` refers to."""
        self.locates += 1
        try:
            out = self.doc.query(f"Locate {printed}.", timeout=self.timeout)
        except QueryError:
            return None
        found = _LOCATED.match(out)
        return (found.group(1), found.group(2)) if found else None

    def search(self, modules: Sequence[str]) -> list[_Found]:
        """Every constant of `modules` (loaded ones), with its full name and module."""
        wanted = set(modules)
        initial = [m for m in modules if m in self.initial]
        rest = [m for m in modules if m not in self.initial]
        found: list[_Found] = []
        if initial:
            found += self._search_part(f" inside {' '.join(initial)}", initial, initial)
        if rest:
            clause, libraries = self.scope(rest)
            found += self._search_part(clause, libraries, [])
        return [f for f in found if f.module in wanted]

    def _search_part(self, clause: str, libraries: list[str], imported: list[str]) -> list[_Found]:
        start = time.monotonic()
        entries = _parse_search(self.doc.query(f"Search _{clause}.", timeout=self.timeout))
        names = _Libraries(libraries, imported)
        unsure = []
        for entry in entries:
            options = names.candidates(entry.printed)
            if len(options) == 1:
                entry.module, entry.name = options.pop()
            else:
                unsure.append(entry)
        sure = [e for e in entries if e.name]
        step = max(1, len(sure) // SAMPLE)
        if any(self._resolve(e, check=True) is False for e in sure[::step]):
            log.warning("names printed by `Search _%s` do not all resolve by suffix: using Locate for all",
                        clause[:60])
            unsure = entries
        for entry in unsure:
            self._resolve(entry)
        self.progress(f"searched {len(entries)} constants, {len(unsure)} located "
                      f"({time.monotonic() - start:.1f}s)")
        return [e for e in entries if e.name]

    def _resolve(self, entry: _Found, check: bool = False) -> bool:
        located = self.locate(entry.printed)
        if located is None:
            log.warning("Locate %s: no object", entry.printed)
            entry.name = entry.module = ""
            return False
        kind, name = located
        same = name == entry.name
        if check and not same:
            log.warning("%s resolved to %s by suffix, Locate says %s", entry.printed, entry.name, name)
        entry.object_kind = kind
        entry.name = name
        entry.module = _owner(name, self.loaded)
        return same

    def logical_kinds(self, modules: Sequence[str]) -> dict[str, str]:
        """Printed name -> kind, from Coq's logical kinds (``Search is:Lemma``) in `modules`."""
        if not modules:
            return {}
        if not any(m in self.initial for m in modules):
            clause = self.scope(modules)[0]
        elif len(modules) <= INSIDE_MAX:
            clause = f" inside {' '.join(modules)}"
        else:
            clause = ""
        if not isinstance(self.doc.advance("Set Search Output Name Only.", self.timeout), Done):
            return {}
        kinds: dict[str, str] = {}
        try:
            for tokens, kind in _LOGICAL_KINDS:
                query = " | ".join(f"is:{token}" for token in tokens.split())
                out = self.doc.query(f"Search [ {query} ]{clause}.", timeout=self.timeout)
                for name in _parse_names(out):
                    kinds.setdefault(name, kind)
        finally:
            self.doc.advance("Unset Search Output Name Only.", self.timeout)
        return kinds


# Coq's logical kinds (the keyword a constant was declared with), searchable with ``is:``;
# Hypothesis = Axiom, Variable = Parameter. Not the status kinds (Instance, Scheme, Coercion,
# Canonical): those match inductive types and constructors too.
_LOGICAL_KINDS = (
    ("Theorem Lemma Fact Remark Corollary Proposition Property Example", "theorem"),
    ("Axiom Parameter Conjecture", "axiom"),
    ("Definition Field Method", "definition"),
    ("Primitive", "other"),
)
_OBJECT_KINDS = {"Inductive": "inductive", "Constructor": "constructor", "Constant": "definition"}


# -- the corpus ---------------------------------------------------------------------------

def _sources(modules: Sequence[tuple[str, str]], root: str | os.PathLike[str] | None
             ) -> dict[str, SourceIndex]:
    indexes: dict[str, SourceIndex] = {}
    if root is None:
        return indexes
    for module, relpath in modules:
        path = Path(root, relpath)
        try:
            indexes[module] = scan_source(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SentenceSplitError) as exc:
            log.warning("cannot read the declarations of %s (%s): %s", module, path, exc)
    return indexes


def _premises(session: _Session, found: list[_Found], files: dict[str, str],
              indexes: dict[str, SourceIndex]) -> list[Premise]:
    """Premises of `found`: position from the source, kind from it or else from Coq."""
    start, locates = time.monotonic(), session.locates
    placed: list[tuple[_Found, int, str]] = []
    for entry in found:
        index = indexes.get(entry.module)
        relative = entry.name[len(entry.module) + 1:]
        declared = index.find(relative) if index is not None else None
        placed.append((entry, declared.line if declared else 0, declared.kind if declared else ""))
    unknown = sorted({e.module for e, _, kind in placed if not kind and e.object_kind in ("", "Constant")})
    logical = session.logical_kinds(unknown) if unknown else {}
    premises = []
    for entry, line, declared in placed:
        kind = declared
        if not kind and entry.object_kind in ("", "Constant"):
            kind = logical.get(entry.printed, "")
        if not kind:
            if not entry.object_kind:
                located = session.locate(entry.printed)
                entry.object_kind = located[0] if located else ""
            kind = _OBJECT_KINDS.get(entry.object_kind, "other")
        file = files.get(entry.module, "")
        premises.append(Premise(entry.name, entry.type, kind, entry.module, file, line))
    session.progress(f"kinds of {len(unknown)} modules' undeclared constants from Coq, "
                     f"{session.locates - locates} located ({time.monotonic() - start:.1f}s)")
    return premises


def _functor_premises(premises: Sequence[Premise], files: dict[str, str],
                      indexes: dict[str, SourceIndex], loaded: set[str]) -> list[Premise]:
    """The constants of functor bodies (`SourceIndex.functors`) of the modules in `premises`.

    ``Search`` cannot list them, yet a later proof in the same functor uses them
    (``Coq.MSets.MSetRBT.MakeRaw.ok``). Their type is the declaration's own text after its
    binders (see `prover.data.premise_sources`), since Coq prints no type for them; kind from
    the keyword."""
    known = {p.name for p in premises}
    out = []
    for module, index in indexes.items():
        if module not in loaded:
            continue
        for relative, declared in index.functors.items():
            name = f"{module}.{relative}"
            if name not in known:
                known.add(name)
                out.append(Premise(name, declared.type, declared.kind or "definition", module,
                                   files.get(module, ""), declared.line))
    return out


def build_corpus(
    modules: Sequence[tuple[str, str]],
    args: tuple[str, ...] = (),
    limits: lim.Limits = lim.DEFAULT_LIMITS,
    *,
    root: str | os.PathLike[str] | None = None,
    timeout: float = 900.0,
    progress: Callable[[str], None] | None = None,
) -> list[Premise]:
    """The premises declared by `modules`, (module, path relative to `root`) pairs.

    `args` are coqidetop flags (load paths); `root` is the library's source directory
    (without it, lines are 0 and kinds come from Coq alone). `timeout` bounds each
    query (a whole-library Search takes tens of seconds). `progress` receives a line
    now and then. A module that cannot be loaded at all is left out with a warning.
    Sorted by module (in the order given), then line, then name.
    """
    say = progress or (lambda _line: None)
    names = [m for m, _ in modules]
    if len(set(names)) != len(names):
        raise ConfigError("build_corpus: a module is listed twice")
    files = dict(modules)
    start = time.monotonic()
    indexes = _sources(modules, root)
    link_sources(indexes)
    say(f"read {len(indexes)} source files ({time.monotonic() - start:.1f}s)")
    premises: list[Premise] = []
    session = _Session(args, limits, timeout, say)
    try:
        failed = session.require(names)
        loaded = [m for m in names if m not in failed]
        premises += _premises(session, session.search(loaded), files, indexes)
    finally:
        session.close()
    left_out: set[str] = set()
    for module in failed:  # alone in a fresh coqidetop
        session = _Session(args, limits, timeout, say)
        try:
            if session.require([module]):
                log.warning("left out %s: it cannot be required", module)
                left_out.add(module)
                continue
            premises += _premises(session, session.search([module]), files, indexes)
        finally:
            session.close()
    premises += _functor_premises(premises, files, indexes, set(names) - left_out)
    order = {m: i for i, m in enumerate(names)}
    premises.sort(key=lambda p: (order[p.module], p.line, p.name))
    return premises


def write_corpus(path: str | os.PathLike[str], premises: Iterable[Premise]) -> int:
    """Write `premises` as JSON Lines to `path` atomically; how many."""
    return write_jsonl(path, premises)


_FIELDS = {f.name: f.type for f in fields(Premise)}


def read_corpus(path: str | os.PathLike[str]) -> list[Premise]:
    """The premises of a JSON Lines file written by `write_corpus`."""
    premises = []
    for number, data in enumerate(read_jsonl(path), 1):
        try:
            premises.append(Premise(**{k: data[k] for k in _FIELDS}))
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: record {number}: not a premise record ({exc!r})") from exc
    return premises


# -- what a theorem may use ---------------------------------------------------------------

class PremiseIndex:
    """`accessible` for many theorems: the corpus grouped by module, lines sorted."""

    def __init__(self, premises: Iterable[Premise]) -> None:
        grouped: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for premise in premises:
            grouped[premise.module].append((premise.line, premise.name))
        self._lines: dict[str, list[int]] = {}
        self._names: dict[str, list[str]] = {}
        for module, items in grouped.items():
            items.sort()
            self._lines[module] = [line for line, _ in items]
            self._names[module] = [name for _, name in items]

    def accessible(self, requires: Iterable[str], module: str, line: int) -> set[str]:
        """Names a theorem at `line` of `module` may use (see `accessible`)."""
        out: set[str] = set()
        for required in set(requires) - {module}:
            out.update(self._names.get(required, ()))
        lines = self._lines.get(module)
        if lines:
            # Line 0 (position unknown) is never "before": it could be anywhere.
            out.update(self._names[module][bisect.bisect_right(lines, 0):bisect.bisect_left(lines, line)])
        return out


def accessible(premises: Iterable[Premise], requires: Iterable[str], module: str, line: int) -> set[str]:
    """Names a theorem declared at `line` of `module` may use.

    Every premise of a module in `requires` (the modules its file loads, transitively),
    plus the premises of its own module declared on an earlier line. Those of its own
    module whose line is unknown (0) are left out: they could come after it. For many
    theorems build a `PremiseIndex` once instead.
    """
    return PremiseIndex(premises).accessible(requires, module, line)


# -- the standard library, for measuring ----------------------------------------------------

def library_modules(root: str | os.PathLike[str], prefix: str) -> list[tuple[str, str]]:
    """(module, relative path) of every ``.v`` file under `root`, bound to logical `prefix`."""
    out = []
    for path in sorted(Path(root).rglob("*.v")):
        relative = path.relative_to(root).as_posix()
        out.append((logical_module(prefix, relative), relative))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prover.data.premises",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--library", choices=["stdlib"], default="stdlib")
    parser.add_argument("--out", required=True, type=Path, help="JSON Lines file to write")
    parser.add_argument("--modules", default=None, help="only modules whose name matches this regex")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    root = Path(coqlib(), "theories")
    modules = library_modules(root, "Coq")
    if options.modules:
        modules = [(m, p) for m, p in modules if re.search(options.modules, m)]
    start = time.monotonic()

    def progress(line: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {line}", file=sys.stderr, flush=True)

    premises = build_corpus(modules, root=root, progress=progress)
    count = write_corpus(options.out, premises)
    kinds = defaultdict(int)
    for premise in premises:
        kinds[premise.kind] += 1
    placed = sum(1 for p in premises if p.line)
    print(json.dumps({
        "modules": len(modules), "premises": count, "seconds": round(time.monotonic() - start, 1),
        "with_line": placed, "kinds": dict(sorted(kinds.items())), "out": str(options.out),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
