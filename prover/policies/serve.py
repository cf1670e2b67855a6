"""An OpenAI-compatible HTTP server for a local Hugging Face causal LM.

What `prover serve MODEL_DIR` runs, and what the `openai` policy's tests talk to on
loopback: a stdlib ``ThreadingHTTPServer`` in front of one `CausalLM`, which serialises
generation. It binds 127.0.0.1 unless told otherwise. Endpoints:

- ``GET /v1/models``: the one model served;
- ``POST /v1/completions``: ``prompt`` (a string or a list of strings), ``n``, ``max_tokens``,
  ``temperature`` (0: greedy), ``stop``, ``logprobs`` (any integer >= 0 returns the sampled
  tokens' log-probabilities; alternatives, ``top_logprobs``, are not computed), ``seed``;
  ``max_tokens`` defaults to 256 or what the context leaves; ``stream`` is refused;
  ``usage`` counts each prompt once and every choice's tokens;
- ``POST /v1/chat/completions``: ``messages`` through the tokenizer's chat template,
  ``logprobs: true`` for per-token log-probabilities;
- ``GET /health``.

Log-probabilities are the model's own (temperature 1), as `CausalLM` reports them; a choice's
tokens run up to the one that completes its stop string or the end-of-text token, and
``text_offset`` counts from the start of the choice's text. Bad requests get a 4xx with an
OpenAI-style ``{"error": {"message": ...}}`` naming what to change; bodies over 1 MiB are
refused before they are read.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from prover.errors import ConfigError
from prover.policies.hf import MAX_ROWS, CausalLM, Completion

MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (a prompt of about 250k tokens is far past any context)."""


