"""Serve a local Hugging Face causal LM over an OpenAI-compatible HTTP API.

  prover serve MODEL_DIR [--host 127.0.0.1] [--port 8000] [--name NAME] [--device cpu|cuda]

For machines without vLLM: the `openai` policy (and any OpenAI client) can then use
http://HOST:PORT/v1 (/v1/completions with logprobs, /v1/chat/completions, /v1/models).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from prover.cli.common import console, errors, reported_errors
from prover.errors import ConfigError


def serve(
    model_dir: Annotated[Path, typer.Argument(help="A model directory written by `save_pretrained` "
                                                   "(config.json, weights, tokenizer files).")],
    host: Annotated[str, typer.Option(help="Address to bind. The default answers this machine only; "
                                           "another address exposes the model to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to bind (0: any free port).")] = 8000,
    name: Annotated[str | None, typer.Option(help="The model name clients send (default: the directory's "
                                                  "name).")] = None,
    device: Annotated[str | None, typer.Option(help="`cpu`, `cuda`, `cuda:1`... (default: the GPU when "
                                                    "there is one).")] = None,
) -> None:
    """Load the model, print the URL, answer requests until interrupted (Ctrl-C exits 0)."""
    with reported_errors():
        from prover.policies.serve import ModelServer

        if not (model_dir / "config.json").is_file():
            raise ConfigError(f"{model_dir} is not a model directory (no config.json): give a directory "
                              "that `save_pretrained` wrote")
        if not _is_loopback(host):
            errors.print(f"warning: binding {host} lets other machines use the model", highlight=False)
        server = ModelServer(model_dir, host=host, port=port, name=name, device=device)
        try:
            server.bind()
        except OSError as exc:
            raise ConfigError(f"cannot bind {host}:{port}: {exc.strerror or exc}; pick another --port") from exc
        # A parent may hand SIGINT down ignored or blocked (a non-interactive shell does so for
        # background jobs; CI saw the server outlive Ctrl-C): this command promises to stop on it.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, signal.default_int_handler)
        console.print(f"serving {server.name} at {server.url}", highlight=False)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    # Leave without interpreter teardown: torch's and tokenizers' native thread pools can abort
    # (SIGABRT) in their static destructors when the process ends right after a busy moment,
    # which turned a clean Ctrl-C into exit -6 on a loaded machine. Everything is closed above.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
