"""Verina tasks as data: the task folder format, its `!benchmark` sections, and candidates.

A task folder (sunblaze-ucb/verina, ``datasets/verina/<id>/``) holds ``task.json`` (id,
signature, file names), ``description.txt``, the task file with its sections
(``task.lean``; ``task.v`` for Coq, named by ``coq_file``), ``test.json`` (inputs, the
expected output and wrong outputs) and ``reject_inputs.json`` (inputs the precondition
must reject). Coq tasks take ``coq_signature`` and ``coq_test.json``/``coq_reject_inputs.json``
when the folder has them, as Verina's Coq port does. Sections are marked
``-- !benchmark @start NAME [type=...]`` / ``-- !benchmark @end NAME`` in Lean and the same
inside ``(* ... *)`` in Coq.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Self

from prover.errors import ConfigError

BACKENDS = ("coq", "lean")
_TASK_FILE = {"coq": "coq_file", "lean": "lean_file"}
_DEFAULT_TASK_FILE = {"coq": "task.v", "lean": "task.lean"}
_MARKER = re.compile(r"^\s*(?:--|\(\*)\s*!benchmark\s+@(start|end)\s+(\w+)([^*]*?)\s*(?:\*\))?\s*$")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One argument of the function to write."""

    name: str
    type: str
    """The type as the backend writes it (``List Int`` in Lean, ``list Z`` in Coq)."""


@dataclass(frozen=True, slots=True)
class Signature:
    """Name, parameters and return type of the function to write."""

    name: str
    parameters: tuple[Parameter, ...]
    return_type: str

    @classmethod
    def parse(cls, data: Any, where: str) -> Self:
        try:
            params = tuple(Parameter(p["param_name"], p["param_type"]) for p in data["parameters"])
            return cls(data["name"], params, data["return_type"])
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{where}: the signature needs name, parameters[param_name, param_type] "
                              f"and return_type ({exc!r} is missing or malformed)") from exc


Value = str | int | float | bool | list[Any] | None
"""A test value as test.json holds it: backend source text (``"[1, 2]"``) or a JSON scalar."""


@dataclass(frozen=True, slots=True)
class TestCase:
    """Inputs, the output the function must give, and outputs the postcondition must reject."""

    __test__ = False  # not a pytest class

    inputs: tuple[tuple[str, Value], ...]
    expected: Value
    unexpected: tuple[Value, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectInput:
    """Inputs the precondition must reject."""

    inputs: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class Solution:
    """The sections a solution fills in; the reference solution is the task file's own."""

    imports: str = ""
    """Extra imports of the solution (section ``import type=solution``)."""
    solution_aux: str = ""
    precond_aux: str = ""
    precond: str = ""
    code_aux: str = ""
    code: str = ""
    postcond_aux: str = ""
    postcond: str = ""
    proof_aux: str = ""
    proof: str = ""

    def merged(self, other: Solution) -> Solution:
        """This solution with every non-empty section of `other` put in its place."""
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name).strip()})


SECTIONS = tuple(f.name for f in fields(Solution))
CODE_SECTIONS = ("code_aux", "code")
SPEC_SECTIONS = ("precond_aux", "precond", "postcond_aux", "postcond")
PROOF_SECTIONS = ("proof_aux", "proof")


@dataclass(frozen=True, slots=True)
class VerinaTask:
    """One task: what to write, how it is tested, and the reference solution."""

    id: str
    backend: str
    signature: Signature
    description: str
    task_imports: str
    """Imports every solution gets (section ``import type=task``)."""
    task_aux: str
    """Definitions every solution gets (section ``task_aux``)."""
    reference: Solution
    tests: tuple[TestCase, ...]
    reject_inputs: tuple[RejectInput, ...]
    path: str = ""


