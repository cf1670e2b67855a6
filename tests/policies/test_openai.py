"""The openai policy against real HTTP servers on 127.0.0.1: the model server serving the tiny
model, and small loopback servers that fail (503, hang, garbage) the way real ones do."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from prover.envs.base import ProofState, Theorem
from prover.errors import ConfigError, ModelEndpointError, ModelTimeout
from prover.policies.hf import CausalLM, HFPolicy
from prover.policies.openai import OpenAIPolicy
from prover.policies.prompts import PROOF_STOPS
from prover.policies.serve import MAX_BODY_BYTES, ModelServer

PROMPT = "Theorem t : forall n : nat, n + 0 = n.\nProof.\n"


def post(server: ModelServer, path: str, payload: object) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=payload, timeout=30)


def test_models_and_health(model_server: ModelServer) -> None:
    assert model_server.url.startswith("http://127.0.0.1:")
    models = httpx.get(f"{model_server.url}/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == ["tiny"]
    assert httpx.get(model_server.url.removesuffix("/v1") + "/health", timeout=10).json() == {"status": "ok"}


def test_completions_carry_logprobs_and_usage(model_server: ModelServer, tiny_lm: CausalLM) -> None:
    reply = post(model_server, "/completions", {"model": "tiny", "prompt": PROMPT, "n": 3, "max_tokens": 8,
                                                "logprobs": 1, "seed": 4, "stop": ["\n"]}).json()
    assert reply["object"] == "text_completion" and [c["index"] for c in reply["choices"]] == [0, 1, 2]
    prompt = tiny_lm.encode(PROMPT)
    # the same seeded sampling as in-process, whose log-probabilities test_hf checks against the model
    local = tiny_lm.sample([prompt], n=3, max_new_tokens=8, temperature=1.0, stops=("\n",), seed=4)[0]
    completion_tokens = 0
    for choice, expected in zip(reply["choices"], local, strict=True):
        lp = choice["logprobs"]
        assert choice["text"] == expected.text and "\n" not in choice["text"]
        assert choice["finish_reason"] == expected.finish_reason
        assert lp["token_logprobs"] == pytest.approx(expected.token_logprobs, abs=1e-5)
        assert len(lp["tokens"]) == len(lp["text_offset"]) == len(expected.token_ids) <= 8
        assert lp["text_offset"] == [sum(map(len, lp["tokens"][:i])) for i in range(len(lp["tokens"]))]
        completion_tokens += len(lp["tokens"])
    assert reply["usage"] == {"prompt_tokens": len(prompt), "completion_tokens": completion_tokens,
                              "total_tokens": len(prompt) + completion_tokens}
    # a list of prompts: choices grouped by prompt, each prompt counted once
    two = post(model_server, "/completions", {"prompt": [PROMPT, "intros."], "n": 2, "max_tokens": 4}).json()
    assert len(two["choices"]) == 4 and two["choices"][0]["logprobs"] is None
    assert two["usage"]["prompt_tokens"] == len(prompt) + len(tiny_lm.encode("intros."))


def test_the_policy_over_http_answers_as_the_local_one(model_server: ModelServer, tiny_model_dir: Path,
                                                        add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    local = HFPolicy(str(tiny_model_dir), seed=0, max_tokens=16).suggest(state, theorem, 4)
    with OpenAIPolicy("tiny", endpoint=model_server.url, seed=0, max_tokens=16) as remote:
        over_http = remote.suggest(state, theorem, 4)
        assert [s.tactic for s in over_http] == [s.tactic for s in local]
        assert [s.score for s in over_http] == pytest.approx([s.score for s in local], abs=1e-4)
        assert [s.tokens for s in over_http] == [s.tokens for s in local]
        assert all(s.policy == "openai" for s in over_http)
        # token accounting from the replies' usage
        assert sum(s.tokens for s in over_http) == remote.usage.total_tokens
        assert remote.usage.requests >= 1


def test_batched_states_and_whole_proofs(model_server: ModelServer, add_0_r: tuple[ProofState, Theorem]) -> None:
    state, theorem = add_0_r
    with OpenAIPolicy("tiny", endpoint=model_server.url, seed=1, max_tokens=12, proof_max_tokens=24) as policy:
        answers = policy.suggest_many([(state, theorem), (state, theorem)], 3)
        assert [len(a) for a in answers] == [3, 3]
        assert sum(s.tokens for a in answers for s in a) == policy.usage.total_tokens
        proofs = policy.sample(theorem, 2)
        assert proofs and all(not any(stop in p.proof for stop in PROOF_STOPS) for p in proofs)
        assert all(math.isfinite(p.score) for p in proofs)


def test_chat_completions(model_server: ModelServer, add_0_r: tuple[ProofState, Theorem]) -> None:
    reply = post(model_server, "/chat/completions", {
        "model": "tiny", "messages": [{"role": "user", "content": "intros."}], "n": 2, "max_tokens": 6,
        "logprobs": True, "seed": 2}).json()
    assert reply["object"] == "chat.completion" and len(reply["choices"]) == 2
    content = reply["choices"][0]["logprobs"]["content"]
    assert reply["choices"][0]["message"]["role"] == "assistant" and 1 <= len(content) <= 6
    assert reply["usage"]["completion_tokens"] == sum(len(c["logprobs"]["content"]) for c in reply["choices"])
    state, theorem = add_0_r
    with OpenAIPolicy("tiny", endpoint=model_server.url, chat=True, seed=0, max_tokens=12) as policy:
        suggestions = policy.suggest(state, theorem, 3)
    assert len(suggestions) == 3 and all(math.isfinite(s.score) for s in suggestions)


@pytest.mark.parametrize(("payload", "status", "words"), [
    ({"prompt": PROMPT, "model": "gpt-4"}, 404, "serves 'tiny'"),
    ({"prompt": PROMPT, "n": 0}, 400, "`n` must be at least 1"),
    ({"prompt": PROMPT, "n": True}, 400, "`n` must be int"),
    ({"prompt": PROMPT, "n": 65}, 400, "split the request"),
    ({"prompt": PROMPT, "max_tokens": 100_000}, 400, "ask for at most"),
    ({"prompt": PROMPT * 200}, 400, "shorten it"),
    ({"prompt": ""}, 400, "the prompt is empty"),
    ({"prompt": 3}, 400, "`prompt` must be"),
    ({"prompt": PROMPT, "temperature": -1}, 400, "temperature"),
    ({"prompt": PROMPT, "stop": [""]}, 400, "`stop`"),
    ({"prompt": PROMPT, "stream": True}, 400, "`stream` is not supported"),
])
def test_bad_requests_get_a_4xx_naming_the_field(model_server: ModelServer, payload: dict[str, object],
                                                 status: int, words: str) -> None:
    response = post(model_server, "/completions", payload)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


def test_malformed_and_oversized_bodies_are_refused_and_the_server_keeps_serving(model_server: ModelServer) -> None:
    bad = httpx.post(f"{model_server.url}/completions", content=b"{not json", timeout=10)
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]["message"]
    assert httpx.post(f"{model_server.url}/completions", json=[1], timeout=10).status_code == 400
    assert httpx.post(f"{model_server.url}/nowhere", json={}, timeout=10).status_code == 404
    # a huge Content-Length is refused before a byte of the body is read
    with socket.create_connection(("127.0.0.1", model_server.port), timeout=10) as raw:
        raw.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + str(MAX_BODY_BYTES * 1000).encode() + b"\r\n\r\n{")
        assert raw.recv(100).startswith(b"HTTP/1.1 413")
    with socket.create_connection(("127.0.0.1", model_server.port), timeout=10) as raw:
        raw.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 411")
    assert post(model_server, "/completions", {"prompt": PROMPT, "max_tokens": 2}).status_code == 200


# -- failing servers ---------------------------------------------------------------------------

class _Flaky(ThreadingHTTPServer):
    """Answers 503 to the first `failures` POSTs, then forwards to the real model server."""

    daemon_threads = True

    def __init__(self, upstream: str, failures: int) -> None:
        self.upstream = upstream
        self.failures = failures
        self.seen = 0
        super().__init__(("127.0.0.1", 0), _FlakyHandler)


class _FlakyHandler(BaseHTTPRequestHandler):
    server: _Flaky

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen += 1
        if self.server.seen <= self.server.failures:
            status, data = 503, json.dumps({"error": {"message": "warming up"}}).encode()
        else:
            answer = httpx.post(self.server.upstream + self.path.removeprefix("/v1"), content=body,
                                headers={"Content-Type": "application/json"}, timeout=30)
            status, data = answer.status_code, answer.content
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def flaky(model_server: ModelServer) -> Iterator[_Flaky]:
    server = _Flaky(model_server.url, failures=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_503s_are_retried_until_an_answer(flaky: _Flaky, add_0_r: tuple[ProofState, Theorem]) -> None:
    url = f"http://127.0.0.1:{flaky.server_address[1]}/v1"
    with OpenAIPolicy("tiny", endpoint=url, retries=2, backoff_seconds=0.01, seed=0, max_tokens=8) as policy:
        assert len(policy.suggest(*add_0_r, k=2)) == 2
    assert flaky.seen >= 3
    flaky.seen = 0
    with (OpenAIPolicy("tiny", endpoint=url, retries=1, backoff_seconds=0.01) as policy,
          pytest.raises(ModelEndpointError, match="503: warming up.*after 2 tries")):
        policy.suggest(*add_0_r, k=2)
    assert policy.usage.requests == 0


def test_a_hanging_server_gives_a_timeout_not_a_hang(add_0_r: tuple[ProofState, Theorem]) -> None:
    with socket.socket() as listener:  # accepts connections (the backlog does) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        started = time.monotonic()
        with (OpenAIPolicy("tiny", endpoint=url, timeout=0.5, retries=1, backoff_seconds=0) as policy,
              pytest.raises(ModelTimeout, match=r"within 0.5 s.*after 2 tries")):
            policy.suggest(*add_0_r, k=2)
        assert time.monotonic() - started < 5


def test_unreachable_endpoints_and_refusals_raise_clear_errors(model_server: ModelServer,
                                                               add_0_r: tuple[ProofState, Theorem]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (OpenAIPolicy("tiny", endpoint=f"http://127.0.0.1:{port}/v1", retries=1, backoff_seconds=0) as policy,
          pytest.raises(ModelEndpointError, match="cannot reach")):
        policy.suggest(*add_0_r, k=2)
    started = time.monotonic()
    with (OpenAIPolicy("gpt-4", endpoint=model_server.url, retries=3, backoff_seconds=1) as policy,
          pytest.raises(ModelEndpointError, match="404: model 'gpt-4' is not served here") as caught):
        policy.suggest(*add_0_r, k=2)
    assert caught.value.status == 404 and time.monotonic() - started < 1  # a 4xx is not retried
    with pytest.raises(ConfigError, match="http://"):
        OpenAIPolicy("tiny", endpoint="127.0.0.1:8000")


def test_a_reply_that_is_not_json_is_an_error(add_0_r: tuple[ProofState, Theorem]) -> None:
    class Garbage(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"<html>hi!")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        with (OpenAIPolicy("tiny", endpoint=url) as policy,
              pytest.raises(ModelEndpointError, match="not JSON")):
            policy.suggest(*add_0_r, k=2)
    finally:
        server.shutdown()
        server.server_close()


# -- the command -------------------------------------------------------------------------------

def test_prover_serve_answers_until_interrupted(tiny_model_dir: Path) -> None:
    # Started with SIGINT ignored, as a non-interactive shell starts a background job (and as
    # CI once handed it down: the server outlived Ctrl-C): `prover serve` must still stop on it.
    # SIGUSR1 makes the server print every thread's stack, should it ever hang again.
    program = ("import faulthandler, signal, typer; faulthandler.register(signal.SIGUSR1); "
               "from prover.cli.serve import serve; typer.run(serve)")
    command = [sys.executable, "-u", "-c", program, str(tiny_model_dir), "--port", "0", "--name", "tiny-cli",
               "--device", "cpu"]
    ignoring_sigint = ["sh", "-c", "trap '' INT; exec \"$@\"", "sh", *command]
    process = subprocess.Popen(ignoring_sigint, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "COLUMNS": "200"})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving tiny-cli at http://127.0.0.1:"), line + (process.stderr.read()
                                                                                 if process.stderr else "")
        url = line.split(" at ")[1].strip()
        assert httpx.get(f"{url}/models", timeout=10).json()["data"][0]["id"] == "tiny-cli"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=60)  # drains both pipes while it shuts down
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)
            time.sleep(1)
            process.kill()
            _, stderr = process.communicate()
            pytest.fail(f"prover serve still ran 60 s after Ctrl-C; its threads:\n{stderr[-6000:]}")
    assert process.returncode == 0, stderr[-3000:]


def test_prover_serve_refuses_a_directory_without_a_model(tmp_path: Path) -> None:
    from prover.cli.serve import serve

    app = typer.Typer()
    app.command()(serve)
    result = CliRunner().invoke(app, [str(tmp_path)])
    assert result.exit_code == 2
    assert "no config.json" in result.output
