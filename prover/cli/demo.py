"""Prove a handful of real Coq standard-library lemmas through the API and print the verdicts.

A stand-in for the batch evaluation: each lemma is started, its proof is run tactic by
tactic (showing the goals it passes through), then checked soundly; two cheating
attempts show what `check` rejects.
"""

from __future__ import annotations

import time

import typer
from rich.table import Table

from prover.cli.common import console, reported_errors
from prover.envs.base import ProofFinished, ProofState, Theorem
from prover.envs.pool import EnvPool

_ARITH = "Require Import Arith Lia."
_LISTS = "Require Import List. Import ListNotations."
LEMMAS: tuple[tuple[Theorem, tuple[str, ...]], ...] = (
    (Theorem("add_comm", "Theorem add_comm : forall n m : nat, n + m = m + n.", _ARITH),
     ("intros n m.", "induction n as [| n IH].", "- simpl. now rewrite Nat.add_0_r.",
      "- simpl. rewrite IH. now rewrite Nat.add_succ_r.")),
    (Theorem("mul_distr", "Theorem mul_distr : forall a b c : nat, a * (b + c) = a * b + a * c.", _ARITH),
     ("intros a b c.", "lia.")),
    (Theorem("app_nil_r", "Theorem app_nil_r : forall (A : Type) (l : list A), l ++ [] = l.", _LISTS),
     ("intros A l.", "induction l as [| x l IH].", "- reflexivity.", "- simpl. now rewrite IH.")),
    (Theorem("rev_involutive", "Theorem rev_involutive : forall (A : Type) (l : list A), rev (rev l) = l.",
             _LISTS),
     ("intros A l.", "induction l as [| x l IH]; simpl.", "- reflexivity.",
      "- rewrite rev_app_distr. simpl. now rewrite IH.")),
    (Theorem("negb_involutive", "Theorem negb_involutive : forall b : bool, negb (negb b) = b.", "Require Import Bool."),
     ("intros [|].", "- reflexivity.", "- reflexivity.")),
    (Theorem("le_trans3", "Theorem le_trans3 : forall a b c d : nat, a <= b -> b <= c -> c <= d -> a <= d.", _ARITH),
     ("intros a b c d H1 H2 H3.", "apply Nat.le_trans with c.", "- now apply Nat.le_trans with b.", "- exact H3.")),
)
CHEATS: tuple[tuple[Theorem, str], ...] = (
    (Theorem("false_1", "Theorem false_1 : 1 = 2.", _ARITH), "admit. Admitted."),
    (Theorem("false_2", "Theorem false_2 : False.", _ARITH), "Axiom oops : False. exact oops. Qed."),
)


def demo() -> None:
    with reported_errors(), EnvPool(size=1) as pool:
        table = Table(title="Verdicts (checked independently by prover.check)")
        for column in ("theorem", "steps", "interactive", "verdict", "seconds", "reason"):
            table.add_column(column)
        started = time.monotonic()
        for theorem, tactics in LEMMAS:
            with pool.env(theorem.header) as env:
                state = env.start(theorem)
                console.print(f"\n[bold]{theorem.statement}[/]", highlight=False)
                for tactic in tactics:
                    if not isinstance(state, ProofState):
                        break
                    state = env.run_tactic(state, tactic)
                    goals = len(state.goals) if isinstance(state, ProofState) else 0
                    console.print(f"  {tactic:<48} -> {_describe(state, goals)}", highlight=False)
                finished = isinstance(state, ProofFinished)
                verdict = env.check(theorem, "\n".join(tactics))
            table.add_row(theorem.name, str(len(tactics)), "finished" if finished else "open",
                          _mark(verdict.accepted), f"{verdict.seconds:.2f}", verdict.reason)
        for theorem, cheat in CHEATS:
            verdict = pool.check(theorem, cheat)
            table.add_row(theorem.name + " (cheat)", "-", "-", _mark(verdict.accepted),
                          f"{verdict.seconds:.2f}", verdict.reason)
        console.print()
        console.print(table)
        console.print(f"done in {time.monotonic() - started:.1f}s")
    raise typer.Exit(0)


def _describe(state: object, goals: int) -> str:
    if isinstance(state, ProofFinished):
        return "[green]no goals left[/]"
    if isinstance(state, ProofState):
        return f"{goals} goal{'s' if goals != 1 else ''}" + (f" (+{len(state.pending)} pending)" if state.pending else "")
    return f"[red]{state}[/]"


def _mark(accepted: bool) -> str:
    return "[green]accepted[/]" if accepted else "[red]rejected[/]"