def parse_sections(text: str, where: str = "text") -> dict[str, str]:
    """The ``!benchmark`` sections of `text`: name -> content (``import`` keyed ``import:TYPE``)."""
    sections: dict[str, str] = {}
    current: tuple[str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        marker = _MARKER.match(line)
        if marker is None:
            if "!benchmark" in line:
                raise ConfigError(f"{where}:{number}: a `!benchmark` line that is not `@start NAME` or `@end NAME`")
            if current is not None:
                current[1].append(line)
            continue
        kind, name, args = marker.groups()
        if kind == "start":
            if current is not None:
                raise ConfigError(f"{where}:{number}: section {name!r} starts inside {current[0]!r}")
            kind_arg = re.search(r"type=(\S+)", args)
            key = f"import:{kind_arg.group(1) if kind_arg else 'task'}" if name == "import" else name
            if key in sections:
                raise ConfigError(f"{where}:{number}: section {key!r} appears twice")
            current = (key, [])
        else:
            if current is None or current[0].split(":")[0] != name:
                raise ConfigError(f"{where}:{number}: `@end {name}` does not close the open section")
            sections[current[0]] = "\n".join(current[1]).strip("\n")
            current = None
    if current is not None:
        raise ConfigError(f"{where}: section {current[0]!r} is never closed (`!benchmark @end`)")
    return sections


def solution_of(sections: dict[str, str], where: str) -> Solution:
    """The solution held by parsed `sections` (task-level ones are left out)."""
    known = {*SECTIONS, "import:task", "import:solution", "task_aux"}
    unknown = sorted(set(sections) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values = {name: sections.get(name, "") for name in SECTIONS if name != "imports"}
    return Solution(imports=sections.get("import:solution", ""), **values)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} is missing") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc


def _inputs(record: Any, where: str) -> tuple[tuple[str, Value], ...]:
    if not isinstance(record, dict) or not isinstance(record.get("input"), dict):
        raise ConfigError(f"{where}: each entry needs an \"input\" object (parameter name -> value)")
    return tuple(record["input"].items())


def _tests(data: Any, where: str) -> tuple[TestCase, ...]:
    if not isinstance(data, list):
        raise ConfigError(f"{where}: expected a JSON list of test cases")
    cases = []
    for index, record in enumerate(data):
        if "expected" not in record:
            raise ConfigError(f"{where}[{index}]: a test case needs \"expected\"")
        cases.append(TestCase(_inputs(record, f"{where}[{index}]"), record["expected"],
                              tuple(record.get("unexpected", ()))))
    return tuple(cases)


def _rejects(data: Any, where: str) -> tuple[RejectInput, ...]:
    if not isinstance(data, list):
        raise ConfigError(f"{where}: expected a JSON list of reject inputs")
    return tuple(RejectInput(_inputs(record, f"{where}[{i}]")) for i, record in enumerate(data))


def _check_inputs(task: VerinaTask) -> None:
    names = {p.name for p in task.signature.parameters}
    for case in (*task.tests, *task.reject_inputs):
        given = {name for name, _ in case.inputs}
        if given != names:
            raise ConfigError(f"{task.path}: a test gives inputs {sorted(given)}, the signature has {sorted(names)}")


def load_task(folder: str | Path, backend: str | None = None) -> VerinaTask:
    """The task in `folder`; `backend` defaults to the one whose task file the folder has (Lean first)."""
    root = Path(folder)
    meta = _read_json(root / "task.json")
    if backend is None:
        backend = next((b for b in ("lean", "coq") if (root / meta.get(_TASK_FILE[b], _DEFAULT_TASK_FILE[b])).is_file()),
                       None)
        if backend is None:
            raise ConfigError(f"{root} has neither task.lean nor task.v")
    if backend not in BACKENDS:
        raise ConfigError(f"unknown Verina backend {backend!r}; available: {', '.join(BACKENDS)}")
    prefix = "coq_" if backend == "coq" else ""
    signature = Signature.parse(meta.get(f"{prefix}signature") or meta.get("signature"), str(root / "task.json"))
    source = root / meta.get(_TASK_FILE[backend], _DEFAULT_TASK_FILE[backend])
    if not source.is_file():
        raise ConfigError(f"{root} has no {backend} task file {source.name}")
    sections = parse_sections(source.read_text(encoding="utf-8"), str(source))
    test_file = root / f"{prefix}test.json" if (root / f"{prefix}test.json").is_file() else root / meta.get(
        "test_file", "test.json")
    reject_file = (root / f"{prefix}reject_inputs.json" if (root / f"{prefix}reject_inputs.json").is_file()
                   else root / meta.get("reject_inputs_file", "reject_inputs.json"))
    description_file = root / meta.get("description_file", "description.txt")
    task = VerinaTask(
        id=str(meta.get("id") or root.name),
        backend=backend,
        signature=signature,
        description=description_file.read_text(encoding="utf-8").strip() if description_file.is_file() else "",
        task_imports=sections.get("import:task", ""),
        task_aux=sections.get("task_aux", ""),
        reference=solution_of(sections, str(source)),
        tests=_tests(_read_json(test_file), str(test_file)),
        reject_inputs=_rejects(_read_json(reject_file), str(reject_file)) if reject_file.is_file() else (),
        path=str(root),
    )
    _check_inputs(task)
    return task


def load_tasks(root: str | Path, backend: str | None = None) -> list[VerinaTask]:
    """Every task folder under `root` (or `root` itself when it is one), sorted by folder name."""
    base = Path(root)
    if (base / "task.json").is_file():
        return [load_task(base, backend)]
    folders = sorted(p.parent for p in base.glob("*/task.json"))
    if not folders:
        raise ConfigError(f"{base} holds no Verina task folders (a folder with task.json, or folders of them)")
    return [load_task(folder, backend) for folder in folders]


def candidate_from_text(text: str, default_section: str, where: str) -> Solution:
    """A candidate from a file: its `!benchmark` sections, or the whole text as `default_section`."""
    sections = parse_sections(text, where)
    if not sections:
        return Solution(**{default_section: text.strip()})
    return solution_of(sections, where)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sampled solution for a task (a line of a candidates jsonl)."""

    task_id: str
    solution: Solution


def load_candidates(path: str | Path) -> list[Candidate]:
    """Candidates from a jsonl file: ``{"task_id": ..., "code": ..., "precond": ..., ...}`` per line."""
    candidates = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(record, dict) or not isinstance(record.get("task_id"), str):
            raise ConfigError(f"{path}:{number}: each line needs a \"task_id\" string")
        unknown = sorted(set(record) - {"task_id", *SECTIONS})
        if unknown:
            raise ConfigError(f"{path}:{number}: unknown field(s) {', '.join(unknown)}; "
                              f"sections are {', '.join(SECTIONS)}")
        bad = [k for k in SECTIONS if not isinstance(record.get(k, ""), str)]
        if bad:
            raise ConfigError(f"{path}:{number}: section(s) {', '.join(bad)} must be strings")
        candidates.append(Candidate(record["task_id"], Solution(**{k: record.get(k, "") for k in SECTIONS})))
    return candidates
