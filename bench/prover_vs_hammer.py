"""Our default CPU prover against `sauto` alone and `hammer` alone, at one per-theorem budget.

Protocol (the issue's): at least 200 theorems of the ``coq-stdlib`` test split, 30 s each,
one core per worker, every config run on every theorem in the same run. Theorems are a
seeded sample of the split's replayed theorems. Each worker process is pinned to one core
and holds one warm CoqEnv; for each theorem it runs every config in turn (so load on the
machine hits all configs alike). Every config adds the same prelude (Hammer and Lia) to the
header, for its attempts and its final check (see `prover.search.prelude`). Before the
configs run on a theorem, its file context is loaded into the worker's env and checker, so
no config pays for loading a file; "in budget" counts the proofs found and checked within
the budget of wall time (an attempt can overrun: a tactic's timeout is enforced by
interrupting Coq, and the final check has no deadline). With
``--ablations`` it also runs the default prover with each policy removed and without its
critic; ``--policy-ablations-only`` runs just the rows without each policy (to compare with
the default prover's row of an earlier run on the same sample, when time is short). Prints
one row per config; ``--out`` keeps every attempt as JSON Lines.

    .venv/bin/python bench/prover_vs_hammer.py --theorems 200 --budget 30 --workers 2
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from prover.config import ProverConfig, build_prover, load_prover_config
from prover.data.loader import load_theorems
from prover.envs.base import Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ProverError
from prover.policies.base import ProofAttempt
from prover.search.prelude import with_prelude

DATA = Path("out/extract/stdlib")  # the default --out of `prover extract coq --library stdlib`


def ablations(base: ProverConfig) -> list[ProverConfig]:
    """The default config with each policy removed in turn, and without its critic."""
    rows = []
    for i, policy in enumerate(base.policies):
        rest = base.policies[:i] + base.policies[i + 1:]
        if rest:
            rows.append(dataclasses.replace(base, name=f"{base.name} -{policy.kind}", policies=rest))
    if base.search.critic != "none":
        rows.append(dataclasses.replace(base, name=f"{base.name} -critic",
                                        search=dataclasses.replace(base.search, critic="none")))
    return rows


def pick(data: Path, split: str, count: int, seed: int) -> list[Theorem]:
    theorems = sorted(load_theorems(data, split, replayed_only=True), key=lambda t: t.key)
    random.Random(seed).shuffle(theorems)
    return theorems[:count]


def work(core: int, configs: list[ProverConfig], theorems: list[Theorem], budget: float) -> list[dict[str, object]]:
    """One worker: pinned to `core`, one warm env, every config on every theorem."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core % (os.cpu_count() or 1)})  # coqidetop and the ATPs inherit it
    provers = [(c.name, build_prover(c)) for c in configs]
    rows: list[dict[str, object]] = []
    with CoqEnv() as env:
        for theorem in theorems:
            warm(env, theorem, {c.prelude for c in configs})
            for name, prover in provers:
                attempt = prover.attempt(env, theorem, budget)
                rows.append({"config": name, "theorem": theorem.name, "module": theorem.module,
                             "status": attempt.status, "seconds": round(attempt.seconds, 2),
                             "tactic_calls": attempt.tactic_calls, "expansions": attempt.expansions,
                             "proof": attempt.proof, "reason": attempt.reason[:300],
                             "policies": proof_policies(attempt)})
                print(f"  [{core}] {name:<24} {attempt.status:<8} {attempt.seconds:6.1f}s  {theorem.name}",
                      file=sys.stderr, flush=True)
    return rows


def proof_policies(attempt: ProofAttempt) -> list[str]:
    """The policies that proposed the tactics of the accepted proof, first tactic first."""
    if attempt.status != "solved":
        return []
    finished = [i for i, step in enumerate(attempt.steps) if step.outcome == "finished"]
    path: list[str] = []
    index = finished[-1] if finished else None
    while index is not None:
        path.append(attempt.steps[index].policy)
        index = attempt.steps[index].parent
    return path[::-1]


