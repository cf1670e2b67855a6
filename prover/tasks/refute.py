"""REFUTE: find an input on which a wrong program fails (Sinha et al., 2025; bethgelab/REFUTE).

A task is one record of the benchmark's release (``problem_id``, ``statement``, ``time_limit`` in
ms, ``memory_limit`` in MB, ``input``/``output``/``example_input``/``example_output``/``note``,
``wrong_code`` with ``wrong_code_lang``, ``correct_cpp`` or else ``correct_python``, and
``validator``, a Python program that exits 0 on a valid input). Two optional fields are this
project's own: ``validator_lang`` (default ``Python 3``, what the released evaluator assumes) and
``generator``/``generator_lang``, a random small-input generator for the stress-test baseline
(it reads a seed, one integer, on stdin).

`judge` decides as the released evaluator does: the validator must accept the input; then, up to
`JudgeSettings.runs` times, the wrong program crashing or running out of time, or its output
differing from the correct program's (`outputs_match`), makes the input a counterexample. Two
deliberate differences, both settings: the wrong program gets the task's own time limit (the
released evaluator allows every program 20 s: ``JudgeSettings(time_limit_seconds=20)``), and an
address-space cap of the task's memory limit plus `RUNTIME_ALLOWANCE` (the released evaluator
sets none), exceeding which counts as a crash, as it would on the judge.

`refute` drives a `ProgramWriter` (the task text and the feedback so far in, an input-generator
program out) for a bounded number of rounds, running each generator in the sandbox and feeding
back what went wrong; `ScriptedWriter` hands out programs written ahead of time and `LLMWriter`
asks a language model (a local one or an OpenAI-compatible endpoint); `stress_test` is the baseline
that runs the task's own random generator.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from prover.errors import ConfigError
from prover.sandbox import MIB, Language, Program, RunResult, Sandbox, SandboxLimits

if TYPE_CHECKING:
    from prover.policies.text import TextGenerator

RUNTIME_ALLOWANCE = 64 * MIB
"""Address space granted beyond the task's memory limit: the interpreter and libraries' mappings."""

GENERATOR_LIMITS = SandboxLimits(cpu_seconds=10, wall_seconds=30, memory_bytes=1024 * MIB,
                                 stdout_bytes=64 * MIB)
VALIDATOR_LIMITS = SandboxLimits(cpu_seconds=10, wall_seconds=30, memory_bytes=1024 * MIB)

_REQUIRED = ("problem_id", "statement", "wrong_code", "wrong_code_lang", "validator")
TASK_FILE = "task.json"
ATTEMPTS_DIR = "attempts"

Kind = Literal["invalid_input", "crash", "timeout", "wrong_answer", "agree", "correct_failed"]


def parse_language(name: str) -> Language:
    """A Codeforces language name (``GNU C++17``, ``Python 3``, ``PyPy 3-64``) as ``cpp`` or ``python``."""
    lowered = name.lower()
    if any(mark in lowered for mark in ("c++", "cpp", "g++")):
        return "cpp"
    if "python 2" in lowered or lowered.strip() in ("python2", "pypy 2", "pypy2"):
        raise ConfigError(f"language {name!r} is Python 2; REFUTE programs must be C++ or Python 3")
    if "python" in lowered or "pypy" in lowered:
        return "python"
    raise ConfigError(f"language {name!r} is neither C++ nor Python 3; REFUTE programs must be one of those")


@dataclass(frozen=True, slots=True)
class RefuteTask:
    """One REFUTE problem: its statement and limits, the wrong and correct programs, the validator."""

    problem_id: str
    statement: str
    """The problem as a contestant reads it (statement, limits, formats, examples, note)."""
    time_limit_seconds: float
    memory_limit_bytes: int
    wrong: Program
    correct: Program
    validator: Program
    generator: Program | None = None
    """A random small-input generator (project extension), for `stress_test`."""
    folder: Path | None = None
    """The task's folder when it was loaded from one (it may hold ``attempts/``)."""

    @classmethod
    def parse(cls, record: dict[str, object], folder: Path | None = None) -> RefuteTask:
        """Read one benchmark record; a ConfigError names any missing or malformed field."""
        missing = [name for name in _REQUIRED if not isinstance(record.get(name), str) or not record[name]]
        correct_cpp, correct_python = record.get("correct_cpp"), record.get("correct_python")
        if not correct_cpp and not correct_python:
            missing.append("correct_cpp or correct_python")
        if missing:
            raise ConfigError(f"REFUTE record {record.get('problem_id', '?')!r} lacks {', '.join(missing)}")
        correct = (Program("cpp", str(correct_cpp)) if correct_cpp else Program("python", str(correct_python)))
        generator = None
        if record.get("generator"):
            generator = Program(parse_language(str(record.get("generator_lang", "Python 3"))), str(record["generator"]))
        return cls(
            problem_id=str(record["problem_id"]),
            statement=_describe(record),
            time_limit_seconds=_number(record, "time_limit", 2000) / 1000,
            memory_limit_bytes=int(_number(record, "memory_limit", 256) * MIB),
            wrong=Program(parse_language(str(record["wrong_code_lang"])), str(record["wrong_code"])),
            correct=correct,
            validator=Program(parse_language(str(record.get("validator_lang", "Python 3"))), str(record["validator"])),
            generator=generator,
            folder=folder,
        )

    def prompt(self) -> str:
        """What a program writer is shown: the problem and the wrong program."""
        language = "C++" if self.wrong.language == "cpp" else "Python 3"
        return (f"{self.statement}\n## Incorrect program ({language})\n```\n{self.wrong.source}\n```\n\n"
                "Write a program that prints one valid input (in the input format above) on which the "
                "incorrect program fails: wrong output, a crash, or running past the time limit.\n")


