"""Proof-assistant backends behind one API (`prover.envs.base`)."""
