"""Check an extraction's gold proofs through the sound checker, each in its file context.

    python bench/gold_check.py OUT_DIR [--split test] [--sample N] [--seed S]

Theorems are checked in file order, so each header extends the previous one and the warm
document only replays the difference. Prints the acceptance rate and the reasons for
rejections, grouped.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import Counter

from prover.data.loader import load_theorems
from prover.envs.pool import EnvPool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("out_dir")
    parser.add_argument("--split", default="test")
    parser.add_argument("--sample", type=int, default=300, help="theorems to check (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    theorems = list(load_theorems(options.out_dir, options.split or None, replayed_only=True))
    if options.sample and len(theorems) > options.sample:
        theorems = random.Random(options.seed).sample(theorems, options.sample)
    theorems.sort(key=lambda t: (t.source or "").rsplit(":", 1)[0] + f"{len(t.header):012d}")
    reasons: Counter[str] = Counter()
    accepted = 0
    start = time.monotonic()
    with EnvPool(size=1) as pool:
        for index, theorem in enumerate(theorems, 1):
            verdict = pool.check(theorem, theorem.gold_proof or "")
            accepted += verdict.accepted
            if not verdict.accepted:
                reasons[re.sub(r"\d+", "N", verdict.reason)[:120]] += 1
                print(f"rejected {theorem.source} {theorem.name}: {verdict.reason[:200]}", flush=True)
            if index % 50 == 0:
                print(f"[{time.monotonic() - start:6.0f}s] {index}/{len(theorems)} checked", flush=True)
    total = len(theorems)
    print(f"gold proofs accepted by check: {accepted}/{total} = {accepted / max(total, 1):.1%} "
          f"({time.monotonic() - start:.0f}s)")
    for reason, count in reasons.most_common(10):
        print(f"  {count:5d}  {reason}")


if __name__ == "__main__":
    main()
