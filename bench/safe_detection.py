"""Safe on the project-written set: wrong-step detection and best-of-N ranking, measured in one run.

  .venv/bin/python bench/safe_detection.py [--coq] [FILE.jsonl]

Prints precision and recall of wrong-step detection (a step is flagged when refuted), for
calculation errors (arithmetic, algebra) and for every labelled error (reasoning errors
included: true arithmetic that does the wrong thing, which no arithmetic checker can see);
ranking quality of the rule-based aggregator on the whole set and of the GRU by
leave-one-problem-out (each problem scored by a model trained on the others). With --coq
every claim is also checked by Coq, and the two backends' agreement is counted.
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack
from pathlib import Path

from prover.envs.open import open_env
from prover.tasks.safe import CoqVerifier, RuleAggregator, StepVerifier, load_problems, verify_problem
from prover.tasks.safe.evaluate import aggregator_scores, detection, leave_one_problem_out, ranking

SET = Path(__file__).resolve().parents[1] / "datasets" / "safe" / "safe_steps.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=SET)
    parser.add_argument("--coq", action="store_true", help="cross-check every claim with Coq")
    args = parser.parse_args()
    problems = load_problems(args.file)
    with ExitStack() as stack:
        verifier = StepVerifier()
        if args.coq:
            env = stack.enter_context(open_env("coq"))
            verifier = StepVerifier(secondary=CoqVerifier(env), cross_check=True)
        started = time.monotonic()
        reports = [verify_problem(p, verifier) for p in problems]
        seconds = time.monotonic() - started
    solutions = sum(len(p.candidates) for p in problems)
    steps = [s for rs in reports for r in rs for s in r.steps]
    print(f"{len(problems)} problems, {solutions} solutions, {len(steps)} steps verified in {seconds:.1f}s")
    for status in ("proved", "refuted", "no_verification", "formalisation_failed", "undecided"):
        print(f"  {status:22s} {sum(s.status == status for s in steps)}")
    if args.coq:
        checks = [c for s in steps for c in s.checks]
        print(f"  claims confirmed by both Z3 and Coq: {sum(c.confirmed for c in checks)} of {len(checks)}")
    for name, kinds in (("calculation errors (arithmetic, algebra)", frozenset({"arithmetic", "algebra"})),
                        ("all labelled errors (reasoning included)", frozenset({"arithmetic", "algebra", "reasoning"}))):
        d = detection(problems, reports, kinds)
        print(f"wrong-step detection, {name}: precision {d.precision:.3f} recall {d.recall:.3f} "
              f"(flagged {d.flagged_wrong} wrong + {d.flagged_correct} correct, missed {d.missed})")
    rule = ranking(problems, aggregator_scores(RuleAggregator(), reports))
    print(f"ranking, rule aggregator (whole set): pairwise {rule.pairwise:.3f} top-1 {rule.top1:.3f} "
          f"over {rule.problems} problems")
    started = time.monotonic()
    model = ranking(problems, leave_one_problem_out(problems, reports))
    print(f"ranking, GRU aggregator (leave-one-problem-out): pairwise {model.pairwise:.3f} top-1 {model.top1:.3f} "
          f"over {model.problems} problems; {len(problems)} trainings in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
