"""The F* IDE codec and judge on real replies of fstar.exe --ide (F*'s own IDE test suite).

`tests/fixtures/fstar/` holds a few recorded exchanges (always run); ``../shared/fixtures/fstar-ide``
holds more (skipped with a reason when absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.envs.fstar.check import judge
from prover.envs.fstar.codec import (
    WARN_ON_USE,
    Issue,
    Message,
    ProtocolInfo,
    Response,
    decode_line,
    encode_pop,
    encode_push,
    encode_request,
)
from prover.errors import ProtocolError

OWN = Path(__file__).resolve().parents[1] / "fixtures" / "fstar"


def _pairs(requests: Path, replies: Path) -> tuple[list[dict], list[object]]:
    sent = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines() if line.strip()]
    got = [decode_line(line) for line in replies.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sent, got


def _responses(frames: list[object]) -> dict[str, Response]:
    return {f.query_id: f for f in frames if isinstance(f, Response)}


def _reencode(request: dict) -> dict:
    args = request["args"]
    if request["query"] == "push":
        data = encode_push(request["query-id"], args["code"], args["line"], args["column"], args["kind"])
    elif request["query"] == "pop":
        data = encode_pop(request["query-id"])
    else:
        data = encode_request(request["query-id"], request["query"], args)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    return json.loads(data)


@pytest.mark.parametrize("stem", ["number", "describe-repl"])
def test_every_recorded_request_reencodes_and_every_reply_decodes(stem: str) -> None:
    sent, got = _pairs(OWN / f"{stem}.in", OWN / f"{stem}.ideout.expected")
    for request in sent:
        assert _reencode(request) == request
    assert isinstance(got[0], ProtocolInfo)
    answered = _responses(got)
    assert set(answered) == {r["query-id"] for r in sent}


def test_failed_push_is_rejected_with_its_error_and_ranges() -> None:
    _, got = _pairs(OWN / "number.in", OWN / "number.ideout.expected")
    answered = _responses(got)
    failed = answered["3"]
    assert failed.status == "failure"
    (issue,) = failed.issues
    assert issue.level == "error" and issue.number == 19
    assert issue.ranges[0].fname == "Number.fst"
    assert (issue.ranges[0].begin.line, issue.ranges[0].begin.column) == (3, 8)
    assert judge(failed).startswith("F* rejected it (error 19): - Subtyping check failed")
    assert judge(answered["7"]) == "accepted"
    assert answered["4"].issues == () and answered["4"].text is None  # pop answers null


def test_protocol_violation_is_not_accepted() -> None:
    _, got = _pairs(OWN / "describe-repl.in", OWN / "describe-repl.ideout.expected")
    (response,) = _responses(got).values()
    assert response.status == "protocol-violation"
    assert response.text is not None and "repl-info" in response.text
    assert judge(response).startswith("F* answered with status 'protocol-violation'")


def test_protocol_info_banner() -> None:
    info = decode_line((OWN / "protocol-info.json").read_text(encoding="utf-8"))
    assert isinstance(info, ProtocolInfo)
    assert info.version == 2 and "push" in info.features and "interrupt" in info.features


def test_warning_335_rejects_even_a_successful_push() -> None:
    line = json.dumps({"kind": "response", "query-id": "9", "status": "success", "response": [
        {"level": "warning", "message": "Every use of admit triggers a warning", "number": WARN_ON_USE,
         "ranges": [{"fname": "<input>", "beg": [3, 2], "end": [3, 9]}]}]})
    response = decode_line(line)
    assert isinstance(response, Response)
    assert judge(response).startswith("the proof uses an assumption (warning 335)")
    other = Response("9", "success", (Issue("warning", "unused binding", 240),))
    assert judge(other) == "accepted"  # a harmless warning does not reject


def test_non_json_lines_are_noise_and_broken_json_is_a_protocol_error() -> None:
    assert decode_line(b"Verified module: X\n") is None
    assert decode_line("   \n") is None
    with pytest.raises(ProtocolError, match="undecodable"):
        decode_line('{"kind": "response", "query-id": ')
    with pytest.raises(ProtocolError, match="unknown kind"):
        decode_line('{"kind": "telemetry"}')
    with pytest.raises(ProtocolError, match="without query-id"):
        decode_line('{"kind": "response", "response": []}')
    with pytest.raises(ValueError, match="push kind"):
        encode_push("1", "let x = 1", kind="verify")


def test_shared_recordings(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "fstar-ide"
    for requests, replies in (("FailRange.in", "FailRange.ideout.expected"),
                              ("Integration.excerpt.in", "Integration.excerpt.out.expected")):
        sent, got = _pairs(folder / requests, folder / replies)
        for request in sent:
            assert _reencode(request) == request
        assert set(_responses(got)) == {r["query-id"] for r in sent}
    sent, got = _pairs(folder / "FailRange.in", folder / "FailRange.ideout.expected")
    answered = _responses(got)
    assert judge(answered["2"]).startswith("F* rejected it (error 228): - Tactic failed")
    assert judge(answered["3"]) == "accepted"  # the lax push of the same code passes
    dumps = [f for f in got if isinstance(f, Message) and f.level == "proof-state"]
    assert len(dumps) == 4
    first = dumps[0].proof_state
    assert first is not None and first.label == "at the time of failure"
    assert [g.conclusion for g in first.goals] == ["squash l_True", "squash l_True"]
    assert dumps[1].proof_state is not None and dumps[1].proof_state.goals[0].hypotheses == ("uu___ : unit",)
    # the proof-state message precedes the response it belongs to
    index = {id(f): i for i, f in enumerate(got)}
    assert index[id(dumps[0])] < index[id(answered["2"])]
    sent, got = _pairs(folder / "Integration.excerpt.in", folder / "Integration.excerpt.out.expected")
    answered = _responses(got)
    assert answered["6"].issues == ()  # pop
    assert answered["91"].status == "success" and judge(answered["91"]).startswith("F* rejected it (error 168)")
    assert judge(answered["101"]).startswith("F* rejected it (error 19)")
    assert judge(answered["108"]) == "accepted"
    assert judge(answered["165"]).startswith("F* rejected it (error 19): assertion failed")
