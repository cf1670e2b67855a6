"""REFUTE with model writers: a tiny random-weight model, in process (hf) and served on 127.0.0.1
(openai). Its programs are junk, so these tests check the loop, not the model: every answer runs
in the sandbox, fails, and its error is in the next round's prompt; rounds are bounded; tokens
are counted; pass@k is recorded. `extract_program` is tested on literal completions."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from prover.cli.refute import app
from prover.policies.hf import CausalLM
from prover.policies.serve import ModelServer
from prover.policies.text import HFGenerator, OpenAIGenerator
from prover.sandbox import Program, Sandbox
from prover.store import open_store
from prover.tasks.refute import LLMWriter, RefuteTask, extract_program, load_tasks, refute, writer_prompt
from tests.policies.tiny_model import build_tiny_model

torch.set_num_threads(1)
SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "refute-sample"
runner = CliRunner()


def build_long_context_model(directory: Path) -> Path:
    """The tiny test model (`tests.policies.tiny_model`) with a 2048-token context instead of 512,
    so that whole task prompts fit: a real GPT-2 with random weights and the real BPE tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    build_tiny_model(directory)
    config = GPT2Config.from_pretrained(directory)
    config.n_positions = 2048
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_long_context_model(tmp_path_factory.mktemp("refute-model") / "tiny")


@pytest.fixture(scope="module")
def server(model_dir: Path) -> Iterator[ModelServer]:
    with ModelServer(CausalLM(model_dir, device="cpu"), port=0, name="tiny") as served:
        yield served


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def overflow() -> RefuteTask:
    (task,) = load_tasks(SAMPLES / "sum-overflow")
    return task


# Reading completions (literal strings: a unit test of the parser, not a stand-in for a model).


@pytest.mark.parametrize(("text", "language", "source"), [
    ("Here it is:\n```python\nprint(3)\nprint('1 2 3')\n```\nDone.", "python", "print(3)\nprint('1 2 3')\n"),
    ("```cpp\n#include <cstdio>\nint main(){puts(\"1\");}\n```", "cpp", "#include <cstdio>\nint main(){puts(\"1\");}\n"),
    ("```C++ \nint main(){}\n```", "cpp", "int main(){}\n"),
    ("```py\nprint(1)```", "python", "print(1)"),
    ("```text\nnot code\n```\n```python3\nprint(2)\n```", "python", "print(2)\n"),
    ("```\nprint(5)\n", "python", "print(5)\n"),  # cut off by the token limit: runs to the end
    ("```\n#include <cstdio>\nint main(){}\n```", "cpp", "#include <cstdio>\nint main(){}\n"),
    ("print(1)\nprint(2)", "python", "print(1)\nprint(2)"),
    ("int main() { return 0; }", "cpp", "int main() { return 0; }"),
    ("", "python", ""),
])
def test_extract_program_takes_the_first_fenced_block_and_its_language(text: str, language: str,
                                                                       source: str) -> None:
    assert extract_program(text) == Program(language, source)  # type: ignore[arg-type]


def test_the_writer_prompt_holds_the_task_every_earlier_failure_and_the_answer_format() -> None:
    task = overflow()
    first = writer_prompt(task.prompt(), ())
    assert first.startswith(task.prompt()) and "earlier" not in first and "```python or ```cpp" in first
    later = writer_prompt(task.prompt(), ("it crashed", "the validator rejects it"))
    assert "Attempt 1: it crashed\nAttempt 2: the validator rejects it\n" in later


# The loop, with real sampling.


def check_feedback_loop(writer: LLMWriter, rounds: int, sandbox: Sandbox) -> None:
    outcome = refute(overflow(), writer, sandbox, rounds=rounds)
    assert not outcome.solved and outcome.counterexample is None
    assert len(outcome.rounds) == len(writer.drafts) == rounds
    for i, (done, draft) in enumerate(zip(outcome.rounds, writer.drafts, strict=True)):
        assert done.program == draft.program == extract_program(draft.completion)
        assert done.feedback, "every junk program fails and says why"
        for earlier in outcome.rounds[:i]:
            assert earlier.feedback in draft.prompt
    assert all(d.prompt_tokens > 0 and d.completion_tokens > 0 for d in writer.drafts)
    assert writer.tokens == sum(d.prompt_tokens + d.completion_tokens for d in writer.drafts)