def _number(record: dict[str, object], name: str, default: float) -> float:
    value = record.get(name, default)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"REFUTE field {name!r} must be a number, got {value!r}") from None
    if not number > 0:
        raise ConfigError(f"REFUTE field {name!r} must be positive, got {value!r}")
    return number


def _describe(record: dict[str, object]) -> str:
    """The problem text in the shape the benchmark's prompts use."""
    parts = [f"## Statement\n{record['statement']}\n",
             f"Time Limit: {int(_number(record, 'time_limit', 2000))}ms\n",
             f"Memory Limit: {int(_number(record, 'memory_limit', 256))} megabytes\n"]
    for field_name, title in (("input", "Input Format"), ("output", "Output Format")):
        if record.get(field_name):
            parts.append(f"## {title}\n{record[field_name]}\n")
    for field_name, title in (("example_input", "Example Input"), ("example_output", "Example Output")):
        if record.get(field_name):
            parts.append(f"## {title}\n```\n{record[field_name]}\n```\n")
    if record.get("note"):
        parts.append(f"## Note\n{record['note']}\n")
    return "\n".join(parts).replace("$$$", "$$")


def load_tasks(path: str | Path) -> list[RefuteTask]:
    """Tasks from a ``.json`` record, a ``.jsonl`` file, a task folder (``task.json``) or a folder of those."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"no REFUTE task at {path}: give a task.json, a .jsonl file or a folder of tasks")
    if path.is_dir():
        if (path / TASK_FILE).is_file():
            return [RefuteTask.parse(_read_json(path / TASK_FILE), folder=path)]
        tasks = [task for child in sorted(path.iterdir()) if (child / TASK_FILE).is_file()
                 for task in load_tasks(child)]
        if not tasks:
            raise ConfigError(f"{path} holds no REFUTE task folders (each with a {TASK_FILE})")
        return tasks
    if path.suffix == ".jsonl":
        return [RefuteTask.parse(record) for record in _read_jsonl(path)]
    return [RefuteTask.parse(_read_json(path), folder=path.parent)]


def _read_json(path: Path) -> dict[str, object]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the REFUTE record {path}: {exc}") from exc
    if not isinstance(record, dict):
        raise ConfigError(f"{path} must hold one JSON object (a REFUTE record), not {type(record).__name__}")
    return record


def _read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number} is not JSON: {exc}") from exc
            if not isinstance(record, dict):
                raise ConfigError(f"{path}:{number} must be a JSON object (a REFUTE record)")
            yield record


# Output comparison, as the benchmark's checker does it.


def _tokens(output: str) -> list[str]:
    return output.split()


def _is_yes_no(token: str) -> bool:
    return token.lower() in ("yes", "no")


def outputs_match(expected: str, got: str) -> tuple[bool, str]:
    """Compare token by token (whitespace and blank lines ignored); when every expected token is
    YES or NO, compare those case-insensitively. Returns (match, why not)."""
    if not expected.strip() or not got.strip():
        if not expected.strip() and not got.strip():
            return True, ""
        return False, "expected empty output" if not expected.strip() else "the output is empty"
    want, have = _tokens(expected), _tokens(got)
    if len(want) != len(have):
        return False, f"expected {len(want)} tokens, found {len(have)}"
    yes_no = all(_is_yes_no(token) for token in want)
    for index, (a, b) in enumerate(zip(want, have, strict=True), 1):
        same = (_is_yes_no(b) and a.lower() == b.lower()) if yes_no else a == b
        if not same:
            return False, f"token {index}: expected {a[:40]!r}, found {b[:40]!r}"
    return True, ""


# Judging one input.


@dataclass(frozen=True, slots=True)
class JudgeSettings:
    """How `judge` runs the programs."""

    runs: int = 5
    """Runs of the wrong program (and the correct one) before concluding they agree."""
    time_limit_seconds: float | None = None
    """CPU seconds for the wrong program; None: the task's own limit."""
    wall_factor: float = 3.0
    """Wall-clock allowance as a multiple of the time limit (plus one second): the machine may be busy."""

    def __post_init__(self) -> None:
        if self.runs < 1:
            raise ConfigError(f"JudgeSettings.runs must be at least 1, got {self.runs}")
        if self.time_limit_seconds is not None and not self.time_limit_seconds > 0:
            raise ConfigError(f"JudgeSettings.time_limit_seconds must be positive, got {self.time_limit_seconds}")


