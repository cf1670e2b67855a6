"""Premise retrieval: which library constants might prove this goal?

BM25 (`bm25`), dense MiniLM embeddings in faiss (`dense`), and a hybrid (`hybrid`) that
fuses their rankings with two cheap ones (`signals`: the lemmas just above the theorem in
its file, the constants its goal names), over the premise corpus of an extraction and
restricted to what the theorem may use; `index.PremiseRetriever` builds, saves, loads and queries them, `evaluate` measures
them against the gold premises of library proofs.

    from prover.retrieval import PremiseRetriever, goal_query
    retriever = PremiseRetriever.load("out/retrieval")
    for premise in retriever.retrieve(goal_query(state.goals), k=10, accessible=names):
        print(premise.name, premise.score)

`accessible` is `prover.data.premises.PremiseIndex(...).accessible(requires, module, line)`
of the theorem being proved; pass `position=Position(module, line)` too, so the hybrid can
favour the lemmas its file declares just above it.
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