def test_junk_from_a_local_model_fails_in_the_sandbox_and_comes_back_as_feedback(model_dir: Path,
                                                                                 sandbox: Sandbox) -> None:
    writer = LLMWriter(HFGenerator(model_dir, seed=0), max_tokens=48)
    check_feedback_loop(writer, 3, sandbox)
    first = writer.drafts[0]
    assert first.prompt_tokens == len(writer.generator.policy.lm.encode(first.prompt))  # type: ignore[attr-defined]
    assert any("did not print an input" in d.prompt or "not a counterexample" in d.prompt for d in writer.drafts)


def test_a_seeded_writer_is_reproducible_and_its_calls_differ(model_dir: Path) -> None:
    prompt = overflow().prompt()
    runs = [LLMWriter(HFGenerator(model_dir, seed=7), max_tokens=24) for _ in range(2)]
    for writer in runs:
        writer.write(prompt, ())
        writer.write(prompt, ())
    assert [d.completion for d in runs[0].drafts] == [d.completion for d in runs[1].drafts]
    assert runs[0].drafts[0].completion != runs[0].drafts[1].completion


def test_a_served_model_writes_through_the_openai_endpoint(model_dir: Path, server: ModelServer,
                                                           sandbox: Sandbox) -> None:
    with OpenAIGenerator("tiny", endpoint=server.url, seed=3) as generator:
        remote = LLMWriter(generator, max_tokens=32)
        check_feedback_loop(remote, 2, sandbox)
    local = LLMWriter(HFGenerator(model_dir, seed=3), max_tokens=32)
    local.write(overflow().prompt(), ())
    # same model, prompt and seed: the endpoint answers what the model answers in process
    assert remote.drafts[0].completion == local.drafts[0].completion
    assert remote.drafts[0].prompt_tokens == local.drafts[0].prompt_tokens


# The command.


def one_task(tmp_path: Path) -> Path:
    folder = tmp_path / "tasks" / "sum-overflow"
    shutil.copytree(SAMPLES / "sum-overflow", folder)
    return folder.parent


def test_cli_hf_writer_records_pass_at_k_and_tokens(model_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = runner.invoke(app, ["run", str(one_task(tmp_path)), "--writer", "hf", "--model", str(model_dir),
                                 "--rounds", "2", "--k", "2", "--max-tokens", "32", "--seed", "0", "--db", url,
                                 "--json"])
    assert result.exit_code == 0, result.output
    (score,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (score["problem_id"], score["n"], score["solved"], score["pass_at_k"]) == ("sum-overflow", 2, 0, 0.0)
    assert score["tokens"] > 0
    with open_store(url) as store:
        (run,) = store.runs()
        (stored,) = store.task_results(run.id, "refute")
    config = json.loads(run.config_json)
    assert run.status == "finished" and config["writer"] == "hf" and config["model"] == str(model_dir)
    detail = json.loads(stored.detail_json)
    assert stored.status == "failed" and detail["tokens"] == score["tokens"] and detail["pass_at_k"] == 0.0
    assert [len(attempt) for attempt in detail["attempts"]] == [2, 2]
    assert all(r["reason"] for attempt in detail["attempts"] for r in attempt)


def test_cli_openai_writer_runs_against_the_served_model(server: ModelServer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(one_task(tmp_path)), "--writer", "openai", "--endpoint", server.url,
                                 "--model", "tiny", "--rounds", "1", "--max-tokens", "16", "--json"])
    assert result.exit_code == 0, result.output
    score = json.loads(result.stdout)
    assert score["solved"] == 0 and score["tokens"] > 0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_refuses_bad_writer_options_with_a_reason(model_dir: Path, server: ModelServer, tmp_path: Path) -> None:
    task = str(SAMPLES / "sum-overflow")
    cases = [
        (["--writer", "hf"], "needs --model"),
        (["--writer", "hf", "--model", str(tmp_path / "none")], "no such directory"),
        (["--writer", "openai", "--model", "tiny"], "needs --endpoint"),
        (["--writer", "hf", "--model", str(model_dir), "--endpoint", server.url], "--endpoint is for openai"),
        (["--writer", "attempts", "--model", str(model_dir)], "are for --writer hf or openai"),
        (["--writer", "gpt"], "not one of"),
        (["--writer", "hf", "--model", str(model_dir), "--max-tokens", "4096"], "leave no room"),
        (["--writer", "openai", "--endpoint", server.url, "--model", "tiny", "--max-tokens", "4000"],
         "exceeds the model's context"),
        (["--writer", "openai", "--endpoint", f"http://127.0.0.1:{closed_port()}/v1", "--model", "tiny"],
         "cannot reach"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["run", task, *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)  # rich wraps long lines
