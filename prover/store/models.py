"""The store's tables, as SQLAlchemy 2 typed ORM classes.

These classes stay inside `prover.store`: the public API (`prover.store.store`) takes and
returns frozen dataclasses, never rows. The initial migration
(``migrations/versions/0001_initial.py``) creates exactly these tables; a test compares
the two, so change both together (a new revision, never an edited old one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on servers; SQLite's INTEGER PRIMARY KEY is already 64-bit and autoincrements."""

ATTEMPT_STATUSES = ("solved", "failed", "error", "timeout")
RUN_STATUSES = ("running", "finished", "failed", "killed")


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations can name what they alter on every dialect."""


class Base(DeclarativeBase):
    """Declarative base of every store table."""

    metadata = MetaData(naming_convention=NAMING)


class Run(Base):
    """One execution of an experiment; resuming it reuses the row."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    config_json: Mapped[str] = mapped_column(Text)
    code_version: Mapped[str] = mapped_column(String(64))
    machine: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="status"),
        Index("ix_runs_started_at", "started_at"),
    )


class Benchmark(Base):
    """A named set of theorems (``minif2f``/``test``, ``coq-stdlib``/``train``)."""

    __tablename__ = "benchmarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    split: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("name", "split", name="uq_benchmarks_name_split"),)


class TheoremRow(Base):
    """A `prover.envs.base.Theorem` in a benchmark, keyed by `Theorem.key`."""

    __tablename__ = "theorems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    benchmark_id: Mapped[int] = mapped_column(ForeignKey("benchmarks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    header_hash: Mapped[str] = mapped_column(String(64))
    module: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    split: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("benchmark_id", "key", name="uq_theorems_benchmark_key"),)


class Attempt(Base):
    """One run's attempt at one theorem; at most one per run × theorem."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    theorem_id: Mapped[int] = mapped_column(ForeignKey("theorems.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    proof: Mapped[str | None] = mapped_column(Text)
    verdict_accepted: Mapped[bool | None] = mapped_column(Boolean)
    verdict_reason: Mapped[str | None] = mapped_column(Text)
    axioms_json: Mapped[str] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float)
    expansions: Mapped[int] = mapped_column(Integer)
    tactic_calls: Mapped[int] = mapped_column(Integer)
    tokens: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    deepest: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("run_id", "theorem_id", name="uq_attempts_run_theorem"),
        CheckConstraint(f"status IN {ATTEMPT_STATUSES!r}", name="status"),
        Index("ix_attempts_theorem_id", "theorem_id"),
    )


class Step(Base):
    """One tactic tried during an attempt's search, with the step it was applied after."""

    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    tactic: Mapped[str] = mapped_column(Text)
    policy: Mapped[str] = mapped_column(String(64))
    state_fingerprint: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    ms: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_steps_attempt_id", "attempt_id"),
        Index("ix_steps_state_fingerprint", "state_fingerprint"),
    )


class Premise(Base):
    """A library constant that proofs may use, by fully qualified name."""

    __tablename__ = "premises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    type: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    module: Mapped[str] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_premises_module", "module"),)


class TaskResult(Base):
    """The result of one non-theorem task (verina, refute, safe) in a run."""

    __tablename__ = "task_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    task_kind: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    detail_json: Mapped[str] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("run_id", "task_kind", "task_id", name="uq_task_results_run_task"),)
