"""Safe without Coq: parsing prose into claims, Z3 verdicts, step classes, aggregators, ranking, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from prover.envs.smt import SmtLimits
from prover.errors import ConfigError
from prover.tasks.safe import (
    RuleAggregator,
    RuleFormaliser,
    SequenceAggregator,
    StepContext,
    StepVerifier,
    Z3Verifier,
    load_problems,
    rank_candidates,
    split_solution,
    verify_problem,
)
from prover.tasks.safe.evaluate import aggregator_scores, detection, ranking
from prover.tasks.safe.parse import spans, visible_text

SET = Path(__file__).resolve().parents[2] / "datasets" / "safe" / "safe_steps.jsonl"
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "safe" / \
    "gsm8k_example_model_solutions.sample.jsonl"
CONTEXT = StepContext("q")


def statuses(*steps: str, verifier: StepVerifier | None = None) -> list[str]:
    report = (verifier or StepVerifier()).verify_solution("q", steps)
    return [s.status for s in report.steps]


def test_visible_claim_is_checked_not_the_calculator_annotation() -> None:
    # from GSM8K's own model solutions: the annotation is right, the text after it is not
    step = "the house is worth 130,000*.15 = $<<130000*.15=19500.0>>195,000"
    assert [s.text for s in spans(visible_text(step))] == ["130,000*.15 = 195,000"]
    report = StepVerifier().verify_solution("q", [step])
    check = report.steps[0].checks[0]
    assert check.outcome == "refuted"
    assert "19500" in check.evidence[0].detail


@pytest.mark.parametrize(("step", "status"), [
    ("She has 16 - 3 = <<16-3=13>>13 eggs left", "proved"),
    ("It takes 2 x 0.5 = 1.0 bolts", "proved"),
    ("The discount is 25% of 120 = $30.", "proved"),
    ("12 divided by 4 equals 3", "proved"),
    ("6 * 3/4 = 9/2 = 4.5 cups", "proved"),
    ("(x+1)^2 = x^2 + 2x + 1", "proved"),
    ("x(x + 1) = x² + x", "proved"),
    ("if 2x + 3 = 11 then x = 4", "proved"),
    ("If 2n < 12, n < 6", "proved"),
    ("460 / 45 ≈ 10.22 weeks", "proved"),
    ("3 * 7 + 2 = 24", "refuted"),
    ("(x+1)^2 = x^2 + x + 1", "refuted"),
    ("if 2x + 3 = 11 then x = 5", "refuted"),
    ("a = b = a + 1", "refuted"),
    ("10 / 0 = 3", "refuted"),
    ("She sells the rest at the market.", "no_verification"),
    ("Total = $5", "no_verification"),
    ("sqrt(16) = 4", "formalisation_failed"),
    ("5! = 120", "formalisation_failed"),
    ("f(2) = 5", "formalisation_failed"),
    ("3 + * 4 = 7", "formalisation_failed"),
    ("(2 + 3 = 5", "formalisation_failed"),
])
def test_step_classes(step: str, status: str) -> None:
    assert statuses(step) == [status]


def test_counter_model_is_given_for_a_false_identity() -> None:
    check = StepVerifier().verify_solution("q", ["(x+1)^2 = x^2 + x + 1"]).steps[0].checks[0]
    model = {a.term: a.value for a in check.evidence[0].counter_model}
    x = int(model["x"])
    assert (x + 1) ** 2 != x * x + x + 1


def test_assumptions_carry_to_later_steps_and_contradictions_are_refuted() -> None:
    assert statuses("Let 3x - 7 = 11.", "Then 3x = 18.", "So x = 6.") == ["no_verification", "proved", "proved"]
    assert statuses("Let 3x - 7 = 11.", "So x = 5.") == ["no_verification", "refuted"]
    assert statuses("Let x = 3.", "Let x = 4.") == ["no_verification", "refuted"]
    # a variable's first equation defines it
    assert statuses("The price is p = 5.", "Two cost 2p = 10.") == ["no_verification", "proved"]


def test_adversarial_sizes_are_refused_not_computed() -> None:
    assert statuses("2^10000000 = 5") == ["formalisation_failed"]
    assert statuses("9" * 5000 + " + 1 = 2") == ["formalisation_failed"]
    assert statuses("(" * 3000 + "1" + ")" * 3000 + " = 1") == ["formalisation_failed"]
    assert statuses("1 = " + "-" * 3000 + "1") == ["formalisation_failed"]


def test_hard_nonlinear_claim_is_undecided_within_its_time_limit() -> None:
    tight = StepVerifier(primary=Z3Verifier(SmtLimits(seconds=0.001)))
    step = "(a^2 + b^2 + c^2)^9 * (a - b)^7 * (b - c)^5 = (a*b*c)^8 + a^20 - c^19 + 17"
    assert statuses(step, verifier=tight) == ["undecided"]


def test_split_solution() -> None:
    assert split_solution("a = 1\n\nb = 2\nA: 1,000") == (("a = 1", "b = 2"), "1000")
    assert split_solution("just prose") == (("just prose",), None)


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "not JSON"),
    ("[1, 2]", '"question"'),
    ('{"question": "q"}', "no candidate"),
    ('{"question": "q", "m": {"answer": 3}}', '"solution"'),
    ('{"question": "q", "m": {"solution": "1 = 1", "is_correct": "yes"}}', "is_correct"),
    ('{"question": "q", "m": {"solution": "1 = 1\\n2 = 2", "step_labels": ["correct"]}}', "2 steps but 1"),
    ('{"question": "q", "m": {"solution": "1 = 1", "step_labels": ["fine"]}}', "step_labels"),
])
def test_malformed_input_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError, match=message) as err:
        load_problems(path)
    assert f"{path}:1" in str(err.value)


def test_project_set_detection_and_ranking() -> None:
    problems = load_problems(SET)
    assert sum(len(p.candidates) for p in problems) >= 30
    reports = [verify_problem(p, StepVerifier()) for p in problems]
    calc = detection(problems, reports, frozenset({"arithmetic", "algebra"}))
    assert calc.recall == 1.0 and calc.precision >= 0.9
    rule = ranking(problems, aggregator_scores(RuleAggregator(), reports))
    assert rule.pairwise >= 0.9 and rule.top1 >= 0.8
    for problem, problem_reports in zip(problems, reports, strict=True):
        best = rank_candidates(problem, problem_reports, RuleAggregator())[0]
        assert best.rank == 1 and best.score == max(RuleAggregator().score(r) for r in problem_reports)


def test_sequence_aggregator_trains_saves_and_loads(tmp_path: Path) -> None:
    problems = load_problems(SET)
    reports = [r for p in problems for r in verify_problem(p, StepVerifier())]
    labels = [bool(c.is_correct) for p in problems for c in p.candidates]
    model = SequenceAggregator.train(reports, labels, epochs=150)
    scores = model.scores(reports)
    good = [s for s, y in zip(scores, labels, strict=True) if y]
    bad = [s for s, y in zip(scores, labels, strict=True) if not y]
    assert sum(good) / len(good) > sum(bad) / len(bad)  # on its own training data
    path = tmp_path / "gru.pt"
    model.save(path)
    assert SequenceAggregator.load(path).scores(reports) == pytest.approx(scores)
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="not a saved Safe aggregator"):
        SequenceAggregator.load(tmp_path / "junk.pt")


def test_rule_formaliser_speaks_the_protocol() -> None:
    form = RuleFormaliser().formalise("Let 2x = 8. So 3 + 4 = 7.", CONTEXT)
    assert [str(a) for a in form.assumptions] == ["(2 * x) = 8"]
    assert [str(c) for c in form.claims] == ["(3 + 4) = 7"]


def _cli() -> typer.Typer:
    from prover.cli import safe

    app = typer.Typer()
    app.add_typer(safe.app, name="safe")
    return app


def test_cli_score_json_ranks_and_classifies(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["safe", "score", str(SET), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(load_problems(SET))
    books = next(p for p in lines if p["problem"] == "books")
    assert books["ranking"][0]["candidate"] == "candidate_1" and books["ranking"][0]["is_correct"]
    statuses_ = [s["status"] for s in books["ranking"][1]["steps"]]
    assert "refuted" in statuses_


def test_cli_train_then_score_with_model(tmp_path: Path) -> None:
    model = tmp_path / "m.pt"
    runner = CliRunner()
    trained = runner.invoke(_cli(), ["safe", "train", str(SET), "--out", str(model), "--epochs", "50"])
    assert trained.exit_code == 0, trained.output
    scored = runner.invoke(_cli(), ["safe", "score", str(SET), "--aggregator", "model", "--model", str(model)])
    assert scored.exit_code == 0 and "books" in scored.stdout


@pytest.mark.parametrize("args", [
    ["safe", "score", "/nonexistent.jsonl"],
    ["safe", "score", str(SET), "--aggregator", "model"],
    ["safe", "score", str(SET), "--model", "x.pt"],
])
def test_cli_bad_input_exits_2_with_a_reason(args: list[str]) -> None:
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 2
    assert "error:" in result.output


def test_gsm8k_sample_format_loads() -> None:
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is absent (the shared samples live beside the project, not in it)")
    problems = load_problems(SAMPLE)
    assert all(len(p.candidates) == 4 for p in problems)
    house = problems[2]
    reports = verify_problem(house, StepVerifier())
    flagged = {c.name for c, r in zip(house.candidates, reports, strict=True)
               if any(s.status == "refuted" for s in r.steps)}
    assert "175b_finetuning" in flagged  # 130,000*.15 = 195,000
