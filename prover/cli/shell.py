"""An interactive proof assistant in the terminal.

Type tactics to run them on the current state and see the goals. Commands:
  :undo            back to the previous state      :goto N     to any earlier state N
  :states          every state so far              :proof      the proof so far
  :check           check the proof so far soundly  :help       this text
  :suggest [N]     the prover's N best tactics here, each tried, with the goals it leaves
  :premises [N]    the N premises retrieved for the goals (needs --premises DIR)
  :search [SECS]   search for the rest of the proof; a proof found is inserted
  :quit            leave (also Ctrl-D)
Lines starting with Search, Check, About, Locate, Print or Compute are queries.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer

from prover.cli.common import console, errors, reported_errors, theorems_from_options
from prover.config import ProverConfig, load_prover_config
from prover.envs.base import ProofFinished, ProofState, TacticError, TacticResult, TacticTimeout, Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError, ProverError
from prover.search import assist
from prover.search.common import slots_from_config
from prover.search.tree import PolicySlot

if TYPE_CHECKING:
    from prover.retrieval import PremiseRetriever

_QUERY = re.compile(r"^\s*(Search|SearchPattern|SearchRewrite|Check|About|Locate|Print|Compute)\b")


def shell(
    file: Annotated[str | None, typer.Argument(help="A .v file holding the theorem.")] = None,
    theorem: Annotated[str | None, typer.Option("--theorem", "-t", help="Which theorem of FILE.")] = None,
    statement: Annotated[str | None, typer.Option(help="The statement: 'Theorem name : ... .'")] = None,
    header: Annotated[str, typer.Option(help="Imports etc. before --statement.")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds allowed per tactic.")] = 10.0,
    prover: Annotated[str, typer.Option(help="Prover config for :suggest and :search (name or .toml path).")]
    = "default-cpu",
    premises: Annotated[str | None, typer.Option(help="Premise-retriever directory for :premises.")] = None,
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
        config = load_prover_config(prover)
        with CoqEnv() as env:
            _Session(env, theorems[0], timeout, _Assist(config, premises)).loop()


def _number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def _ask(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


class _Assist:
    """The prover config and retriever behind :suggest, :premises and :search, built on first use."""

    def __init__(self, config: ProverConfig, premises: str | None) -> None:
        self.config = config
        self.premises_dir = premises
        self._slots: tuple[PolicySlot, ...] | None = None
        self._retriever: PremiseRetriever | None = None

    def slots(self) -> tuple[PolicySlot, ...]:
        if self._slots is None:
            self._slots = slots_from_config(self.config)
        return self._slots

    def retriever(self) -> PremiseRetriever:
        if self.premises_dir is None:
            raise ConfigError("no premise retriever: start the shell with --premises DIR (a PremiseRetriever index)")
        if self._retriever is None:
            from prover.retrieval import PremiseRetriever

            self._retriever = PremiseRetriever.load(self.premises_dir)
        return self._retriever


class _Session:
    def __init__(self, env: CoqEnv, theorem: Theorem, timeout: float, assist: _Assist) -> None:
        self.env = env
        self.theorem = theorem
        self.timeout = timeout
        self.assist = assist
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
        elif command in (":suggest", ":premises", ":search"):
            self.assistance(command, arg.strip())
        elif command.startswith(":"):
            errors.print(f"unknown command {command}; :help lists them", highlight=False)
        elif _QUERY.match(line):
            console.print(self.env.query(line), highlight=False)
        else:
            self.run(line)

    def assistance(self, command: str, arg: str) -> None:
        state = self.current
        if isinstance(state, ProofFinished):
            errors.print("the proof is finished; :check it, :undo or :goto an earlier state", highlight=False)
            return
        if arg and not _number(arg):
            errors.print(f"{command} takes a number, got {arg!r}", highlight=False)
            return
        if command == ":suggest":
            self.suggest(state, int(arg) if arg else 8)
        elif command == ":premises":
            for premise in assist.premises(self.assist.retriever(), state, int(arg) if arg else 10):
                console.print(f"{premise.score:8.3f}  {premise.name}", highlight=False)
        else:
            self.search(state, float(arg) if arg else 30.0)

    def suggest(self, state: ProofState, limit: int) -> None:
        tried = assist.suggest(self.env, state, self.theorem, self.assist.slots(), self.timeout, limit)
        if not tried:
            console.print("(no suggestions)", highlight=False)
        for i, t in enumerate(tried, 1):
            head = f"{i:>2}. {t.suggestion.tactic}  [dim]({t.suggestion.policy})[/]"
            if isinstance(t.result, ProofFinished):
                console.print(f"{head}  [bold green]closes the proof[/]", highlight=False)
            elif isinstance(t.result, ProofState):
                console.print(f"{head}\n{_indent(str(t.result))}", highlight=False)
            elif isinstance(t.result, TacticTimeout):
                console.print(f"{head}  [red]timed out[/]", highlight=False)
            else:
                console.print(f"{head}  [red]{t.result.message.splitlines()[0] if t.result.message else 'failed'}[/]",
                              highlight=False)

    def search(self, state: ProofState, seconds: float) -> None:
        console.print(f"searching with {self.assist.config.name} for up to {seconds:g} s ...", highlight=False)
        attempt = assist.search_from(self.env, self.theorem, state, self.assist.config, seconds)
        if not attempt.solved or attempt.proof is None:
            errors.print(f"[red]no proof found[/] ({attempt.reason}; {attempt.tactic_calls} tactic calls)",
                         highlight=False)
            return
        found = attempt.proof.splitlines()[len(state.tactics):]
        current: ProofState | ProofFinished = state
        for tactic in found:  # replay to put every state of the found proof into the history
            result = self.env.run_tactic(current, tactic, timeout=self.timeout) if isinstance(current, ProofState) else None
            if not isinstance(result, ProofState | ProofFinished):
                errors.print(f"[red]the found proof did not replay at {tactic!r}[/]", highlight=False)
                return
            self.states[result.id] = result
            self.history.append(result)
            current = result
        console.print(f"[green]found and checked[/] ({attempt.seconds:.1f}s):\n" + "\n".join(found), highlight=False)
        self.show(self.current)

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