def warm(env: CoqEnv, theorem: Theorem, preludes: set[str]) -> None:
    """Load `theorem`'s file context (with each config's prelude) into `env` and its checker
    before any attempt is timed, so that an attempt's seconds are search and check time only,
    whichever config happens to come first on a new file."""
    for prelude in sorted(preludes):
        # a file that the prelude's libraries depend on is attempted without it (WithPrelude)
        for candidate in (with_prelude(theorem, prelude), theorem):
            try:
                env.start(candidate)
                env.check(candidate, "idtac.")
                break
            except ProverError:
                continue  # the attempts will meet and record the same error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="extraction directory (prover extract coq)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--theorems", type=int, default=200)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per theorem and config")
    parser.add_argument("--workers", type=int, default=1, help="processes, one core each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prover", default="default-cpu", help="our config (name or path)")
    parser.add_argument("--baselines", default="sauto,hammer")
    parser.add_argument("--ablations", action="store_true")
    parser.add_argument("--policy-ablations-only", action="store_true",
                        help="run only the default prover without each of its policies in turn")
    parser.add_argument("--out", type=Path, help="write every attempt here (JSON Lines)")
    args = parser.parse_args()

    ours = load_prover_config(args.prover)
    configs = [ours, *(load_prover_config(b) for b in args.baselines.split(",") if b)]
    if args.ablations:
        configs += ablations(ours)
    if args.policy_ablations_only:
        configs = [c for c in ablations(ours) if c.search == ours.search]
    theorems = pick(args.data, args.split, args.theorems, args.seed)
    print(f"{len(theorems)} theorems of {args.data.name}/{args.split} (seed {args.seed}), {args.budget:g} s each, "
          f"{args.workers} worker(s) x 1 core, configs: {', '.join(c.name for c in configs)}", flush=True)
    started = time.monotonic()
    chunks = [theorems[i:: args.workers] for i in range(args.workers)]
    rows: list[dict[str, object]] = []
    with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
        futures = [pool.submit(work, i, configs, chunk, args.budget) for i, chunk in enumerate(chunks) if chunk]
        for future in futures:
            rows.extend(future.result())
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"\nwall {time.monotonic() - started:.0f} s")
    print(f"{'config':<26}{'solved':>8}{'rate':>8}{'in budget':>10}{'rate':>8}{'timeout':>9}{'error':>7}"
          f"{'mean s':>8}")
    rates: dict[str, float] = {}
    for config in configs:
        mine = [r for r in rows if r["config"] == config.name]
        solved = sum(r["status"] == "solved" for r in mine)
        # the attempt's wall time, its final check included, within the budget
        in_budget = sum(r["status"] == "solved" and float(r["seconds"]) <= args.budget for r in mine)  # type: ignore[arg-type]
        rates[config.name] = in_budget / max(1, len(mine))
        mean = sum(float(r["seconds"]) for r in mine) / max(1, len(mine))  # type: ignore[arg-type]
        print(f"{config.name:<26}{solved:>4}/{len(mine):<4}{solved / max(1, len(mine)):>7.1%}"
              f"{in_budget:>6}/{len(mine):<4}{rates[config.name]:>7.1%}"
              f"{sum(r['status'] == 'timeout' for r in mine):>9}{sum(r['status'] == 'error' for r in mine):>7}"
              f"{mean:>8.1f}")
    mix = Counter("+".join(sorted(set(r["policies"]))) for r in rows  # type: ignore[arg-type]
                  if r["config"] == ours.name and r["status"] == "solved")
    print(f"\n{ours.name} proofs by the policies that proposed their tactics: "
          + ", ".join(f"{policies or '?'} {n}" for policies, n in mix.most_common()))
    if "hammer" in rates and ours.name in rates:
        ratio = rates[ours.name] / rates["hammer"] if rates["hammer"] else float("inf")
        print(f"\nsolved within {args.budget:g} s of wall time, check included: {ours.name} / hammer = {ratio:.2f}x "
              f"(goal >= 1.5x); {ours.name} = {rates[ours.name]:.1%} (goal >= 50%)")


if __name__ == "__main__":
    main()