@dataclass(frozen=True, slots=True)
class Judgement:
    """Whether an input is a counterexample, and why."""

    counterexample: bool
    kind: Kind
    reason: str
    runs: int
    """Runs of the wrong program done."""
    seconds: float


def _wrong_limits(task: RefuteTask, settings: JudgeSettings) -> SandboxLimits:
    seconds = settings.time_limit_seconds or task.time_limit_seconds
    return SandboxLimits(cpu_seconds=seconds, wall_seconds=seconds * settings.wall_factor + 1,
                         memory_bytes=task.memory_limit_bytes + RUNTIME_ALLOWANCE, stdout_bytes=64 * MIB)


def _correct_limits(task: RefuteTask, settings: JudgeSettings) -> SandboxLimits:
    # The reference solution is trusted to be right, not to be fast on a busy machine.
    seconds = max(10.0, 5 * (settings.time_limit_seconds or task.time_limit_seconds))
    return SandboxLimits(cpu_seconds=seconds, wall_seconds=seconds * settings.wall_factor + 1,
                         memory_bytes=max(task.memory_limit_bytes * 2, 1024 * MIB), stdout_bytes=64 * MIB)


def judge(task: RefuteTask, test_input: str, sandbox: Sandbox, settings: JudgeSettings = JudgeSettings()) -> Judgement:
    """Decide whether `test_input` is a counterexample to the task's wrong program."""
    started = time.monotonic()
    data = test_input.encode()

    def verdict(counterexample: bool, kind: Kind, reason: str, runs: int) -> Judgement:
        return Judgement(counterexample, kind, reason, runs, time.monotonic() - started)

    checked = sandbox.run(task.validator, data, VALIDATOR_LIMITS)
    if not checked.ok:
        return verdict(False, "invalid_input", f"the validator rejects the input: {_explain(checked)}", 0)
    for run in range(1, settings.runs + 1):
        wrong = sandbox.run(task.wrong, data, _wrong_limits(task, settings))
        if wrong.stage == "compile":
            raise ConfigError(f"task {task.problem_id}: the wrong program does not compile: {wrong.summary()}")
        if wrong.hit.cpu or wrong.hit.wall:
            return verdict(True, "timeout", f"the wrong program exceeds the time limit: {wrong.summary()}", run)
        if not wrong.ok:
            return verdict(True, "crash", f"the wrong program fails: {_explain(wrong)}", run)
        correct = sandbox.run(task.correct, data, _correct_limits(task, settings))
        if not correct.ok:
            return verdict(False, "correct_failed", f"the correct program fails on it: {_explain(correct)}", run)
        same, why = outputs_match(correct.stdout.decode(errors="replace"), wrong.stdout.decode(errors="replace"))
        if not same:
            return verdict(True, "wrong_answer", f"wrong answer: {why}", run)
    return verdict(False, "agree", f"the wrong and correct programs agree in {settings.runs} runs", settings.runs)


def _explain(result: RunResult) -> str:
    tail = result.stderr.decode(errors="replace").strip()[-300:]
    return f"{result.summary()}" + (f"; stderr: {tail}" if tail else "")


# Finding counterexamples: a program writer over rounds, and the stress-test baseline.


class ProgramWriter(Protocol):
    """Writes an input-generator program for a task, given its text and the feedback so far."""

    name: str

    def write(self, task_text: str, feedback: Sequence[str]) -> Program: ...


