"""Proof search over tactic policies: best-first, multi-perspective and first-finish.

Every search is a `prover.policies.base.Prover`: it de-duplicates states by fingerprint,
honours a `Budget` (wall seconds, expansions, tactic calls), returns its tree as
`ProofAttempt.steps`, and calls a proof solved only when `Env.check` accepts it.
"""
