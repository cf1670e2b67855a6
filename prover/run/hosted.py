"""Model-backed policies hosted once per run and shared by every search worker.

A language model is too big to load in each worker, and a GPU serves one batch of many
workers' states faster than each worker alone. So for each ``hf`` policy of the prover
config, the driver starts one threaded Ray actor (`PolicyHost`; ``num_gpus=1`` when the
cluster has a GPU) that loads the model and gathers concurrent ``suggest`` calls into batched
generations (`prover.policies.hf.BatchingPolicy`). Workers get a copy of the config whose
``hf`` policies point at that actor (`HostedPolicy`, found by its Ray name), so the search
code is the same whether the model is local or hosted.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from prover.config import PolicyConfig, ProverConfig, build_policy
from prover.envs.base import ProofState, Theorem
from prover.errors import ConfigError
from prover.policies.base import ProofSample, Suggestion

HOSTED_KINDS = frozenset({"hf"})
"""Policy kinds that hold a model and are hosted once per run."""

_HOSTED_TARGET = "prover.run.hosted:HostedPolicy"


class PolicyHost:
    """The body of the hosting actor: the policy, with concurrent calls batched."""

    def __init__(self, config: PolicyConfig, max_batch: int) -> None:
        from prover.policies.hf import BatchingPolicy

        self.policy: Any = build_policy(config)
        self.batching = BatchingPolicy(self.policy, max_batch=max_batch)

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        return self.batching.suggest(state, theorem, k)

    def sample(self, theorem: Theorem, n: int) -> list[ProofSample]:
        return list(self.policy.sample(theorem, n))

    def ready(self) -> bool:
        return True


class HostedPolicy:
    """A tactic and proof policy whose calls go to a `PolicyHost` actor named in `endpoint`."""

    def __init__(self, name: str, actor_name: str) -> None:
        import ray

        self.name = name
        try:
            self._actor = ray.get_actor(actor_name)
        except ValueError as exc:
            raise ConfigError(f"the policy host {actor_name!r} is not running (it lives as long as its eval run)") from exc

    @classmethod
    def from_config(cls, config: PolicyConfig) -> HostedPolicy:
        if config.endpoint is None:
            raise ConfigError("a hosted policy needs its actor's name")
        return cls(config.kind, config.endpoint)

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        import ray

        return list(ray.get(self._actor.suggest.remote(state, theorem, k)))

    def sample(self, theorem: Theorem, n: int) -> list[ProofSample]:
        import ray

        return list(ray.get(self._actor.sample.remote(theorem, n)))


def host_policies(config: ProverConfig, run_id: str, workers: int) -> tuple[ProverConfig, list[Any]]:
    """Start a host for each model-backed policy of `config`; the config workers should build
    (those policies replaced by `HostedPolicy`) and the actors, to kill when the run ends."""
    import ray

    gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
    # No CPU reservation: on a CPU-only machine every core is a search worker's, and a host
    # that waited for a free core would never start.
    host_class = ray.remote(num_cpus=0, num_gpus=gpus, max_concurrency=max(4, 2 * workers))(PolicyHost)
    actors: list[Any] = []
    policies: list[PolicyConfig] = []
    for index, policy in enumerate(config.policies):
        if policy.kind not in HOSTED_KINDS or policy.target is not None:
            policies.append(policy)
            continue
        name = f"prover-policy-{run_id}-{index}"
        actor = host_class.options(name=name).remote(policy, max(1, workers))
        actors.append(actor)
        policies.append(dataclasses.replace(policy, target=_HOSTED_TARGET, endpoint=name))
    if actors:
        ray.get([actor.ready.remote() for actor in actors])  # a model that fails to load fails the run here
    return dataclasses.replace(config, policies=tuple(policies)), actors