class ScriptedWriter:
    """A writer that hands out fixed programs in order (the last one again when they run out).

    Its programs come from a task's ``attempts/`` folder (`from_folder`): real generator programs
    written ahead of time, which makes the feedback loop deterministic to test and gives a
    human-written reference for an LLM writer to beat.
    """

    name = "scripted"

    def __init__(self, programs: Sequence[Program]) -> None:
        if not programs:
            raise ConfigError("a scripted writer needs at least one program")
        self.programs = tuple(programs)
        self.calls = 0

    @classmethod
    def from_folder(cls, task: RefuteTask) -> ScriptedWriter:
        """The generators in ``TASK/attempts/`` (``*.py``, ``*.cpp``), in file-name order."""
        folder = task.folder / ATTEMPTS_DIR if task.folder is not None else None
        if folder is None or not folder.is_dir():
            raise ConfigError(f"task {task.problem_id} has no {ATTEMPTS_DIR}/ folder of generator programs")
        programs = [Program("cpp" if path.suffix == ".cpp" else "python", path.read_text(encoding="utf-8"))
                    for path in sorted(folder.iterdir()) if path.suffix in (".py", ".cpp")]
        return cls(programs)

    def write(self, task_text: str, feedback: Sequence[str]) -> Program:
        program = self.programs[min(self.calls, len(self.programs) - 1)]
        self.calls += 1
        return program


_FENCE = re.compile(r"```[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n(?P<code>.*?)(?:```|\Z)", re.DOTALL)
_CPP_TAGS = frozenset({"cpp", "c++", "cc", "cxx", "c"})
_PYTHON_TAGS = frozenset({"python", "python3", "py", "py3"})
FORMAT_REQUEST = ("Answer with the complete generator program in one fenced code block (```python or ```cpp). "
                  "It reads nothing and prints the whole input.\n")


def writer_prompt(task_text: str, feedback: Sequence[str]) -> str:
    """What an LLM writer is asked: the task, why each earlier generator failed, the answer's format."""
    earlier = "".join(f"Attempt {i}: {note}\n" for i, note in enumerate(feedback, 1))
    return (f"{task_text}\n" + (f"## Your earlier generators\n{earlier}\n" if earlier else "")
            + FORMAT_REQUEST + "\n")


def extract_program(text: str) -> Program:
    """The generator in a completion: the first fenced block of a known language (else the first
    block, else the whole text; a block cut off by the token limit runs to the end). The fence's
    tag names the language; without one, ``#include`` or ``int main`` means C++, anything else Python."""
    blocks = [(m.group("lang").lower(), m.group("code")) for m in _FENCE.finditer(text)]
    known = [block for block in blocks if block[0] in _CPP_TAGS | _PYTHON_TAGS]
    tag, code = (known or blocks or [("", text)])[0]
    if tag in _CPP_TAGS:
        return Program("cpp", code)
    if tag in _PYTHON_TAGS:
        return Program("python", code)
    return Program("cpp" if re.search(r"#include\b|\bint\s+main\s*\(", code) else "python", code)


@dataclass(frozen=True, slots=True)
class Draft:
    """One answer of an LLM writer: what it was asked, what it said, the program taken from it."""

    prompt: str
    completion: str
    program: Program
    prompt_tokens: int
    completion_tokens: int


class LLMWriter:
    """A `ProgramWriter` that asks a language model (`prover.policies.text.TextGenerator`).

    Each call prompts with `writer_prompt` (the task and the feedback of earlier rounds) and runs
    whatever program the completion holds (`extract_program`): junk fails in the sandbox and its
    error is the next round's feedback. `drafts` keeps every prompt and answer; `tokens` sums them.
    """

    def __init__(self, generator: TextGenerator, max_tokens: int = 1024) -> None:
        if max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {max_tokens}")
        self.generator = generator
        self.name = generator.name
        self.max_tokens = max_tokens
        self.drafts: list[Draft] = []

    @property
    def tokens(self) -> int:
        """Prompt and completion tokens of every call so far."""
        return sum(d.prompt_tokens + d.completion_tokens for d in self.drafts)

    def write(self, task_text: str, feedback: Sequence[str]) -> Program:
        prompt = writer_prompt(task_text, feedback)
        answer = self.generator.generate(prompt, self.max_tokens)
        program = extract_program(answer.text)
        self.drafts.append(Draft(prompt, answer.text, program, answer.prompt_tokens, answer.completion_tokens))
        return program


@dataclass(frozen=True, slots=True)
class Round:
    """One round of `refute`: the generator written, what it produced, and the judgement."""

    program: Program
    generated: bool
    """The generator ran and printed an input."""
    judgement: Judgement | None
    feedback: str
    """What the writer is told next (empty when the round found a counterexample)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt at a task: solved when some round's input is a counterexample."""

    problem_id: str
    solved: bool
    rounds: tuple[Round, ...]
    counterexample: str | None
    seconds: float