class BadRequest(Exception):
    """A request the server refuses; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _field(body: dict[str, Any], key: str, kinds: tuple[type, ...], default: Any) -> Any:
    """`body[key]` when it has one of `kinds` (JSON true is no int here), `default` when absent."""
    value = body.get(key)
    if value is None:
        return default
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise BadRequest(f"`{key}` must be {names}, got {json.dumps(value)[:80]}")
    return value


@dataclass(frozen=True, slots=True)
class Sampling:
    """The sampling fields shared by both completion endpoints, validated."""

    n: int
    max_tokens: int | None
    temperature: float
    stop: tuple[str, ...]
    seed: int | None

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Sampling:
        n = _field(body, "n", (int,), 1)
        max_tokens = _field(body, "max_tokens", (int,), None)
        max_tokens = _field(body, "max_completion_tokens", (int,), max_tokens)
        temperature = float(_field(body, "temperature", (int, float), 1.0))
        stop = _field(body, "stop", (str, list), [])
        stop = [stop] if isinstance(stop, str) else stop
        if n < 1:
            raise BadRequest(f"`n` must be at least 1, got {n}")
        if max_tokens is not None and max_tokens < 1:
            raise BadRequest(f"`max_tokens` must be at least 1, got {max_tokens}")
        if not 0 <= temperature <= 10:
            raise BadRequest(f"`temperature` must be between 0 and 10, got {temperature}")
        if len(stop) > 8 or not all(isinstance(s, str) and s for s in stop):
            raise BadRequest("`stop` must be a non-empty string or a list of at most 8 non-empty strings")
        return cls(n, max_tokens, temperature, tuple(stop), _field(body, "seed", (int,), None))


class ModelServer:
    """Serves one `CausalLM` over HTTP; use as a context manager (a background thread) or
    call `serve_forever` (blocking)."""

    def __init__(self, model: str | Path | CausalLM, *, host: str = "127.0.0.1", port: int = 8000,
                 name: str | None = None, device: str | None = None) -> None:
        self.lm = model if isinstance(model, CausalLM) else CausalLM(model, device=device)
        self.name = name or Path(self.lm.path).name
        self.host = host
        self.requested_port = port
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port bound (the real one when 0 was asked for)."""
        return self._http.server_address[1] if self._http is not None else self.requested_port

    @property
    def url(self) -> str:
        """The base URL clients use (``.../v1``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def bind(self) -> None:
        """Load the model and bind the socket (an OSError, e.g. port in use, surfaces here)."""
        if self._http is None:
            self.lm.load()
            self._http = _HTTPServer((self.host, self.requested_port), self)

    def serve_forever(self) -> None:
        self.bind()
        assert self._http is not None
        self._http.serve_forever()

    def __enter__(self) -> Self:
        self.bind()
        self._thread = threading.Thread(target=self.serve_forever, name="model-server", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._http is not None:
            if self._thread is not None:
                self._http.shutdown()
                self._thread.join()
            self._http.server_close()
            self._http = None

    # -- the endpoints ---------------------------------------------------------------------

    def models(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": self.name, "object": "model", "owned_by": "prover",
                                            "max_model_len": self.lm.context_length}]}

    def completions(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_model(body)
        prompt = body.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise BadRequest("`prompt` must be a string or a non-empty list of strings")
        sampling = Sampling.parse(body)
        logprobs = _field(body, "logprobs", (int,), None)
        ids = [self._encode(p) for p in prompts]
        rows = self._generate(ids, sampling)
        choices = [
            {"index": i * sampling.n + j, "text": c.text, "finish_reason": c.finish_reason,
             "logprobs": self._completion_logprobs(c) if logprobs is not None else None}
            for i, row in enumerate(rows) for j, c in enumerate(row)
        ]
        return {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
                "model": self.name, "choices": choices, "usage": _usage(ids, rows)}

    def chat_completions(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_model(body)
        messages = body.get("messages")
        if (not isinstance(messages, list) or not messages
                or not all(isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                           for m in messages)):
            raise BadRequest("`messages` must be a non-empty list of {\"role\": str, \"content\": str}")
        sampling = Sampling.parse(body)
        logprobs = bool(_field(body, "logprobs", (bool,), False))
        tokenizer = self.lm.tokenizer
        if not getattr(tokenizer, "chat_template", None):
            raise BadRequest(f"model {self.name} has no chat template; use /v1/completions")
        text = tokenizer.apply_chat_template([{"role": m["role"], "content": m["content"]} for m in messages],
                                             add_generation_prompt=True, tokenize=False)
        ids = [self._encode(str(text))]
        rows = self._generate(ids, sampling)
        choices = [
            {"index": j, "message": {"role": "assistant", "content": c.text}, "finish_reason": c.finish_reason,
             "logprobs": {"content": [{"token": t, "logprob": lp, "bytes": list(t.encode()), "top_logprobs": []}
                                      for t, lp in zip(self._token_texts(c), c.token_logprobs, strict=True)]}
             if logprobs else None}
            for j, c in enumerate(rows[0])
        ]
        return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": self.name, "choices": choices, "usage": _usage(ids, rows)}

    # -- helpers ---------------------------------------------------------------------------

    def _check_model(self, body: dict[str, Any]) -> None:
        if body.get("stream"):
            raise BadRequest("`stream` is not supported by this server; leave it out or false")
        model = body.get("model")
        if model is not None and model != self.name:
            raise BadRequest(f"model {model!r} is not served here; this server serves {self.name!r}", 404)

    def _encode(self, text: str) -> list[int]:
        ids = self.lm.encode(text)
        if not ids:
            raise BadRequest("the prompt is empty")
        return ids

    def _generate(self, prompts: Sequence[list[int]], sampling: Sampling) -> list[list[Completion]]:
        if len(prompts) * sampling.n > MAX_ROWS:
            raise BadRequest(f"{len(prompts)} prompt(s) x n={sampling.n} is more than {MAX_ROWS} sequences; "
                             "split the request")
        context = self.lm.context_length
        room = context - max(len(p) for p in prompts)
        if room < 1:
            raise BadRequest(f"a prompt of {context - room} tokens leaves no room in the model's context of "
                             f"{context} tokens; shorten it")
        max_tokens = sampling.max_tokens if sampling.max_tokens is not None else min(room, 256)
        if max_tokens > room:
            raise BadRequest(f"max_tokens={max_tokens} plus the prompt ({context - room} tokens) exceeds the "
                             f"model's context of {context} tokens; ask for at most {room}")
        return self.lm.sample(prompts, sampling.n, max_tokens, sampling.temperature, sampling.stop, sampling.seed)

    def _token_texts(self, completion: Completion) -> list[str]:
        return [str(self.lm.tokenizer.decode([t])) for t in completion.token_ids]

    def _completion_logprobs(self, completion: Completion) -> dict[str, Any]:
        texts = self._token_texts(completion)
        offsets = [sum(map(len, texts[:i])) for i in range(len(texts))]
        return {"tokens": texts, "token_logprobs": list(completion.token_logprobs), "text_offset": offsets,
                "top_logprobs": None}


def _usage(prompts: Sequence[list[int]], rows: Sequence[Sequence[Completion]]) -> dict[str, int]:
    prompt_tokens = sum(map(len, prompts))
    completion_tokens = sum(len(c.token_ids) for row in rows for c in row)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: ModelServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # a client that stops sending mid-request frees its thread after this
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a search sends many requests; errors are in the replies."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, self.server.app.models())
        elif self.path.rstrip("/") == "/health":
            self._send(200, {"status": "ok"})
        else:
            self._send_error(BadRequest(f"no endpoint GET {self.path}; see /v1/models", 404))

    def do_POST(self) -> None:
        routes = {"/v1/completions": self.server.app.completions,
                  "/v1/chat/completions": self.server.app.chat_completions}
        route = routes.get(self.path.rstrip("/"))
        try:
            body = self._body()
            if route is None:
                raise BadRequest(f"no endpoint POST {self.path}; use /v1/completions or /v1/chat/completions", 404)
            self._send(200, route(body))
        except BadRequest as exc:
            self._send_error(exc)
        except ConfigError as exc:
            self._send_error(BadRequest(str(exc)))
        except (RuntimeError, ValueError, MemoryError) as exc:  # the model failed (torch out of memory is a
            # RuntimeError): say so and keep serving
            self._send_error(BadRequest(f"{type(exc).__name__}: {exc}", 500))

    def _body(self) -> dict[str, Any]:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            raise BadRequest("a Content-Length header is required", 411)
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            raise BadRequest(f"the body of {int(length)} bytes is over the limit of {MAX_BODY_BYTES}", 413)
        raw = self.rfile.read(int(length))
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"the body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, exc: BadRequest) -> None:
        kind = "invalid_request_error" if exc.status < 500 else "server_error"
        self._send(exc.status, {"error": {"message": str(exc), "type": kind, "code": exc.status}})
