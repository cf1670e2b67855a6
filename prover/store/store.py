"""The store's typed API: frozen dataclasses in, frozen dataclasses out, no ORM rows leaking.

Every write is one short transaction, and every insert a resumed or restarted worker may
repeat is ``INSERT .. ON CONFLICT DO NOTHING``: recording the same attempt twice keeps the
first row and reports ``False``, so a killed run can simply be run again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from prover.data import premises as corpus
from prover.envs.base import Theorem, normalize_whitespace
from prover.errors import ConfigError
from prover.policies.base import SearchStep
from prover.store.models import (
    ATTEMPT_STATUSES,
    RUN_STATUSES,
    Attempt,
    Base,
    Benchmark,
    Premise,
    Run,
    Step,
    TaskResult,
    TheoremRow,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


_PREMISE_FIELDS = tuple(f.name for f in fields(corpus.Premise))


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A run: its id, the configuration it ran with and where; ``id=""`` asks for a fresh id."""

    id: str = ""
    config_json: str = "{}"
    """The run's configuration as JSON text (the caller serialises it)."""
    code_version: str = ""
    """E.g. the git commit of the prover checkout."""
    machine: str = ""
    status: str = "running"
    """One of ``running``, ``finished``, ``failed``, ``killed``."""
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TheoremInfo:
    """A stored theorem: `Theorem` fields that identify it, and its row id."""

    id: int
    benchmark_id: int
    key: str
    """`Theorem.key`, unique within the benchmark."""
    backend: str
    name: str
    statement: str
    header_hash: str
    """`header_hash` of the theorem's header (the header itself is not stored)."""
    module: str | None = None
    source: str | None = None
    split: str | None = None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One run's attempt at one theorem, written once when the attempt ends."""

    run_id: str
    theorem_id: int
    status: str
    """One of ``solved``, ``failed``, ``error``, ``timeout``."""
    proof: str | None = None
    verdict_accepted: bool | None = None
    """`Verdict.accepted` of the final check; None when nothing was checked."""
    verdict_reason: str | None = None
    axioms: tuple[str, ...] = ()
    seconds: float = 0.0
    expansions: int = 0
    tactic_calls: int = 0
    tokens: int = 0
    error: str | None = None
    deepest: str | None = None
    """When unsolved: the deepest proof state the search reached, as text."""
    id: int | None = field(default=None, compare=False)
    """The row id, set on records the store returns."""


@dataclass(frozen=True, slots=True)
class TaskResultInfo:
    """The result of one non-theorem task of a run; at most one per run × kind × id."""

    run_id: str
    task_kind: str
    """``verina``, ``refute``, ``safe``, ..."""
    task_id: str
    status: str
    detail_json: str = "{}"
    seconds: float = 0.0


def header_hash(header: str) -> str:
    """Stable hash of a theorem header, whitespace-normalised."""
    return hashlib.sha256(normalize_whitespace(header).encode()).hexdigest()[:32]


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite drops the zone: every stored time is UTC, so put it back."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _insert_ignoring(conn: Connection, model: type[Base], keys: Sequence[str]) -> Any:
    """``INSERT .. ON CONFLICT (keys) DO NOTHING`` for `model` in the connection's dialect."""
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        return None
    return dialect_insert(model).on_conflict_do_nothing(index_elements=list(keys))


