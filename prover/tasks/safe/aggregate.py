"""From per-step verdicts to one solution score: a rule-based aggregator and a trainable GRU.

Both read a `SolutionReport` and return a score in [0, 1], higher for a solution more likely
correct. The rule: every refuted step multiplies the score by a small factor, every step
that could not be formalised or decided by a milder one, and the share of checkable steps
that were proved lifts it. The sequence model (as in Safe) runs a GRU over per-step feature
vectors (the step's status one-hot, its position, whether it had claims, whether two
backends agreed, whether it is the last step) and is trained on solution-level labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import torch

from prover.errors import ConfigError
from prover.tasks.safe.verify import STEP_STATUSES, SolutionReport

FEATURES = len(STEP_STATUSES) + 4
_FORMAT = "prover.safe.gru/1"


@runtime_checkable
class Aggregator(Protocol):
    name: str

    def score(self, report: SolutionReport) -> float: ...


@dataclass(frozen=True, slots=True)
class RuleAggregator:
    """Multiplicative penalties per step status, times (1 + share of checked steps proved) / 2."""

    name: ClassVar[str] = "rule"
    refuted: float = 0.05
    formalisation_failed: float = 0.7
    undecided: float = 0.85

    def score(self, report: SolutionReport) -> float:
        penalty = {"refuted": self.refuted, "formalisation_failed": self.formalisation_failed,
                   "undecided": self.undecided}
        score = math.prod(penalty.get(step.status, 1.0) for step in report.steps)
        checked = [s for s in report.steps if s.status != "no_verification"]
        proved = sum(s.status == "proved" for s in checked) / len(checked) if checked else 0.5
        return score * (1 + proved) / 2


def step_features(report: SolutionReport) -> torch.Tensor:
    """(steps, FEATURES): status one-hot, relative position, has claims, confirmed share, is last."""
    n = len(report.steps)
    rows = []
    for i, step in enumerate(report.steps):
        onehot = [float(step.status == s) for s in STEP_STATUSES]
        confirmed = sum(c.confirmed for c in step.checks) / len(step.checks) if step.checks else 0.0
        rows.append([*onehot, i / max(1, n - 1), float(bool(step.checks)), confirmed, float(i == n - 1)])
    return torch.tensor(rows or [[0.0] * FEATURES], dtype=torch.float32)


class _Net(torch.nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(FEATURES, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, batch: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = torch.nn.utils.rnn.pack_padded_sequence(batch, lengths, batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)
        return self.head(last[-1]).squeeze(-1)


def _batch(reports: Sequence[SolutionReport]) -> tuple[torch.Tensor, torch.Tensor]:
    seqs = [step_features(r) for r in reports]
    lengths = torch.tensor([len(s) for s in seqs])
    return torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True), lengths


class SequenceAggregator:
    """A GRU over step features; `train` fits it, `save`/`load` keep it."""

    name = "model"

    def __init__(self, hidden: int = 16) -> None:
        self.hidden = hidden
        self.net = _Net(hidden)

    @classmethod
    def train(cls, reports: Sequence[SolutionReport], labels: Sequence[bool], *, hidden: int = 16,
              epochs: int = 300, seed: int = 0) -> SequenceAggregator:
        """Fit on solutions labelled correct/incorrect (full-batch Adam; a few seconds on a CPU)."""
        if len(reports) != len(labels) or not reports:
            raise ConfigError(f"training needs one label per solution, got {len(reports)} reports "
                              f"and {len(labels)} labels")
        torch.manual_seed(seed)
        model = cls(hidden)
        batch, lengths = _batch(reports)
        target = torch.tensor([float(y) for y in labels])
        optimiser = torch.optim.Adam(model.net.parameters(), lr=0.01)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # a model this small trains 20x slower when threads contend for cores
        try:
            model.net.train()
            for _ in range(epochs):
                optimiser.zero_grad()
                loss = loss_fn(model.net(batch, lengths), target)
                loss.backward()
                optimiser.step()
        finally:
            torch.set_num_threads(threads)
        model.net.eval()
        return model

    def score(self, report: SolutionReport) -> float:
        return self.scores([report])[0]

    def scores(self, reports: Sequence[SolutionReport]) -> list[float]:
        with torch.no_grad():
            batch, lengths = _batch(reports)
            return torch.sigmoid(self.net(batch, lengths)).tolist()

    def save(self, path: str | Path) -> None:
        torch.save({"format": _FORMAT, "hidden": self.hidden, "state": self.net.state_dict()}, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> SequenceAggregator:
        source = Path(path)
        if not source.is_file():
            raise ConfigError(f"{source}: no such model file (train one with `prover safe train`)")
        try:
            saved = torch.load(source, weights_only=True)
        except Exception as exc:  # torch raises several unrelated types for a file that is not its own
            raise ConfigError(f"{source}: not a saved Safe aggregator ({type(exc).__name__}: {exc})") from exc
        if not isinstance(saved, dict) or saved.get("format") != _FORMAT:
            raise ConfigError(f"{source}: not a saved Safe aggregator (expected format {_FORMAT})")
        model = cls(int(saved["hidden"]))
        try:
            model.net.load_state_dict(saved["state"])
        except (RuntimeError, KeyError) as exc:
            raise ConfigError(f"{source}: the saved weights do not fit this model ({exc})") from exc
        model.net.eval()
        return model
