"""Safe's LLM formaliser: the answer parser on literal answers (verified by the real Z3), and the
formaliser on a tiny random-weight model, in process (hf) and served on 127.0.0.1 (openai): its
junk is "formalisation failed" for every step, never an exception."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
import typer
from typer.testing import CliRunner

from prover.policies.hf import CausalLM
from prover.policies.serve import ModelServer
from prover.policies.text import HFGenerator, OpenAIGenerator
from prover.tasks.safe import (
    LLMFormaliser,
    Problem,
    RuleFormaliser,
    StepContext,
    StepVerifier,
    Z3Verifier,
    load_problems,
)
from prover.tasks.safe.llm import MAX_LINES, formalisation_prompt, read_formalisation
from tests.tasks.test_refute_llm import build_long_context_model

torch.set_num_threads(1)
SET = Path(__file__).resolve().parents[2] / "datasets" / "safe" / "safe_steps.jsonl"
CONTEXT = StepContext("q")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_long_context_model(tmp_path_factory.mktemp("safe-model") / "tiny")


@pytest.fixture(scope="module")
def server(model_dir: Path) -> Iterator[ModelServer]:
    with ModelServer(CausalLM(model_dir, device="cpu"), port=0, name="tiny") as served:
        yield served


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    return load_problems(SET)[:2]


# The parser, on literal answers.


def test_claims_and_assumptions_are_read_and_linked() -> None:
    form = read_formalisation("CLAIM: 3*7+2 = 23\nASSUME: 2x+3 = 11\nCLAIM: x = 4\nCLAIM: 1 < 2 < 3", CONTEXT)
    assert form.failures == ()
    assert [str(a) for a in form.assumptions] == ["((2 * x) + 3) = 11"]
    assert [str(c) for c in form.claims] == ["((3 * 7) + 2) = 23", "((2 * x) + 3) = 11 => x = 4", "1 < 2", "2 < 3"]


def test_earlier_assumptions_are_the_hypotheses_of_later_claims() -> None:
    (earlier,) = read_formalisation("ASSUME: y = 2x", CONTEXT).assumptions
    (given,) = read_formalisation("ASSUME: x = 3", StepContext("q", ("Let y = 2x.",), (earlier,))).assumptions
    context = StepContext("q", ("Let y = 2x.", "Let x = 3."), (earlier, given))
    (claim,) = read_formalisation("CLAIM: y = 6", context).claims
    assert claim.hypotheses == (earlier, given)


def test_the_parsed_claims_are_decided_by_z3() -> None:
    z3 = Z3Verifier()
    form = read_formalisation("- CLAIM: 12*3 = 36\n2. `CLAIM: 8*15 = 110`\nassume: 2x + 3 = 11\nClaim: x = 4\n"
                              "CLAIM: x = 5\nASSUME: 2 = 3", CONTEXT)
    assert form.failures == () and len(form.claims) == 5
    assert [z3.verify(c).outcome for c in form.claims] == ["proved", "refuted", "proved", "refuted", "refuted"]


@pytest.mark.parametrize(("answer", "failure"), [
    ("", "holds no CLAIM:"),
    ("   \n\n", "holds no CLAIM:"),
    ("The answer is 36.", "is not CLAIM:, ASSUME: or NONE"),
    ("CLAIM: 5", "holds no relation"),
    ("CLAIM: twelve = 12", "expected a number"),
    ("CLAIM: (3 + 4 = 7", "unbalanced parenthesis"),
    ("CLAIM: 2^100 = 4", "exponents must be whole numbers from 0 to 64"),
    ("CLAIM: " + "9" * 40 + " = 1", "more than 30 digits"),
    ("CLAIM: sqrt(4) = 2", "expected a number"),
    ("NONE\nCLAIM: 1 = 1", "says NONE and also"),
    ("CLAIM: 1 = 1\n" * (MAX_LINES + 1), f"at most {MAX_LINES}"),
])
def test_bad_answers_are_failures_with_the_reason(answer: str, failure: str) -> None:
    form = read_formalisation(answer, CONTEXT)
    assert any(failure in f for f in form.failures), form.failures


def test_none_states_nothing_and_a_bad_line_spoils_only_itself() -> None:
    assert read_formalisation("NONE", CONTEXT) == read_formalisation("none.", CONTEXT)
    assert read_formalisation("NONE", CONTEXT).failures == () and not read_formalisation("NONE", CONTEXT).claims
    mixed = read_formalisation("CLAIM: 2 + 2 = 4\nso it is four\nCLAIM: 3 = 3", CONTEXT)
    assert len(mixed.claims) == 2 and len(mixed.failures) == 1 and "line 2" in mixed.failures[0]


def test_arbitrary_text_never_raises() -> None:
    rng = random.Random(0)
    alphabet = "CLAIMASUENO:=<>!^*/+-()0123456789.xyz %$,`\n\t\u00b2\u221a\u00f7\u2264\ufffd\x00"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        form = read_formalisation(text, CONTEXT)
        assert form.claims or form.assumptions or form.failures or "NONE" in text.upper()


def test_the_prompt_shows_question_earlier_steps_assumptions_and_the_step() -> None:
    (assumed,) = RuleFormaliser().formalise("Let 2x + 3 = 11.", CONTEXT).assumptions
    prompt = formalisation_prompt(" So x = 4. ", StepContext("Find x.", ("Let 2x + 3 = 11.",), (assumed,)))
    assert "Question: Find x.\nEarlier steps:\n1. Let 2x + 3 = 11.\nAssumed so far:\n((2 * x) + 3) = 11\n" in prompt
    assert prompt.endswith("Step: So x = 4.\nFormalisation:\n")
    assert "Earlier steps:\n(none)\n" in formalisation_prompt("1 + 1 = 2", CONTEXT)


# The formaliser on a real (tiny, random) model.


def check_every_step_fails(formaliser: LLMFormaliser, problems: list[Problem]) -> None:
    verifier = StepVerifier(formaliser=formaliser)
    steps = 0
    for problem in problems:
        for candidate in problem.candidates:
            report = verifier.verify_solution(problem.question, candidate.steps, candidate.answer)
            assert [s.status for s in report.steps] == ["formalisation_failed"] * len(candidate.steps)
            assert all("model's answer" in f for s in report.steps for f in s.failures)
            assert report.status == "formalisation_failed"
            steps += len(candidate.steps)
    assert steps >= 8 and formaliser.tokens > 0


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_junk_from_a_local_model_is_formalisation_failed_for_every_step(model_dir: Path, problems: list[Problem],
                                                                        temperature: float) -> None:
    formaliser = LLMFormaliser(HFGenerator(model_dir, temperature=temperature, seed=0), max_tokens=32)
    check_every_step_fails(formaliser, problems)


def test_junk_from_a_served_model_is_formalisation_failed_for_every_step(server: ModelServer,
                                                                         problems: list[Problem]) -> None:
    with OpenAIGenerator("tiny", endpoint=server.url, seed=0) as generator:
        formaliser = LLMFormaliser(generator, max_tokens=32)
        check_every_step_fails(formaliser, problems[:1])
        assert formaliser.tokens == generator.policy.usage.total_tokens


# The command.


def _cli() -> typer.Typer:
    from prover.cli import safe

    app = typer.Typer()
    app.add_typer(safe.app, name="safe")
    return app


def small_set(tmp_path: Path) -> Path:
    path = tmp_path / "one.jsonl"
    path.write_text(SET.read_text().splitlines()[0] + "\n")
    return path


def test_cli_scores_with_the_hf_formaliser(model_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["safe", "score", str(small_set(tmp_path)), "--formaliser", "hf",
                                         "--formaliser-model", str(model_dir), "--max-tokens", "24", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    ranking = line["ranking"]
    assert len(ranking) == 3 and all(r["status"] == "formalisation_failed" and r["tokens"] > 0 for r in ranking)
    assert {s["status"] for r in ranking for s in r["steps"]} == {"formalisation_failed"}


def test_cli_scores_with_the_openai_formaliser(server: ModelServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["safe", "score", str(small_set(tmp_path)), "--formaliser", "openai",
                                         "--endpoint", server.url, "--formaliser-model", "tiny", "--max-tokens", "16"])
    assert result.exit_code == 0, result.output
    assert "formalisation failed" in result.stdout and "refuted" not in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--formaliser", "hf"], "needs --formaliser-model"),
    (["--formaliser", "openai", "--formaliser-model", "m"], "needs --endpoint"),
    (["--formaliser-model", "m"], "are for --formaliser hf or openai"),
    (["--formaliser", "hf", "--formaliser-model", "/nonexistent"], "no such directory"),
    (["--formaliser", "gpt"], "gpt"),
    (["--run-id", "r1"], "give --db URL too"),
])
def test_cli_refuses_bad_formaliser_options(args: list[str], message: str) -> None:
    result = CliRunner().invoke(_cli(), ["safe", "score", str(SET), *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())