class Store:
    """The experiment database. Open it with `prover.store.open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database URL with its password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self, revision: str = "head") -> None:
        """Create or upgrade the tables to `revision` (alembic, migrations shipped in the package)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._write() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _insert_one(
        self, conn: Connection, model: type[Base], keys: Sequence[str], row: dict[str, Any]
    ) -> int | None:
        """Insert `row` unless one with the same `keys` exists; the new id, or None when it existed."""
        stmt = _insert_ignoring(conn, model, keys)
        if stmt is not None:
            return conn.execute(stmt.returning(model.id), row).scalar_one_or_none()  # type: ignore[attr-defined]
        try:
            with conn.begin_nested():
                return conn.execute(insert(model).returning(model.id), row).scalar_one()  # type: ignore[attr-defined]
        except IntegrityError:
            return None

    # runs

    def start_run(self, info: RunInfo) -> RunInfo:
        """Record a new run, or mark an existing one (same id and config) running again to resume it."""
        if not info.id:
            info = replace(info, id=uuid.uuid4().hex)
        with self._write() as conn:
            row = conn.execute(select(Run.__table__).where(Run.id == info.id)).one_or_none()
            if row is None:
                started = _utc(info.started_at) or datetime.now(UTC)
                values = {
                    "id": info.id,
                    "config_json": info.config_json,
                    "code_version": info.code_version,
                    "machine": info.machine,
                    "started_at": started,
                    "finished_at": None,
                    "status": "running",
                }
                conn.execute(insert(Run), values)
                return replace(info, status="running", started_at=started, finished_at=None)
            if row.config_json != info.config_json:
                raise ConfigError(
                    f"run {info.id!r} exists with a different config; resume it with the same config or pick a new id"
                )
            conn.execute(update(Run).where(Run.id == info.id).values(status="running", finished_at=None))
        return self.run(info.id)

    def finish_run(self, run_id: str, status: str = "finished") -> None:
        """Mark a run ended with `status` (``finished``, ``failed`` or ``killed``) now."""
        if status not in RUN_STATUSES:
            raise ConfigError(f"run status {status!r} is not one of {', '.join(RUN_STATUSES)}")
        with self._write() as conn:
            result = conn.execute(
                update(Run).where(Run.id == run_id).values(status=status, finished_at=datetime.now(UTC))
            )
            if result.rowcount == 0:
                raise ConfigError(f"no run {run_id!r} in the store at {self.url}")

    def run(self, run_id: str) -> RunInfo:
        """The run with id `run_id`."""
        with self._read() as conn:
            row = conn.execute(select(Run.__table__).where(Run.id == run_id)).one_or_none()
        if row is None:
            raise ConfigError(f"no run {run_id!r} in the store at {self.url}")
        return self._run_info(row)

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        with self._read() as conn:
            rows = conn.execute(select(Run.__table__).order_by(Run.started_at, Run.id)).all()
        return [self._run_info(row) for row in rows]

    @staticmethod
    def _run_info(row: Any) -> RunInfo:
        return RunInfo(
            id=row.id,
            config_json=row.config_json,
            code_version=row.code_version,
            machine=row.machine,
            status=row.status,
            started_at=_utc(row.started_at),
            finished_at=_utc(row.finished_at),
        )

    # benchmarks and theorems

    def upsert_benchmark(self, name: str, split: str = "") -> int:
        """The id of benchmark `name`/`split`, creating it when absent."""
        with self._write() as conn:
            new = self._insert_one(conn, Benchmark, ("name", "split"), {"name": name, "split": split})
            if new is not None:
                return new
            return conn.execute(
                select(Benchmark.id).where(Benchmark.name == name, Benchmark.split == split)
            ).scalar_one()

    def add_theorems(self, benchmark_id: int, theorems: Iterable[Theorem]) -> dict[str, int]:
        """Add theorems to a benchmark (those already there are kept); `Theorem.key` -> row id for each."""
        rows = {
            thm.key: {
                "benchmark_id": benchmark_id,
                "key": thm.key,
                "backend": thm.backend,
                "name": thm.name,
                "statement": thm.statement,
                "header_hash": header_hash(thm.header),
                "module": thm.module,
                "source": thm.source,
                "split": thm.split,
            }
            for thm in theorems
        }
        with self._write() as conn:
            stmt = _insert_ignoring(conn, TheoremRow, ("benchmark_id", "key"))
            if stmt is not None and rows:
                conn.execute(stmt, list(rows.values()))
            elif rows:
                for row in rows.values():
                    self._insert_one(conn, TheoremRow, ("benchmark_id", "key"), row)
            found = conn.execute(
                select(TheoremRow.key, TheoremRow.id).where(TheoremRow.benchmark_id == benchmark_id)
            ).all()
        return {key: id_ for key, id_ in found if key in rows}

    def theorems(self, benchmark_id: int) -> list[TheoremInfo]:
        """The theorems of a benchmark, in insertion order."""
        query = select(TheoremRow.__table__).where(TheoremRow.benchmark_id == benchmark_id)
        return self._theorem_infos(query.order_by(TheoremRow.id))

    def run_theorems(self, run_id: str) -> list[TheoremInfo]:
        """The theorems a run has attempts for, in the order the attempts were recorded."""
        query = (select(TheoremRow.__table__).join(Attempt, Attempt.theorem_id == TheoremRow.id)
                 .where(Attempt.run_id == run_id).order_by(Attempt.id))
        return self._theorem_infos(query)

    def _theorem_infos(self, query: Any) -> list[TheoremInfo]:
        with self._read() as conn:
            return [
                TheoremInfo(
                    id=r.id,
                    benchmark_id=r.benchmark_id,
                    key=r.key,
                    backend=r.backend,
                    name=r.name,
                    statement=r.statement,
                    header_hash=r.header_hash,
                    module=r.module,
                    source=r.source,
                    split=r.split,
                )
                for r in conn.execute(query)
            ]

    # attempts and steps

    def record_attempt(self, record: AttemptRecord, steps: Sequence[SearchStep] = ()) -> bool:
        """Store a finished attempt (and its search steps) atomically; False if the run already has one."""
        if record.status not in ATTEMPT_STATUSES:
            raise ConfigError(f"attempt status {record.status!r} is not one of {', '.join(ATTEMPT_STATUSES)}")
        row = {
            "run_id": record.run_id,
            "theorem_id": record.theorem_id,
            "status": record.status,
            "proof": record.proof,
            "verdict_accepted": record.verdict_accepted,
            "verdict_reason": record.verdict_reason,
            "axioms_json": json.dumps(list(record.axioms)),
            "seconds": record.seconds,
            "expansions": record.expansions,
            "tactic_calls": record.tactic_calls,
            "tokens": record.tokens,
            "error": record.error,
            "deepest": record.deepest,
            "created_at": datetime.now(UTC),
        }
        try:
            with self._write() as conn:
                attempt_id = self._insert_one(conn, Attempt, ("run_id", "theorem_id"), row)
                if attempt_id is None:
                    return False
                self._insert_steps(conn, attempt_id, steps)
        except IntegrityError as exc:  # a duplicate is not this: it returned False above
            raise ConfigError(
                f"cannot record an attempt for run {record.run_id!r} and theorem {record.theorem_id}: "
                "the run or the theorem is not in the store"
            ) from exc
        return True

    def attempt_id(self, run_id: str, theorem_id: int) -> int | None:
        """The id of the run's attempt at the theorem, or None when there is none yet."""
        with self._read() as conn:
            return conn.execute(
                select(Attempt.id).where(Attempt.run_id == run_id, Attempt.theorem_id == theorem_id)
            ).scalar_one_or_none()

    def record_steps(self, attempt_id: int, steps: Sequence[SearchStep]) -> list[int]:
        """Append search steps to an attempt; their row ids, in order."""
        with self._write() as conn:
            return self._insert_steps(conn, attempt_id, steps)

    @staticmethod
    def _insert_steps(conn: Connection, attempt_id: int, steps: Sequence[SearchStep]) -> list[int]:
        ids: list[int] = []
        for index, step in enumerate(steps):
            if step.parent is not None and not 0 <= step.parent < index:
                raise ConfigError(
                    f"step {index} has parent {step.parent}: a parent must come earlier in the list"
                )
            parent_id = None if step.parent is None else ids[step.parent]
            new = conn.execute(
                insert(Step).returning(Step.id),
                {
                    "attempt_id": attempt_id,
                    "parent_id": parent_id,
                    "tactic": step.tactic,
                    "policy": step.policy,
                    "state_fingerprint": step.state_fingerprint,
                    "outcome": step.outcome,
                    "ms": step.ms,
                },
            ).scalar_one()
            ids.append(new)
        return ids

    def steps(self, attempt_id: int) -> list[SearchStep]:
        """An attempt's steps in insertion order, parents as indices into the returned list."""
        with self._read() as conn:
            rows = conn.execute(
                select(Step.__table__).where(Step.attempt_id == attempt_id).order_by(Step.id)
            ).all()
        index = {row.id: i for i, row in enumerate(rows)}
        return [
            SearchStep(
                tactic=r.tactic,
                policy=r.policy,
                outcome=r.outcome,
                ms=r.ms,
                state_fingerprint=r.state_fingerprint,
                parent=None if r.parent_id is None else index[r.parent_id],
            )
            for r in rows
        ]

    def done_theorems(self, run_id: str) -> set[str]:
        """Keys of the theorems the run has an attempt for: what a resumed run skips."""
        with self._read() as conn:
            keys = conn.execute(
                select(TheoremRow.key)
                .join(Attempt, Attempt.theorem_id == TheoremRow.id)
                .where(Attempt.run_id == run_id)
            ).scalars()
            return set(keys)

    def attempts(self, run_id: str) -> list[AttemptRecord]:
        """The run's attempts in the order they were recorded."""
        with self._read() as conn:
            rows = conn.execute(
                select(Attempt.__table__).where(Attempt.run_id == run_id).order_by(Attempt.id)
            )
            return [
                AttemptRecord(
                    run_id=r.run_id,
                    theorem_id=r.theorem_id,
                    status=r.status,
                    proof=r.proof,
                    verdict_accepted=r.verdict_accepted,
                    verdict_reason=r.verdict_reason,
                    axioms=tuple(json.loads(r.axioms_json)),
                    seconds=r.seconds,
                    expansions=r.expansions,
                    tactic_calls=r.tactic_calls,
                    tokens=r.tokens,
                    error=r.error,
                    deepest=r.deepest,
                    id=r.id,
                )
                for r in rows
            ]

    # premises and task results

    def add_premises(self, premises: Iterable[corpus.Premise]) -> int:
        """Add premises, keeping any already stored under the same name; how many were new."""
        rows = {p.name: {f: getattr(p, f) for f in _PREMISE_FIELDS} for p in premises}
        if not rows:
            return 0
        with self._write() as conn:
            stmt = _insert_ignoring(conn, Premise, ("name",))
            if stmt is not None:
                return len(conn.execute(stmt.returning(Premise.id), list(rows.values())).all())
            return sum(self._insert_one(conn, Premise, ("name",), row) is not None for row in rows.values())

    def premises(self, module: str | None = None) -> list[corpus.Premise]:
        """Stored premises, all or those of one module, by name."""
        query = select(Premise.__table__).order_by(Premise.name)
        if module is not None:
            query = query.where(Premise.module == module)
        with self._read() as conn:
            return [
                corpus.Premise(name=r.name, type=r.type, kind=r.kind, module=r.module, file=r.file or "", line=r.line or 0)
                for r in conn.execute(query)
            ]

    def record_task_result(self, result: TaskResultInfo) -> bool:
        """Store a task's result; False if the run already has one for that task."""
        row = {f: getattr(result, f) for f in TaskResultInfo.__slots__}
        with self._write() as conn:
            return self._insert_one(conn, TaskResult, ("run_id", "task_kind", "task_id"), row) is not None

    def task_results(self, run_id: str, task_kind: str | None = None) -> list[TaskResultInfo]:
        """The run's task results, all or of one kind, in the order they were recorded."""
        query = select(TaskResult.__table__).where(TaskResult.run_id == run_id).order_by(TaskResult.id)
        if task_kind is not None:
            query = query.where(TaskResult.task_kind == task_kind)
        with self._read() as conn:
            return [
                TaskResultInfo(
                    run_id=r.run_id,
                    task_kind=r.task_kind,
                    task_id=r.task_id,
                    status=r.status,
                    detail_json=r.detail_json,
                    seconds=r.seconds,
                )
                for r in conn.execute(query)
            ]
