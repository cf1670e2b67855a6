"""What the tree searches share when built from a config: policies, budget and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prover.search.tree import PolicySlot, TreeSettings

if TYPE_CHECKING:
    from prover.config import ProverConfig, SearchConfig


def slots_from_config(config: ProverConfig) -> tuple[PolicySlot, ...]:
    """Each configured policy, built now, with its `k`."""
    from prover.config import build_policy

    return tuple(PolicySlot(build_policy(p), p.k) for p in config.policies)


def settings_from_config(search: SearchConfig) -> TreeSettings:
    return TreeSettings(search.per_tactic_seconds, search.hammer_seconds, search.hammer_max_depth, search.max_depth)

