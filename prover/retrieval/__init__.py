"""Premise retrieval: which library constants might prove this goal?

BM25 (`bm25`), dense MiniLM embeddings in faiss (`dense`) and their rank fusion
(`hybrid`) over the premise corpus of an extraction, restricted to what the theorem may
use; `index.PremiseRetriever` builds, saves, loads and queries them, `evaluate` measures
them against the gold premises of library proofs.

    from prover.retrieval import PremiseRetriever, goal_query
    retriever = PremiseRetriever.load("/root/data/retrieval/coq-stdlib")
    for premise in retriever.retrieve(goal_query(state.goals), k=10, accessible=names):
        print(premise.name, premise.score)
"""

from __future__ import annotations

from prover.retrieval.hybrid import DEFAULT_FUSION, Fusion
from prover.retrieval.index import METHODS, Method, PremiseRetriever, RetrievedPremise
from prover.retrieval.signals import Position
from prover.retrieval.text import goal_query, premise_text

__all__ = [
    "DEFAULT_FUSION",
    "METHODS",
    "Fusion",
    "Method",
    "Position",
    "PremiseRetriever",
    "RetrievedPremise",
    "goal_query",
    "premise_text",
]
