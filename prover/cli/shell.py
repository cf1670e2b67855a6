"""An interactive proof assistant in the terminal.

Type tactics to run them on the current state and see the goals. Commands:
  :undo            back to the previous state      :goto N     to any earlier state N
  :states          every state so far              :proof      the proof so far
  :check           check the proof so far soundly  :help       this text
  :quit            leave (also Ctrl-D)
Lines starting with Search, Check, About, Locate, Print or Compute are queries.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from prover.cli.common import console, errors, reported_errors, theorems_from_options
from prover.envs.base import ProofFinished, ProofState, TacticError, TacticResult, TacticTimeout, Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ProverError

_QUERY = re.compile(r"^\s*(Search|SearchPattern|SearchRewrite|Check|About|Locate|Print|Compute)\b")


def shell(
    file: Annotated[str | None, typer.Argument(help="A .v file holding the theorem.")] = None,
    theorem: Annotated[str | None, typer.Option("--theorem", "-t", help="Which theorem of FILE.")] = None,
    statement: Annotated[str | None, typer.Option(help="The statement: 'Theorem name : ... .'")] = None,
    header: Annotated[str, typer.Option(help="Imports etc. before --statement.")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds allowed per tactic.")] = 10.0,
) -> None:
    with reported_errors():
        if file is None and statement is None:
            statement = _ask("statement> ")
            if statement is None:
                raise typer.Exit(0)
        theorems = theorems_from_options(file, theorem, statement, header)
        if len(theorems) > 1:
            names = ", ".join(t.name for t in theorems)
            raise typer.BadParameter(f"{file} has several theorems ({names}); choose one with --theorem")
        with CoqEnv() as env:
            _Session(env, theorems[0], timeout).loop()


def _ask(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


class _Session:
    def __init__(self, env: CoqEnv, theorem: Theorem, timeout: float) -> None:
        self.env = env
        self.theorem = theorem
        self.timeout = timeout
        root = env.start(theorem)
        self.states: dict[int, ProofState | ProofFinished] = {root.id: root}
        self.history: list[ProofState | ProofFinished] = [root]
        console.print(f"[bold]{theorem.name}[/] — type tactics; :help for commands", highlight=False)
        self.show(root)

    @property
    def current(self) -> ProofState | ProofFinished:
        return self.history[-1]

    def show(self, state: ProofState | ProofFinished) -> None:
        if isinstance(state, ProofFinished):
            console.print(f"[bold green]No more goals[/] (state {state.id}). :check to verify.", highlight=False)
        else:
            console.print(f"[dim]state {state.id}, depth {state.depth}[/]\n{state}", highlight=False)

    def loop(self) -> None:
        while (line := _ask(f"{self.theorem.name} [{self.current.id}]> ")) is not None:
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q", ":exit"):
                return
            try:
                self.handle(line)
            except ProverError as exc:
                errors.print(f"[red]error:[/] {exc}", highlight=False)

    def handle(self, line: str) -> None:
        command, _, arg = line.partition(" ")
        if command == ":help":
            console.print(__doc__, highlight=False)
        elif command == ":undo":
            if len(self.history) > 1:
                self.history.pop()
            self.show(self.current)
        elif command == ":goto":
            self.goto(arg)
        elif command == ":states":
            for sid, state in self.states.items():
                last = state.tactics[-1] if state.tactics else "(root)"
                mark = "*" if sid == self.current.id else " "
                console.print(f"{mark} {sid:>4}  depth {state.depth:<3} {last}", highlight=False)
        elif command == ":proof":
            console.print("\n".join(self.current.tactics) or "(no tactics yet)", highlight=False)
        elif command == ":check":
            verdict = self.env.check(self.theorem, "\n".join(self.current.tactics))
            style = "green" if verdict.accepted else "red"
            console.print(f"[{style}]{verdict.reason}[/] ({verdict.seconds:.2f}s)", highlight=False)
        elif command.startswith(":"):
            errors.print(f"unknown command {command}; :help lists them", highlight=False)
        elif _QUERY.match(line):
            console.print(self.env.query(line), highlight=False)
        else:
            self.run(line)

    def goto(self, arg: str) -> None:
        if not arg.strip().isdigit() or int(arg) not in self.states:
            errors.print(f"no state {arg!r}; :states lists them", highlight=False)
            return
        self.history.append(self.states[int(arg)])
        self.show(self.current)

    def run(self, tactic: str) -> None:
        state = self.current
        if isinstance(state, ProofFinished):
            errors.print("the proof is finished; :check it, :undo or :goto an earlier state", highlight=False)
            return
        result: TacticResult = self.env.run_tactic(state, tactic, timeout=self.timeout)
        if isinstance(result, TacticError):
            errors.print(f"[red]{result.message}[/]", highlight=False)
        elif isinstance(result, TacticTimeout):
            errors.print(f"[red]timed out after {result.seconds:g}s[/]", highlight=False)
        else:
            self.states[result.id] = result
            self.history.append(result)
            self.show(result)
