"""Verina code-spec-proof tasks: load them, evaluate a solution's code, spec and proof, pass@k.

Backend-generic over the Env API: Lean for Verina itself, Coq for the project's own task set
(``datasets/verina-coq``).
"""

from __future__ import annotations

from prover.tasks.verina.evaluate import (
    Check,
    CheckGroup,
    Evaluation,
    Evaluator,
    Outcome,
    PassAtK,
    ProofResult,
    SampleOutcome,
    SpecResult,
    backend_for,
    pass_at_k,
    pass_at_ks,
)
from prover.tasks.verina.task import (
    Candidate,
    RejectInput,
    Signature,
    Solution,
    TestCase,
    VerinaTask,
    load_candidates,
    load_task,
    load_tasks,
    parse_sections,
)

__all__ = [
    "Candidate",
    "Check",
    "CheckGroup",
    "Evaluation",
    "Evaluator",
    "Outcome",
    "PassAtK",
    "ProofResult",
    "RejectInput",
    "SampleOutcome",
    "Signature",
    "Solution",
    "SpecResult",
    "TestCase",
    "VerinaTask",
    "backend_for",
    "load_candidates",
    "load_task",
    "load_tasks",
    "parse_sections",
    "pass_at_k",
    "pass_at_ks",
]
