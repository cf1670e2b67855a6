"""Verina in Coq: rendering a solution into Coq text, the decision tactic, and the candidate screen.

Unlike Verina's Lean tasks, the Coq function takes no precondition proof: Gallina functions are
total, so ``Definition f (x : Z) : Z``; the precondition only appears in the theorem,
``Theorem f_postcond_satisfied (x : Z) (h_precond : f_precond x) : f_postcond x (f x)``, and the
postcondition is a relation of inputs and result. A test or spec check on concrete values is a
small theorem proved by `DECIDE` (or its negation proved, or neither: unknown), always through
the sound checker.

A candidate's text becomes part of the header, which the checker does not screen, so
`screen_solution` admits only what a solution needs: ``Require`` in its imports; definitions,
fixpoints, inductives, lemmas with their proofs (every proof sentence through the checker's own
`screen_sentence`), ``Ltac`` and ``Hint`` in its aux sections; one term per body. That keeps out
axioms, ``Admitted``, notations, scopes and modules that would change what a test states, and
commands with effects outside Coq.
"""

from __future__ import annotations

import re

from prover.envs.base import Theorem
from prover.envs.coq.check import screen_sentence
from prover.envs.coq.sentences import sentence_texts, strip_comments
from prover.errors import ConfigError
from prover.tasks.verina.naming import VerinaNaming
from prover.tasks.verina.task import Solution, Value, VerinaTask

# The decision procedure for a claim about concrete values: compute, then close with
# propositional reasoning and lia; a universally quantified hypothesis is instantiated with
# every element of the concrete list it ranges over (or the indices 0..7), which refutes
# "for all" claims that one element breaks.
DECIDE_PRELUDE = r"""Require Import Coq.micromega.Lia Coq.Lists.List.
Ltac verina_close := intuition (try discriminate; try congruence; try lia).
Ltac verina_cases := repeat match goal with
  | H : _ \/ _ |- _ => destruct H
  | H : False |- _ => destruct H
  | H : _ /\ _ |- _ => destruct H
  | H : exists _, _ |- _ => destruct H
  | H : _ <-> _ |- _ => destruct H
  end; subst.
Ltac verina_nat H k := try (let Hk := fresh "Hn" in pose proof (H k ltac:(simpl; lia)) as Hk).
Ltac verina_inst := repeat match goal with
  | H : Forall _ _ |- _ => rewrite Forall_forall in H
  | H : forall x, In x ?l -> _ |- _ =>
      let rec go l := lazymatch l with
        | ?a :: ?t => let Ha := fresh "Hi" in pose proof (H a ltac:(simpl; tauto)) as Ha; go t
        | _ => idtac end in
      go l; clear H
  | H : forall i : nat, _ |- _ =>
      verina_nat H 0%nat; verina_nat H 1%nat; verina_nat H 2%nat; verina_nat H 3%nat;
      verina_nat H 4%nat; verina_nat H 5%nat; verina_nat H 6%nat; verina_nat H 7%nat; clear H
  end.
Ltac verina_split := repeat match goal with
  | |- _ /\ _ => split
  | |- _ <-> _ => split
  | |- Forall _ _ => constructor
  end.
Ltac verina_mp := repeat match goal with
  | H : ?A -> ?B |- _ =>
      let Ha := fresh "Ha" in
      assert (Ha : A) by first [ reflexivity | solve [ hnf; verina_split; intros; simpl in *; verina_cases; verina_close ] ];
      specialize (H Ha)
  end.
Ltac verina_decide := first
  [ solve [ vm_compute; reflexivity ]
  | solve [ vm_compute; verina_close ]
  | solve [ simpl; verina_close ]
  | solve [ hnf; verina_split; intros; simpl in *; verina_cases; vm_compute; verina_close ]
  | solve [ hnf; verina_split; intros;
            repeat match goal with i : nat |- _ => destruct i; simpl in *; try lia end;
            vm_compute; verina_close ]
  | solve [ hnf; verina_split; intros; verina_cases; verina_mp; verina_inst; simpl in *; verina_split; verina_close ]
  | solve [ let Hneg := fresh "Hneg" in
            intro Hneg; hnf in Hneg; verina_cases; verina_mp; verina_inst; simpl in *; verina_close ]
  | solve [ let Hneg := fresh "Hneg" in
            intro Hneg; hnf in Hneg; verina_cases; verina_mp; verina_inst; vm_compute in *; verina_close ] ]."""
DECIDE = "verina_decide."

_REQUIRE = re.compile(r"^(From\s+[\w.]+\s+)?Require(\s+(Import|Export))?(\s+[\w.]+)+\s*\.$")
_PREFIX = re.compile(r"^(#\[[^\]]*\]\s*|(Local|Global)\s+)*")
_TOP_LEVEL = re.compile(
    r"^(Definition|Fixpoint|Inductive|Record|Lemma|Theorem|Fact|Remark|Corollary|Proposition|Example|"
    r"Ltac|Hint)\b"
)
_OPENS_PROOF = re.compile(r"^(Definition|Lemma|Theorem|Fact|Remark|Corollary|Proposition|Example)\b")
_CLOSES_PROOF = re.compile(r"^(Qed|Defined)\s*\.$")


