"""Problems with candidate solutions, in the format of GSM8K's ``example_model_solutions.jsonl``.

One JSON object per line: ``question``, ``ground_truth`` (the reference solution), and any
number of candidates, each under its own key (the model that wrote it) as
``{"is_correct": bool, "solution": "step\\nstep\\nA: 18"}``. This project adds two optional
fields: ``id`` per problem, and ``step_labels`` per candidate, one per step, each
``correct`` or the kind of error the step makes (``arithmetic``, ``algebra``: a false
calculation or manipulation; ``reasoning``: a true calculation that does the wrong thing).
A solution's steps are its non-empty lines; a last line ``A: ...`` (or ``#### ...``) is the
answer, not a step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from prover.errors import ConfigError

StepLabel = Literal["correct", "arithmetic", "algebra", "reasoning"]
STEP_LABELS: tuple[StepLabel, ...] = ("correct", "arithmetic", "algebra", "reasoning")
_ANSWER = re.compile(r"^\s*(?:A:|####|The answer is:?)\s*(?P<answer>.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    """The key it was stored under (GSM8K: the model, e.g. ``175b_verification``)."""
    steps: tuple[str, ...]
    answer: str | None
    is_correct: bool | None = None
    step_labels: tuple[StepLabel, ...] | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    id: str
    question: str
    candidates: tuple[Candidate, ...]
    ground_truth: str | None = None


def split_solution(solution: str) -> tuple[tuple[str, ...], str | None]:
    """(steps, final answer) of a solution text."""
    lines = [line.strip() for line in solution.splitlines() if line.strip()]
    if lines and (m := _ANSWER.match(lines[-1])) is not None:
        return tuple(lines[:-1]), m.group("answer").replace(",", "").lstrip("$") or None
    return tuple(lines), None


def load_problems(path: str | Path) -> list[Problem]:
    """Every problem of a JSON Lines file; a clear ConfigError names the first bad line."""
    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"{source}: no such file (give a .jsonl of problems with candidate solutions)")
    problems = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            problems.append(parse_problem(line, f"{source}:{number}"))
    if not problems:
        raise ConfigError(f"{source}: the file holds no problems")
    return problems


def parse_problem(line: str, where: str) -> Problem:
    """One JSON line as a Problem; `where` (file:line) prefixes any error."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("question"), str):
        raise ConfigError(f'{where}: each line must be an object with a "question" string')
    candidates = tuple(_candidate(key, value, where) for key, value in record.items()
                       if isinstance(value, dict))
    if not candidates:
        raise ConfigError(f'{where}: no candidate solutions (add e.g. "model_a": {{"solution": "...\\nA: 18"}})')
    ground_truth = record.get("ground_truth")
    return Problem(str(record.get("id", where)), record["question"], candidates,
                   ground_truth if isinstance(ground_truth, str) else None)


def _candidate(key: str, value: dict[str, object], where: str) -> Candidate:
    solution = value.get("solution")
    if not isinstance(solution, str):
        raise ConfigError(f'{where}: candidate "{key}" needs a "solution" string')
    is_correct = value.get("is_correct")
    if is_correct is not None and not isinstance(is_correct, bool):
        raise ConfigError(f'{where}: candidate "{key}": "is_correct" must be true or false')
    steps, answer = split_solution(solution)
    labels = value.get("step_labels")
    if labels is not None:
        if not isinstance(labels, list) or any(label not in STEP_LABELS for label in labels):
            raise ConfigError(f'{where}: candidate "{key}": "step_labels" must be a list of {", ".join(STEP_LABELS)}')
        if len(labels) != len(steps):
            raise ConfigError(f'{where}: candidate "{key}" has {len(steps)} steps but {len(labels)} step_labels')
    return Candidate(key, steps, answer, is_correct, tuple(labels) if labels is not None else None)
