"""Pure codec for the JSON protocol of ``fstar.exe --ide``: requests to bytes, lines to typed frames.

No processes, clocks or logging here (the driver owns the process). The protocol is JSON Lines
both ways. A request is ``{"query-id": ID, "query": NAME, "args": {...}}``; F* answers with zero
or more ``message`` frames (progress, info, proof states of tactics) tagged with that query id,
then one ``response`` frame carrying ``status`` (``success``, ``failure`` or
``protocol-violation``) and, for ``push``/``peek``, a list of issues (level, message, number,
ranges). The first frame F* writes is ``protocol-info`` (version and features).

Facts from the recorded replies (F*'s own IDE tests): ``status`` is ``success`` for a ``peek``
that reports a syntax error, so a caller must look at the issues as well as the status; ``pop``
answers with ``"response": null``; proof-state messages arrive before the response of the
query they belong to. F* may also write non-JSON lines (``--debug`` output) to stdout:
`decode_line` returns None for those.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from prover.envs.base import Goal
from prover.errors import ProtocolError

WARN_ON_USE = 335
"""F*'s ``Warning_WarnOnUse``: under ``--report_assumes warn`` every use of ``admit``, ``assume``,
``magic`` and every unsafe option is reported with this number."""


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file: 1-based line, 0-based column (F*'s convention)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Range:
    fname: str
    """``<input>`` for pushed code, else a library file name."""
    begin: Position
    end: Position


@dataclass(frozen=True, slots=True)
class Issue:
    """An error, warning or info F* reports for a query."""

    level: str
    """``error``, ``warning``, ``info`` or ``not-implemented``."""
    message: str
    number: int | None
    """F*'s error code (19: SMT failure, 228: tactic failed, 335: an assumption was used); None if absent."""
    ranges: tuple[Range, ...] = ()


@dataclass(frozen=True, slots=True)
class ProtocolInfo:
    """The banner F* writes at startup."""

    version: int | None
    features: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Response:
    """The answer that ends a query."""

    query_id: str
    status: str
    """``success``, ``failure`` or ``protocol-violation``."""
    issues: tuple[Issue, ...]
    """The issues of a ``push``/``peek``; empty for answers that carry none (``pop``)."""
    text: str | None = None
    """A plain-text answer (F* explains a protocol violation this way), else None."""


@dataclass(frozen=True, slots=True)
class ProofDump:
    """A tactic proof state F* printed (``dump``, or at the time of a tactic's failure)."""

    label: str
    goals: tuple[Goal, ...]
    smt_goals: tuple[Goal, ...]


@dataclass(frozen=True, slots=True)
class Message:
    """A message F* sends while a query runs."""

    query_id: str | None
    level: str
    """``progress``, ``info``, ``warning``, ``error`` or ``proof-state``."""
    text: str
    """The contents as text (JSON text when F* sent a structure)."""
    proof_state: ProofDump | None = None
    """Set for ``proof-state`` messages."""


Frame = ProtocolInfo | Response | Message


# -- requests -------------------------------------------------------------------------------

def encode_request(query_id: str, query: str, args: dict[str, Any]) -> bytes:
    """One request line (UTF-8, newline-terminated)."""
    payload = {"query-id": query_id, "query": query, "args": args}
    return (json.dumps(payload, ensure_ascii=False) + "\n").encode()


def encode_push(query_id: str, code: str, line: int = 1, column: int = 0, kind: str = "full") -> bytes:
    """``push`` `code` as the next fragment, at `line`/`column` of the virtual file.

    `kind` is ``full`` (verify), ``lax`` (type-check without SMT) or ``syntax``.
    """
    if kind not in ("full", "lax", "syntax"):
        raise ValueError(f"push kind must be full, lax or syntax, not {kind!r}")
    return encode_request(query_id, "push", {"kind": kind, "code": code, "line": line, "column": column})


def encode_pop(query_id: str) -> bytes:
    """``pop``: undo the last successful ``push``."""
    return encode_request(query_id, "pop", {})


def encode_exit(query_id: str) -> bytes:
    return encode_request(query_id, "exit", {})


# -- replies --------------------------------------------------------------------------------

def decode_line(line: bytes | str) -> Frame | None:
    """The frame on one line of F*'s stdout; None for a blank or non-JSON line (debug output)."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"undecodable line from fstar.exe: {exc}: {text[:200]!r}") from exc
    if not isinstance(data, dict):
        raise ProtocolError(f"fstar.exe sent JSON that is not an object: {text[:200]!r}")
    return decode_frame(data)


def decode_frame(data: dict[str, Any]) -> Frame:
    kind = data.get("kind")
    if kind == "protocol-info":
        version = data.get("version")
        return ProtocolInfo(version if isinstance(version, int) else None,
                            tuple(str(f) for f in data.get("features") or ()))
    if kind == "response":
        return _response(data)
    if kind == "message":
        return _message(data)
    raise ProtocolError(f"fstar.exe sent a frame of unknown kind {kind!r}: {json.dumps(data)[:200]}")


def _query_id(data: dict[str, Any]) -> str | None:
    qid = data.get("query-id")
    return None if qid is None else str(qid)


def _response(data: dict[str, Any]) -> Response:
    qid = _query_id(data)
    status = data.get("status")
    if qid is None or not isinstance(status, str):
        raise ProtocolError(f"a response without query-id or status: {json.dumps(data)[:200]}")
    payload = data.get("response")
    if isinstance(payload, list) and all(isinstance(item, dict) and "message" in item for item in payload):
        return Response(qid, status, tuple(map(_issue, payload)))
    text = payload if isinstance(payload, str) else None
    return Response(qid, status, (), text)


def _position(value: Any) -> Position:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return Position(value[0], value[1])
    raise ProtocolError(f"a position that is not [line, column]: {value!r}")


def _range(data: dict[str, Any]) -> Range:
    return Range(str(data.get("fname", "")), _position(data.get("beg")), _position(data.get("end")))


def _issue(data: dict[str, Any]) -> Issue:
    number = data.get("number")
    return Issue(
        level=str(data.get("level", "")),
        message=str(data.get("message", "")),
        number=number if isinstance(number, int) else None,
        ranges=tuple(_range(r) for r in data.get("ranges") or ()),
    )


def _goal(data: dict[str, Any]) -> Goal:
    hyps = tuple(f"{h.get('name', '')} : {h.get('type', '')}" for h in data.get("hyps") or ())
    goal = data.get("goal") or {}
    return Goal(hyps, str(goal.get("type", "")))


def _message(data: dict[str, Any]) -> Message:
    level = str(data.get("level", ""))
    contents = data.get("contents")
    text = contents if isinstance(contents, str) else json.dumps(contents, ensure_ascii=False)
    dump = None
    if level == "proof-state" and isinstance(contents, dict):
        dump = ProofDump(
            label=str(contents.get("label", "")),
            goals=tuple(map(_goal, contents.get("goals") or ())),
            smt_goals=tuple(map(_goal, contents.get("smt-goals") or ())),
        )
    return Message(_query_id(data), level, text, dump)
