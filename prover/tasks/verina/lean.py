"""Verina in Lean 4: the task file's own shapes (Verina's template), checked through the Env API.

Definitions are rendered as Verina renders them (``@[reducible, simp] def f_precond``,
``def f (x : T) (h_precond : f_precond (x)) : R``, the postcondition with ``result`` and
``h_precond``). Where Verina runs ``#guard decide (...)`` with ``(by sorry)`` for the
precondition proof, each check here is a theorem ``∀ h_precond, claim`` proved by ``decide``
(its negation ``¬ ∀ ...`` or ``∀ h, ¬ ...`` by the same), so that it goes through `Env.check`,
which rejects ``sorry``; quantifying over the precondition proof is what ``(by sorry)`` assumes.
The Lean checker (``prover.open_env("lean")``) screens the candidate text and audits axioms.
"""

from __future__ import annotations

import re

from prover.envs.base import Theorem
from prover.tasks.verina.naming import VerinaNaming
from prover.tasks.verina.task import Solution, Value, VerinaTask

DECIDE = "by\n  intros\n  first\n  | decide\n  | simp_all! (config := { failIfUnchanged := false }) <;> decide\n  | simp_all!"
# What Verina's own proof metric refuses before compiling (metrics.py, `cheat_codes`).
_CHEATS = re.compile(r"\b(sorry|admit|axiom)\b")


class LeanVerina(VerinaNaming):
    """The Lean side of the Verina harness."""

    name = "lean"
    decide_proof = DECIDE

    def _hypothesis(self, task: VerinaTask) -> str:
        return f"(h_precond : {self.precond_name(task)} {' '.join(f'({p.name})' for p in task.signature.parameters)})"

    @staticmethod
    def _indent(body: str) -> str:
        return "\n".join("  " + line for line in body.strip().splitlines())

    def header(self, task: VerinaTask, solution: Solution, *, code: bool, postcond: bool, proof: bool) -> str:
        """Lean text before a check, in the order of Verina's task file."""
        sig = task.signature
        parts = [task.task_imports, solution.imports, task.task_aux, solution.solution_aux, solution.precond_aux,
                 (f"@[reducible, simp]\ndef {self.precond_name(task)} {self._binders(task)} : Prop :=\n"
                 f"{self._indent(solution.precond or 'True')}")]
        if code:
            parts += [solution.code_aux, (f"def {sig.name} {self._binders(task)} {self._hypothesis(task)} : "
                                         f"{sig.return_type} :=\n{self._indent(solution.code)}")]
        if postcond:
            parts += [solution.postcond_aux,
                      (f"@[reducible, simp]\ndef {self.postcond_name(task)} {self._binders(task)} "
                      f"(result: {sig.return_type}) {self._hypothesis(task)} : Prop :=\n"
                      f"{self._indent(solution.postcond)}")]
        if proof:
            parts.append(solution.proof_aux)
        imports = [line for p in parts for line in p.splitlines() if line.strip().startswith("import ")]
        rest = [p for p in ("\n".join(line for line in p.splitlines() if not line.strip().startswith("import "))
                            for p in parts) if p.strip()]
        return "\n".join(dict.fromkeys(imports)) + "\n\n" + "\n\n".join(rest)

    @staticmethod
    def value(type_: str, value: Value) -> str:
        """Verina's `render_unit_test_value`."""
        if type_ == "Bool":
            return str(value).lower()
        if type_ == "String":
            return f'"{value}"'
        if type_ == "Char":
            return f"'{value}'"
        return f"({value})"

    def _args(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...]) -> str:
        given = dict(inputs)
        return " ".join(self.value(p.type, given[p.name]) for p in task.signature.parameters)

    def _under_precond(self, task: VerinaTask, args: str, claim: str) -> str:
        return f"∀ h_precond : {self.precond_name(task)} {args}, {claim}"

    def code_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...], expected: Value) -> str:
        sig = task.signature
        args = self._args(task, inputs)
        return self._under_precond(task, args, f"{sig.name} {args} h_precond = {self.value(sig.return_type, expected)}")

    def precond_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...]) -> str:
        return f"{self.precond_name(task)} {self._args(task, inputs)}"

    def postcond_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...], output: Value) -> str:
        args = self._args(task, inputs)
        out = self.value(task.signature.return_type, output)
        return self._under_precond(task, args, f"{self.postcond_name(task)} {args} {out} h_precond")

    def negation(self, claim: str) -> str:
        return f"¬ ({claim})"

    def fact(self, name: str, claim: str, header: str) -> Theorem:
        return Theorem(name=name, statement=f"theorem {name} : {claim} :=", header=header, backend="lean")

    def proof_theorem(self, task: VerinaTask, header: str) -> Theorem:
        sig = task.signature
        name = f"{self.postcond_name(task)}_satisfied"
        args = " ".join(f"({p.name})" for p in sig.parameters)
        statement = (f"theorem {name} {' '.join(f'({p.name}: {p.type})' for p in sig.parameters)} "
                     f"{self._hypothesis(task)} :\n    {self.postcond_name(task)} {args} ({sig.name} {args} h_precond) "
                     "h_precond :=")
        return Theorem(name=name, statement=statement, header=header, backend="lean", source=task.id)

    def proof_text(self, solution: Solution) -> str:
        return "by\n" + self._indent(solution.proof)

    def screen(self, task: VerinaTask, solution: Solution) -> str | None:
        """Verina's cheat-code rule for the proof parts; the Lean checker screens the rest."""
        for section in ("proof_aux", "proof"):
            found = _CHEATS.search(getattr(solution, section))
            if found:
                return f"{section}: {found.group()!r} is not allowed in a proof"
        return None