class CoqVerina(VerinaNaming):
    """The Coq side of the Verina harness."""

    name = "coq"
    decide_proof = DECIDE

    # -- rendering ------------------------------------------------------------------------
    def _names(self, task: VerinaTask) -> str:
        return " ".join(p.name for p in task.signature.parameters)

    def precond_def(self, task: VerinaTask, body: str) -> str:
        return f"Definition {self.precond_name(task)} {self._binders(task)} : Prop :=\n  {body.strip() or 'True'}\n."

    def code_def(self, task: VerinaTask, body: str) -> str:
        sig = task.signature
        return f"Definition {sig.name} {self._binders(task)} : {sig.return_type} :=\n  {body.strip()}\n."

    def postcond_def(self, task: VerinaTask, body: str) -> str:
        return (f"Definition {self.postcond_name(task)} {self._binders(task)} (result : {task.signature.return_type})"
                f" : Prop :=\n  {body.strip()}\n.")

    def header(self, task: VerinaTask, solution: Solution, *, code: bool, postcond: bool, proof: bool) -> str:
        """The Coq text before a check: imports, the decision tactic, then the solution's parts."""
        parts = [task.task_imports, solution.imports, DECIDE_PRELUDE, task.task_aux, solution.solution_aux,
                 solution.precond_aux, self.precond_def(task, solution.precond)]
        if code:
            parts += [solution.code_aux, self.code_def(task, solution.code)]
        if postcond:
            parts += [solution.postcond_aux, self.postcond_def(task, solution.postcond)]
        if proof:
            parts.append(solution.proof_aux)
        return "\n".join(p for p in parts if p.strip())

    def value(self, type_: str, value: Value) -> str:
        """`value` from a test file as a Coq term of type `type_`."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            scope = {"Z": "Z", "nat": "nat", "N": "N", "positive": "positive"}.get(type_.strip())
            return f"({value})%{scope}" if scope else f"({value})"
        if isinstance(value, str):
            return f"({value})"
        if isinstance(value, list):
            element = re.sub(r"^list\s+", "", type_.strip()).strip("() ")
            return "[" + "; ".join(self.value(element, v) for v in value) + "]"
        raise ConfigError(f"a test value {value!r} cannot be written in Coq (use a number, a boolean, "
                          "a list or a string of Coq text)")

    def _args(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...]) -> str:
        given = dict(inputs)
        return " ".join(self.value(p.type, given[p.name]) for p in task.signature.parameters)

    def code_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...], expected: Value) -> str:
        sig = task.signature
        return f"{sig.name} {self._args(task, inputs)} = {self.value(sig.return_type, expected)}"

    def precond_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...]) -> str:
        return f"{self.precond_name(task)} {self._args(task, inputs)}"

    def postcond_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...], output: Value) -> str:
        return (f"{self.postcond_name(task)} {self._args(task, inputs)} "
                f"{self.value(task.signature.return_type, output)}")

    def negation(self, claim: str) -> str:
        return f"~ ({claim})"

    def fact(self, name: str, claim: str, header: str) -> Theorem:
        return Theorem(name=name, statement=f"Theorem {name} : {claim}.", header=header, backend="coq")

    def proof_theorem(self, task: VerinaTask, header: str) -> Theorem:
        name = f"{self.postcond_name(task)}_satisfied"
        names = self._names(task)
        statement = (f"Theorem {name} {self._binders(task)} (h_precond : {self.precond_name(task)} {names}) :\n"
                     f"  {self.postcond_name(task)} {names} ({task.signature.name} {names}).")
        return Theorem(name=name, statement=statement, header=header, backend="coq", source=task.id)

    def proof_text(self, solution: Solution) -> str:
        return solution.proof

    # -- screening ------------------------------------------------------------------------
    def screen(self, task: VerinaTask, solution: Solution) -> str | None:
        """Why `solution` may not go into a Coq header, or None when it may."""
        why = _screen_imports(solution.imports)
        if why is not None:
            return f"imports: {why}"
        for section in ("solution_aux", "precond_aux", "code_aux", "postcond_aux", "proof_aux"):
            why = _screen_vernacular(getattr(solution, section))
            if why is not None:
                return f"{section}: {why}"
        bodies = (("precond", self.precond_def(task, solution.precond)), ("code", self.code_def(task, solution.code)),
                  ("postcond", self.postcond_def(task, solution.postcond)))
        for section, definition in bodies:
            why = _screen_body(getattr(solution, section), definition)
            if why is not None:
                return f"{section}: {why}"
        return None


def _sentences(text: str) -> tuple[str, ...] | str:
    try:
        return sentence_texts(text, "section") if text.strip() else ()
    except ConfigError as exc:
        return str(exc)


def _screen_imports(text: str) -> str | None:
    sentences = _sentences(text)
    if isinstance(sentences, str):
        return sentences
    for sentence in sentences:
        if not _REQUIRE.match(" ".join(strip_comments(sentence).split())):
            return f"only `Require Import` sentences may appear here, not {sentence.strip()[:60]!r}"
    return None


def _screen_vernacular(text: str) -> str | None:
    sentences = _sentences(text)
    if isinstance(sentences, str):
        return sentences
    in_proof = False
    for sentence in sentences:
        command = _PREFIX.sub("", strip_comments(sentence).strip())
        if in_proof:
            if _CLOSES_PROOF.match(command):
                in_proof = False
                continue
            why = screen_sentence(sentence)
            if why is not None:
                return f"{sentence.strip()[:60]!r}: {why}"
            continue
        if not _TOP_LEVEL.match(command):
            return (f"{sentence.strip()[:60]!r} is not allowed: only Definition, Fixpoint, Inductive, Record, "
                    "Lemma/Theorem with a proof, Ltac and Hint")
        if _OPENS_PROOF.match(command) and ":=" not in re.sub(r'"(?:[^"]|"")*"', '""', command):
            in_proof = True
    if in_proof:
        return "a proof is not closed with Qed or Defined"
    return None


def _screen_body(body: str, definition: str) -> str | None:
    if not body.strip():
        return None
    sentences = _sentences(definition)
    if isinstance(sentences, str):
        return sentences
    if len(sentences) != 1:
        return "the body must be one Coq term (it ends the definition early)"
    why = screen_sentence(body)
    return None if why is None else f"the body {why}"