def refute(task: RefuteTask, writer: ProgramWriter, sandbox: Sandbox, rounds: int = 3,
           settings: JudgeSettings = JudgeSettings()) -> Outcome:
    """Up to `rounds` generator programs from `writer`, each told why the previous one failed."""
    if rounds < 1:
        raise ConfigError(f"rounds must be at least 1, got {rounds}")
    started = time.monotonic()
    feedback: list[str] = []
    done: list[Round] = []
    text = task.prompt()
    for _ in range(rounds):
        program = writer.write(text, tuple(feedback))
        output = sandbox.run(program, b"", GENERATOR_LIMITS)
        if not output.ok:
            note = f"Your generator did not print an input: {_explain(output)}"
            done.append(Round(program, False, None, note))
            feedback.append(note)
            continue
        test_input = output.stdout.decode(errors="replace")
        judgement = judge(task, test_input, sandbox, settings)
        if judgement.counterexample:
            done.append(Round(program, True, judgement, ""))
            return Outcome(task.problem_id, True, tuple(done), test_input, time.monotonic() - started)
        note = f"Your input is not a counterexample: {judgement.reason}. Input began: {test_input[:200]!r}"
        done.append(Round(program, True, judgement, note))
        feedback.append(note)
    return Outcome(task.problem_id, False, tuple(done), None, time.monotonic() - started)


def stress_test(task: RefuteTask, sandbox: Sandbox, tries: int = 200, budget_seconds: float = 60.0,
                settings: JudgeSettings = JudgeSettings()) -> Outcome:
    """The baseline: random inputs from the task's generator (seeds 1, 2, ...) until one is a counterexample.

    Each input is screened with one run of each program; a difference is confirmed by `judge`.
    """
    if task.generator is None:
        raise ConfigError(f"task {task.problem_id} has no `generator` field; the stress test needs one")
    started = time.monotonic()
    screen = replace(settings, runs=1)
    last: Round | None = None
    for seed in range(1, tries + 1):
        if time.monotonic() - started > budget_seconds:
            break
        output = sandbox.run(task.generator, f"{seed}\n".encode(), GENERATOR_LIMITS)
        if not output.ok:
            raise ConfigError(f"task {task.problem_id}: its generator fails on seed {seed}: {_explain(output)}")
        test_input = output.stdout.decode(errors="replace")
        if judge(task, test_input, sandbox, screen).counterexample:
            judgement = judge(task, test_input, sandbox, settings)
            if judgement.counterexample:
                found = Round(task.generator, True, judgement, f"seed {seed}")
                return Outcome(task.problem_id, True, (found,), test_input, time.monotonic() - started)
        last = Round(task.generator, True, None, f"{seed} seeds tried")
    return Outcome(task.problem_id, False, (last,) if last else (), None, time.monotonic() - started)


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimate from `n` attempts of which `c` solved (Chen et al., 2021)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ConfigError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


@dataclass(frozen=True, slots=True)
class TaskScore:
    """A task's result over `n` independent attempts, as stored."""

    problem_id: str
    n: int
    solved: int
    k: int
    pass_at_k: float
    pass_at_1: float
    counterexample: str | None
    """The first counterexample found (cut to 2,000 characters)."""
    seconds: float
    tokens: int = 0
    """Model tokens (prompts and completions) the attempts spent; 0 for writers without a model."""

    @classmethod
    def of(cls, problem_id: str, outcomes: Sequence[Outcome], k: int, tokens: int = 0) -> TaskScore:
        """Score the attempts at one task."""
        n, solved = len(outcomes), sum(outcome.solved for outcome in outcomes)
        found = next((outcome.counterexample for outcome in outcomes if outcome.counterexample is not None), None)
        return cls(problem_id, n, solved, k, pass_at_k(n, solved, k), pass_at_k(n, solved, 1),
                   found[:2000] if found is not None else None, sum(outcome.seconds for outcome in outcomes),
                   tokens)

    @property
    def status(self) -> str:
        return "solved" if self.solved else "failed"

    def detail_json(self, outcomes: Sequence[Outcome]) -> str:
        """The stored detail: counts, estimates, and each attempt's rounds (kind and reason)."""
        attempts = [[{"generated": r.generated, "kind": r.judgement.kind if r.judgement else None,
                      "reason": r.judgement.reason if r.judgement else r.feedback} for r in outcome.rounds]
                    for outcome in outcomes]
        return json.dumps({"n": self.n, "solved": self.solved, "k": self.k, "pass_at_k": self.pass_at_k,
                           "pass_at_1": self.pass_at_1, "counterexample": self.counterexample,
                           "tokens": self.tokens, "attempts": attempts}, sort_keys=True)
