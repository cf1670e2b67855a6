"""The Coq environment against its physical limits, measured side by side in one run.

(a) replay: standard-library files replayed stepwise through `replay_file` (every sentence,
    goals fetched after every proof sentence) against ``coqc`` compiling the same files,
    each in a private temporary directory under ``-R DIR Coq`` (its own module name).
    The two are interleaved file by file; each file's time is the median of --runs runs.
(b) checking: short independent proofs checked on a warm ``EnvPool(size=1)`` against one
    ``coqc`` process per proof (the same header + statement + proof as a .v file), one at
    a time both ways, interleaved proof by proof.
(c) the floor: one raw Add+Status+Goal+Edit_at cycle on one coqidetop document.

The machines are shared and noisy: read the ratios, not the absolute times.

    .venv/bin/python bench/coq_env.py                # the whole benchmark (~2-3 minutes)
    .venv/bin/python bench/coq_env.py --runs 1 --proofs 50
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from prover.envs.base import Theorem
from prover.envs.coq.document import CoqDocument, Done
from prover.envs.coq.replay import coqlib, replay_file
from prover.envs.coq.sentences import split_sentences
from prover.envs.pool import EnvPool

# Medium-size files (100-1200 lines) from the libraries a user proves things with; not Init.
REPLAY_FILES = (
    "Arith/PeanoNat.v",
    "Arith/Compare_dec.v",
    "Arith/Between.v",
    "Bool/Bool.v",
    "Lists/ListDec.v",
    "Lists/ListSet.v",
    "ZArith/Zeven.v",
    "Structures/GenericMinMax.v",
    "Sorting/Sorted.v",
    "Sorting/Mergesort.v",
)

HEADER = "Require Import Arith."

# (label, statement, proof) shapes; {i} is the proof's number, {k} a small constant (i mod 10:
# ring's cost grows with the unary numerals it normalises).
SHAPES = (
    ("add_comm", "Theorem t_{i} : forall n : nat, n + {i} = {i} + n.", "Proof. intros. apply Nat.add_comm. Qed."),
    ("rewrite", "Theorem t_{i} : {i} + 0 = {i}.", "Proof. rewrite Nat.add_0_r. reflexivity. Qed."),
    ("le_add_r", "Theorem t_{i} : forall n : nat, n <= n + {i}.", "Proof. intros n. apply Nat.le_add_r. Qed."),
    ("ring", "Theorem t_{i} : forall n m : nat, n * m * {k} = {k} * (m * n).", "Proof. intros. ring. Qed."),
    ("multi-line", "Theorem t_{i} : forall n : nat, n * 1 + {i} = {i} + n.",
     "Proof.\n  intros n.\n  rewrite Nat.mul_1_r.\n  apply Nat.add_comm.\nQed."),
)


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def coqc(path: Path, cwd: Path, *flags: str) -> None:
    """Compile `path` with coqc; raise with coqc's output if it fails."""
    done = subprocess.run(["coqc", "-q", *flags, str(path)], cwd=cwd, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"coqc {path} failed:\n{done.stdout}{done.stderr}")


def coqc_library_file(relative: str) -> float:
    """Seconds coqc takes on a stdlib file copied alone into a fresh directory mapped to ``Coq``.

    Alone, so that nothing compiled here shadows the installed library (a fresh Bool.vo
    would make every installed .vo that depends on it "inconsistent").
    """
    with tempfile.TemporaryDirectory(prefix="coqc-") as tmp:
        target = Path(tmp) / relative
        target.parent.mkdir(parents=True)
        shutil.copyfile(Path(coqlib()) / "theories" / relative, target)
        seconds, _ = _timed(lambda: coqc(Path(relative), Path(tmp), "-R", ".", "Coq"))
        return seconds


def replay_library_file(relative: str) -> tuple[float, int, int]:
    """Seconds, sentences and proof steps of a stepwise replay with goals after every step."""
    result = replay_file(Path(coqlib()) / "theories" / relative, goals=True)
    if result.failure is not None:
        raise RuntimeError(f"replaying {relative} failed: {result.failure}")
    return result.seconds, result.sentences, result.proof_steps


