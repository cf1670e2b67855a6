"""Safe: step-by-step formal verification of natural-language math solutions.

Split a solution into steps, formalise each step (`formalise`: the rule-based formaliser for
arithmetic and algebra; `llm`: a language model writing the claims in the rules' syntax, through
`prover.policies.text`, a local model or an OpenAI-compatible endpoint), verify each claim
(`backends`: Z3, Coq), classify each step (`verify`), score the solution (`aggregate`:
rule-based, or a trained GRU) and rank candidates best-of-N (`rank`).
"""

from __future__ import annotations

from prover.tasks.safe.aggregate import Aggregator, RuleAggregator, SequenceAggregator
from prover.tasks.safe.backends import CoqVerifier, Evidence, Verifier, Z3Verifier
from prover.tasks.safe.expr import Claim, Relation
from prover.tasks.safe.formalise import Formalisation, Formaliser, RuleFormaliser, StepContext
from prover.tasks.safe.llm import LLMFormaliser
from prover.tasks.safe.rank import RankedCandidate, rank_candidates, verify_problem
from prover.tasks.safe.records import Candidate, Problem, load_problems, split_solution
from prover.tasks.safe.verify import ClaimCheck, SolutionReport, StepReport, StepVerifier

__all__ = [
    "Aggregator",
    "Candidate",
    "Claim",
    "ClaimCheck",
    "CoqVerifier",
    "Evidence",
    "Formalisation",
    "Formaliser",
    "LLMFormaliser",
    "Problem",
    "RankedCandidate",
    "Relation",
    "RuleAggregator",
    "RuleFormaliser",
    "SequenceAggregator",
    "SolutionReport",
    "StepContext",
    "StepReport",
    "StepVerifier",
    "Verifier",
    "Z3Verifier",
    "load_problems",
    "rank_candidates",
    "split_solution",
    "verify_problem",
]
