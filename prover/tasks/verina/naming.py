"""What both Verina backends call a task's definitions and how they bind its parameters."""

from __future__ import annotations

from prover.tasks.verina.task import VerinaTask


class VerinaNaming:
    """Names and binders shared by `CoqVerina` and `LeanVerina`: the same text in both languages."""

    def precond_name(self, task: VerinaTask) -> str:
        return f"{task.signature.name}_precond"

    def postcond_name(self, task: VerinaTask) -> str:
        return f"{task.signature.name}_postcond"

    def _binders(self, task: VerinaTask) -> str:
        return " ".join(f"({p.name} : {p.type})" for p in task.signature.parameters)