def bench_replay(files: tuple[str, ...], runs: int) -> tuple[list[str], str]:
    """(a): per-file medians of replay and coqc, interleaved."""
    replay: dict[str, list[float]] = {f: [] for f in files}
    compiled: dict[str, list[float]] = {f: [] for f in files}
    sizes: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        for f in files:
            seconds, sentences, steps = replay_library_file(f)
            replay[f].append(seconds)
            sizes[f] = (sentences, steps)
            compiled[f].append(coqc_library_file(f))
    lines = [f"(a) stdlib replay, {len(files)} files, median of {runs} run(s), goals after every proof step",
             f"    {'file':30} {'sentences':>9} {'steps':>6} {'replay s':>9} {'coqc s':>8} {'ratio':>6}"]
    total_replay = total_coqc = 0.0
    for f in files:
        r, c = statistics.median(replay[f]), statistics.median(compiled[f])
        total_replay += r
        total_coqc += c
        lines.append(f"    {f:30} {sizes[f][0]:9} {sizes[f][1]:6} {r:9.2f} {c:8.2f} {r / c:6.2f}")
    sentences = sum(s for s, _ in sizes.values())
    steps = sum(s for _, s in sizes.values())
    lines.append(f"    {'total':30} {sentences:9} {steps:6} {total_replay:9.2f} {total_coqc:8.2f} "
                 f"{total_replay / total_coqc:6.2f}")
    verdict = "ok" if total_replay <= 1.5 * total_coqc else "MISSED"
    summary = f"(a) stepwise replay / coqc = {total_replay / total_coqc:.2f}x  (goal: <= 1.5x: {verdict})"
    return lines, summary


def proofs(count: int) -> list[tuple[Theorem, str]]:
    """`count` short independent theorems with their proofs, cycling through SHAPES."""
    out = []
    for i in range(count):
        _, statement, proof = SHAPES[i % len(SHAPES)]
        out.append((Theorem(f"t_{i}", statement.format(i=i, k=i % 10), HEADER), proof))
    return out


class _RawChecker:
    """The same sentences on one warm document, no axiom audit: what coqc itself checks."""

    def __init__(self) -> None:
        self.doc = CoqDocument()
        self.header = tuple(s.text for s in split_sentences(HEADER))

    def __call__(self, theorem: Theorem, proof: str) -> bool:
        self.doc.sync(self.header)
        sentences = [theorem.statement, *(s.text for s in split_sentences(proof))]
        return all(isinstance(self.doc.advance(sentence), Done) for sentence in sentences)


def bench_checking(count: int) -> tuple[list[str], str]:
    """(b): warm EnvPool(size=1) checks against one coqc process per proof."""
    cases = proofs(count)
    ms: dict[str, list[float]] = {"pool": [], "raw": [], "coqc": []}
    rejected: list[str] = []
    raw = _RawChecker()
    with EnvPool(size=1) as pool, tempfile.TemporaryDirectory(prefix="coqc-proofs-") as tmp:
        _, warm_statement, warm_proof = SHAPES[0]
        warm = Theorem("t_warm", warm_statement.format(i="warm", k=0), HEADER)
        warmup, _ = _timed(lambda: pool.check(warm, warm_proof))
        raw(warm, warm_proof)
        for theorem, proof in cases:
            seconds, verdict = _timed(lambda t=theorem, p=proof: pool.check(t, p))
            ms["pool"].append(1000 * seconds)
            if not verdict:
                rejected.append(f"{theorem.name}: {getattr(verdict, 'reason', verdict)}")
            seconds, ok = _timed(lambda t=theorem, p=proof: raw(t, p))
            ms["raw"].append(1000 * seconds)
            if not ok:
                rejected.append(f"{theorem.name}: rejected on the raw document")
            source = Path(tmp) / f"{theorem.name}.v"
            source.write_text(f"{theorem.header}\n{theorem.statement}\n{proof}\n", encoding="utf-8")
            seconds, _ = _timed(lambda s=source: coqc(s.relative_to(tmp), Path(tmp)))
            ms["coqc"].append(1000 * seconds)
    raw.doc.close()
    totals = {k: sum(v) / 1000 for k, v in ms.items()}
    lines = [f"(b) checking {count} short proofs (header {HEADER!r}), one at a time, interleaved",
             f"    {'':44} {'median ms':>9} {'mean ms':>8} {'total s':>8} {'coqc/this':>9}"]
    for key, what in (("pool", "warm EnvPool(size=1).check (sound, audited)"),
                      ("raw", "same sentences on a warm document, no audit"),
                      ("coqc", "coqc, one process per proof")):
        lines.append(f"    {what:44} {statistics.median(ms[key]):9.1f} {statistics.mean(ms[key]):8.1f} "
                     f"{totals[key]:8.2f} {totals['coqc'] / totals[key]:9.1f}")
    lines.append(f"    median ms per proof shape: {'shape':>10} {'pool':>7} {'raw':>7} {'coqc':>7} {'coqc/pool':>9}")
    for k in range(min(count, len(SHAPES))):
        pool_k, raw_k, coqc_k = (statistics.median(ms[key][k :: len(SHAPES)]) for key in ("pool", "raw", "coqc"))
        lines.append(f"    {'':27} {SHAPES[k][0]:>10} {pool_k:7.1f} {raw_k:7.1f} {coqc_k:7.1f} "
                     f"{coqc_k / pool_k:9.1f}")
    lines.append(f"    (pool warm-up, not counted: {warmup:.2f} s)")
    if rejected:
        lines.append(f"    REJECTED: {len(rejected)}: {'; '.join(rejected[:5])}")
    speedup = totals["coqc"] / totals["pool"]
    verdict = "ok" if speedup >= 10 and not rejected else "MISSED"
    summary = f"(b) warm pool.check is {speedup:.1f}x faster than coqc per proof  (goal: >= 10x: {verdict})"
    lines.append("    " + summary[4:])
    return lines, summary


def bench_round_trip(cycles: int) -> tuple[list[str], str]:
    """(c): median of raw Add+Status+Goal+Edit_at cycles on one document."""
    doc = CoqDocument()
    try:
        base = doc.sync(("Goal forall n : nat, n + 0 = n.",))
        assert base
        prefix = doc.sentences
        times: list[float] = []
        for _ in range(cycles):
            start = time.perf_counter()
            outcome = doc.advance("intros n.")  # Add + Status
            goals = doc.goals()  # Goal
            doc.sync(prefix)  # Edit_at back to the statement
            times.append(time.perf_counter() - start)
            assert isinstance(outcome, Done)
            assert goals is not None
    finally:
        doc.close()
    ms = sorted(1000 * t for t in times)
    median, p90 = statistics.median(ms), ms[int(0.9 * len(ms)) - 1]
    line = f"(c) raw round trip, {cycles} Add+Status+Goal+Edit_at cycles on one document"
    summary = f"(c) raw round trip: median {median:.2f} ms, p90 {p90:.2f} ms per cycle"
    return [line, f"    median {median:.2f} ms, p90 {p90:.2f} ms"], summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per replay/coqc measurement (median; default 3)")
    parser.add_argument("--proofs", type=int, default=200, help="short proofs to check (default 200)")
    parser.add_argument("--cycles", type=int, default=200, help="raw round-trip cycles (default 200)")
    parser.add_argument("--files", nargs="*", default=list(REPLAY_FILES), metavar="FILE",
                        help="stdlib files (relative to theories/) for (a)")
    opts = parser.parse_args()
    if shutil.which("coqc") is None:
        parser.error("coqc is not on PATH (Debian package `coq`; `make setup` installs it)")

    start = time.monotonic()
    summaries = []
    for part in (lambda: bench_round_trip(opts.cycles), lambda: bench_checking(opts.proofs),
                 lambda: bench_replay(tuple(opts.files), opts.runs)):
        lines, summary = part()
        print("\n".join(lines) + "\n", flush=True)
        summaries.append(summary)
    print(f"summary ({time.monotonic() - start:.0f} s wall):")
    print("\n".join(f"  {s}" for s in sorted(summaries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
