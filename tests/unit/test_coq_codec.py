"""The coqidetop codec against real recorded replies: pure, no process.

Two sources: the project's own small recordings in ``tests/fixtures/coq`` (always there), and
the long transcripts in ``../shared/fixtures/coqidetop-8.16`` (skipped when absent).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from prover.envs.coq.check import parse_assumptions
from prover.envs.coq.codec import (
    Codec,
    Fail,
    FrameDecoder,
    Goals,
    Good,
    RawGoal,
    codec_for_version,
    text_of,
)
from prover.errors import ProtocolError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "coq"
codec = Codec()


# -- helpers ----------------------------------------------------------------------------------
def frames_of(raw: bytes) -> list[ET.Element]:
    return FrameDecoder().feed(raw)


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.xml").read_bytes()


def value_of(raw: bytes) -> Good | Fail:
    frames = frames_of(raw)
    assert frames and frames[-1].tag == "value"
    assert all(f.tag == "feedback" for f in frames[:-1])
    return codec.value(frames[-1])


def good_of(raw: bytes) -> Good:
    value = value_of(raw)
    assert isinstance(value, Good), value
    return value


def fail_of(raw: bytes) -> Fail:
    value = value_of(raw)
    assert isinstance(value, Fail), value
    return value


def goals_of(raw: bytes) -> Goals:
    goals = codec.goals_of(good_of(raw))
    assert goals is not None
    return goals


def messages_of(raw: bytes) -> list:
    return [m for f in frames_of(raw) if (m := codec.message_of(f)) is not None]


def canon(frames: list[ET.Element]) -> list[list[tuple]]:
    """A comparable form of decoded frames: every element's tag, attributes, text and tail."""
    return [[(e.tag, e.attrib, e.text, e.tail) for e in frame.iter()] for frame in frames]


@dataclass
class Exchange:
    block: str
    request: bytes | None
    reply: bytes | None


def parse_transcript(text: str) -> list[Exchange]:
    """``### name`` blocks of ``>>> request`` and ``<<< reply`` lines; a reply may span lines."""
    exchanges: list[Exchange] = []
    block = ""
    reply_lines: list[str] | None = None

    def close_reply() -> None:
        nonlocal reply_lines
        if reply_lines is not None:
            exchanges[-1].reply = "\n".join(reply_lines).rstrip("\n").encode()
        reply_lines = None

    for line in text.splitlines():
        if line.startswith("### "):
            close_reply()
            block = line[4:].strip()
        elif line.startswith(">>> "):
            close_reply()
            exchanges.append(Exchange(block, line[4:].encode(), None))
        elif line.startswith("<<< "):
            close_reply()
            if not exchanges or exchanges[-1].block != block or exchanges[-1].reply is not None:
                exchanges.append(Exchange(block, None, None))
            reply_lines = [line[4:]]
        elif reply_lines is not None:
            reply_lines.append(line)
    close_reply()
    return exchanges


def encode_like(request: bytes) -> bytes | None:
    """What our encoder produces for the call recorded in `request` (None: a call we never send)."""
    call = ET.fromstring(request)
    kind = call.get("val")
    if kind == "About":
        return codec.about()
    if kind == "Init":
        return codec.init()
    if kind == "Status":
        return codec.status()
    if kind == "Goal":
        return codec.goal()
    if kind == "Quit":
        return codec.quit()
    if kind == "Edit_at":
        return codec.edit_at(int(call.find("state_id").get("val")))
    if kind == "Add":
        text = call.find(".//string").text or ""
        state = int(call.find(".//state_id").get("val"))
        return codec.add(text, state)
    if kind == "Query":
        route = int(call.find(".//route_id").get("val"))
        text = call.find(".//string").text or ""
        state = int(call.find(".//state_id").get("val"))
        return codec.query(text, state, route)
    return None


def check_reply_decodes(kind: str | None, raw: bytes) -> None:
    """Every frame decodes; a good value decodes with the decoder for the call that produced it."""
    frames = frames_of(raw)
    assert frames, raw[:200]
    assert frames[-1].tag == "value"
    for frame in frames[:-1]:
        assert frame.tag == "feedback"
        message = codec.message_of(frame)
        if message is not None:
            assert message.level in ("error", "warning", "notice", "info", "debug")
            assert "&nbsp;" not in message.text and "\xa0" not in message.text
    value = codec.value(frames[-1])
    if isinstance(value, Fail):
        assert value.message
        assert "\xa0" not in value.message
        return
    if kind == "Add":
        assert codec.added_state(value) > 0
    elif kind == "Status":
        codec.status_of(value)
    elif kind in ("Goal", "Subgoals"):
        goals = codec.goals_of(value)
        if goals is not None:
            for goal in goals.foreground + goals.background + goals.shelved + goals.given_up:
                assert goal.conclusion
                assert "\xa0" not in goal.conclusion
    elif kind == "About":
        assert codec.version_of(value)


def kind_of(request: bytes | None) -> str | None:
    return ET.fromstring(request).get("val") if request else None


# -- the shared transcripts -------------------------------------------------------------------
@pytest.fixture
def transcripts(shared_fixtures: Path) -> dict[str, list[Exchange]]:
    folder = shared_fixtures / "coqidetop-8.16"
    names = ("xml_transcript_8.16.1.txt", "xml_transcript2_8.16.1.txt")
    return {name: parse_transcript((folder / name).read_text(encoding="utf-8")) for name in names}


_TIMING = re.compile(r"\s*\((?:[\d.]+ ms[^)]*)\)$|\s*answer in [\d.]+ ms.*$")


def block_name(block: str) -> str:
    """A block's name without its timing (``Init  (0.1 ms)`` -> ``Init``), stable across recordings."""
    return _TIMING.sub("", block).strip()


def only(exchanges: list[Exchange], block: str) -> Exchange:
    found = [e for e in exchanges if block_name(e.block) == block]
    assert len(found) == 1, (block, sorted({block_name(e.block) for e in exchanges}))
    return found[0]


def following(exchanges: list[Exchange], block: str) -> Exchange:
    """The exchange right after the one named `block`."""
    index = exchanges.index(only(exchanges, block))
    return exchanges[index + 1]


def test_transcripts_parse_into_many_exchanges(transcripts: dict[str, list[Exchange]]) -> None:
    first, second = transcripts.values()
    assert len(first) > 200
    assert len(second) > 15
    assert all(e.request is not None or e.reply is not None for e in first + second)
    assert sum(e.reply is not None for e in first) > 200


def test_recorded_requests_are_byte_identical_to_ours(transcripts: dict[str, list[Exchange]]) -> None:
    kinds: set[str] = set()
    compared = 0
    for exchanges in transcripts.values():
        for exchange in exchanges:
            if exchange.request is None:
                continue
            ours = encode_like(exchange.request)
            if ours is None:
                assert kind_of(exchange.request) == "Subgoals"  # the only call we do not send
                continue
            assert ours == exchange.request, exchange.block
            kinds.add(kind_of(exchange.request) or "")
            compared += 1
    assert kinds >= {"Add", "Status", "Goal", "Edit_at", "Query", "Init", "About"}
    assert compared > 200


def test_every_recorded_reply_decodes(transcripts: dict[str, list[Exchange]]) -> None:
    decoded = 0
    for exchanges in transcripts.values():
        for exchange in exchanges:
            if exchange.reply is not None:
                check_reply_decodes(kind_of(exchange.request), exchange.reply)
                decoded += 1
    assert decoded > 200


def test_transcript_about_init_and_add(transcripts: dict[str, list[Exchange]]) -> None:
    ex = transcripts["xml_transcript_8.16.1.txt"]
    assert codec.version_of(good_of(only(ex, "About").reply)) == "8.16.1"
    init = good_of(only(ex, "Init").reply)
    assert init.payload is not None and init.payload.get("val") == "1"
    require = only(ex, "Add 'Require Import Arith.'").reply
    assert codec.added_state(good_of(require)) == 2
    assert len(frames_of(require)) > 20  # file dependency feedback before the value


def test_transcript_status_proof_name(transcripts: dict[str, list[Exchange]]) -> None:
    ex = transcripts["xml_transcript_8.16.1.txt"]
    reply = only(ex, "Status after \"Lemma add_comm' : forall n m : nat, n + m = m + n.\"").reply
    status = codec.status_of(good_of(reply))
    assert status.path == ("Top",)
    assert status.proof_name == "add_comm'"
    assert status.all_proofs == ("add_comm'",)
    after_qed = codec.status_of(good_of(only(ex, "Status after Qed").reply))
    assert after_qed.proof_name is None and after_qed.all_proofs == ()


def test_transcript_goals(transcripts: dict[str, list[Exchange]]) -> None:
    ex = transcripts["xml_transcript_8.16.1.txt"]
    root = goals_of(only(ex, "Goal (no args)").reply)
    assert root.foreground == (RawGoal((), "forall n m : nat, n + m = m + n"),)
    assert root.background == root.shelved == root.given_up == ()
    subgoals = goals_of(only(ex, "Subgoals full").reply)
    assert subgoals.foreground == (RawGoal(("n, m : nat",), "n + m = m + n"),)
    done = goals_of(only(ex, "Goal after last tactic (no goals left)").reply)
    assert done.empty
    assert codec.goals_of(good_of(only(ex, "Goal after Qed").reply)) is None


def test_transcript_given_up_after_admit(transcripts: dict[str, list[Exchange]]) -> None:
    ex = transcripts["xml_transcript_8.16.1.txt"]
    goals = goals_of(only(ex, "Goal after admit (given_up)").reply)
    assert goals.foreground == goals.background == goals.shelved == ()
    assert goals.given_up == (RawGoal((), "1 = 2"),)
    assert not goals.empty


def test_transcript_tactic_error(transcripts: dict[str, list[Exchange]]) -> None:
    ex = transcripts["xml_transcript_8.16.1.txt"]
    reply = only(ex, "Status after 'reflexivity.'").reply
    fail = fail_of(reply)
    expected = 'In environment\nn, m : nat\nUnable to unify "m + n" with "n + m".'
    assert fail == Fail(state_id=4, message=expected, location=(0, 11))
    (error,) = [m for m in messages_of(reply) if m.level == "error"]
    assert error.text == expected
    assert error.location == (0, 11)
    assert error.state_id == 5
    syntax = fail_of(only(ex, "Add syntax error").reply)
    assert syntax.state_id == 0
    assert syntax.location == (10, 11)
    assert syntax.message.startswith("Syntax error: [ltac_use_default] expected after [tactic]")
    not_tip = fail_of(only(ex, "Add spin. (on b1)").reply)
    assert not_tip.message == (
        "Stm.add called for a different state (11) than the tip: 12.\nThis is not supported yet, sorry."
    )


def test_transcript_print_assumptions(transcripts: dict[str, list[Exchange]]) -> None:
    ex = transcripts["xml_transcript_8.16.1.txt"]
    closed = messages_of(only(ex, "Query Print Assumptions").reply)
    on_route = [m for m in closed if m.route == 7]
    assert on_route[-1].text == "Closed under the global context"
    assert on_route[-1].level == "notice"
    assert all(m.text.startswith("Fetching opaque proofs from disk for Coq.") for m in on_route[:-1])
    cheat = [m for m in messages_of(only(ex, "Query Print Assumptions cheat").reply) if m.route == 8]
    assert [m.text for m in cheat] == ["Axioms:\ncheat : 1 = 2"]
    assert parse_assumptions(cheat[0].text) == ({"Axioms": ["cheat"]}, False)


def test_transcript_interrupt_and_timeout(transcripts: dict[str, list[Exchange]]) -> None:
    first = transcripts["xml_transcript_8.16.1.txt"]
    late = fail_of(only(first, "Status after interrupt").reply)
    assert late == Fail(state_id=0, message="User interrupt.", location=None)
    second = transcripts["xml_transcript2_8.16.1.txt"]
    timeout = fail_of(only(second, "Status (Timeout 1 spin)").reply)
    assert timeout == Fail(state_id=3, message="Timeout!", location=(0, 15))
    interrupt = fail_of(only(second, "after SIGINT:").reply)
    assert interrupt == Fail(state_id=3, message="User interrupt.", location=(0, 5))
    defined = messages_of(following(second, "Add Ltac").reply)
    assert [(m.level, m.text) for m in defined] == [("info", "spin is defined")]


def test_transcript_xml_special_characters_in_requests(transcripts: dict[str, list[Exchange]]) -> None:
    lemma = only(transcripts["xml_transcript2_8.16.1.txt"], "Add Lemma t")
    assert b"-&gt;" in lemma.request
    assert codec.add("Lemma t : forall A B : Prop, A /\\ B -> B /\\ A.", 7) == lemma.request


# -- requests, pinned (these run without ../shared) ---------------------------------------------
def test_requests_pinned_to_recorded_bytes() -> None:
    assert codec.about() == b'<call val="About"><unit/></call>'
    assert codec.init() == b'<call val="Init"><option val="none"/></call>'
    assert codec.status() == b'<call val="Status"><bool val="false"/></call>'
    assert codec.goal() == b'<call val="Goal"><unit/></call>'
    assert codec.edit_at(4) == b'<call val="Edit_at"><state_id val="4"/></call>'
    assert codec.quit() == b'<call val="Quit"><unit/></call>'
    assert codec.add("Lemma t : forall A B : Prop, A /\\ B -> B /\\ A.", 7) == (
        b'<call val="Add"><pair><pair><pair><pair><string>Lemma t : forall A B : Prop, A /\\ B -&gt; B /\\ A.'
        b'</string><int>-1</int></pair><pair><state_id val="7"/><bool val="true"/></pair></pair><int>0</int>'
        b"</pair><pair><int>0</int><int>0</int></pair></pair></call>"
    )
    assert codec.query("Print Assumptions add_comm'.", 7, 7) == (
        b'<call val="Query"><pair><route_id val="7"/><pair><string>Print Assumptions add_comm\'.</string>'
        b'<state_id val="7"/></pair></pair></call>'
    )


@pytest.mark.parametrize("text", ["x < y && z > 0", "a &lt; b", "∀ α, α ≤ α", "idtac \"<&>\"", "]]>"])
def test_add_escapes_text_so_the_string_round_trips(text: str) -> None:
    request = codec.add(text, 3)
    call = ET.fromstring(request)
    assert call.find(".//string").text == text
    assert call.find(".//state_id").get("val") == "3"
    query = ET.fromstring(codec.query(text, 5, 9))
    assert query.find(".//string").text == text


def test_codec_for_version() -> None:
    assert type(codec_for_version("8.16.1")) is Codec
    assert isinstance(codec_for_version("8.99.0"), Codec)


# -- the project's own recordings ---------------------------------------------------------------
def test_own_fixtures_all_decode() -> None:
    files = sorted(FIXTURES.glob("*.xml"))
    assert len(files) >= 15
    for path in files:
        name = path.stem
        kind = ("Goal" if name.startswith("goal_") else "Status" if name.startswith("status_") else
                "Add" if name.startswith("add_") else "Query" if name.startswith("query_") else
                "About" if name == "about" else None)
        check_reply_decodes(kind, path.read_bytes())


def test_about_and_init() -> None:
    assert codec.version_of(good_of(fixture("about"))) == "8.16.1"
    init = good_of(fixture("init"))
    assert init.payload is not None and init.payload.tag == "state_id" and init.payload.get("val") == "1"
    edit = good_of(fixture("edit_at"))
    assert edit.payload is not None and edit.payload.tag == "union"


def test_no_proof_open() -> None:
    assert codec.goals_of(good_of(fixture("goal_no_proof"))) is None


def test_status_proof_name_with_quote() -> None:
    status = codec.status_of(good_of(fixture("status_proof")))
    assert status == type(status)(path=("Top",), proof_name="hyps'", all_proofs=("hyps'",))


def test_goal_with_several_hypotheses() -> None:
    goals = goals_of(fixture("goal_hypotheses"))
    assert goals.foreground == (
        RawGoal(("n, m, k : nat", "f : nat -> nat", "H : n <= m", "H0 : f n = k"), "k = f n"),
    )
    assert goals.background == goals.shelved == goals.given_up == ()


def test_goal_with_unicode_and_xml_special_characters() -> None:
    (goal,) = goals_of(fixture("goal_unicode")).foreground
    assert goal.hypotheses == ("b : bool", "α : nat", "Hlt : α < 3", "Hne : α ≠ 7")
    assert goal.conclusion == "(b && true)%bool = b ∧ α ≤ 2 ∨ α > 1"


def test_add_replies() -> None:
    assert codec.added_state(good_of(fixture("add_good"))) == 4
    syntax = fail_of(fixture("add_syntax_error"))
    assert syntax.state_id == 0 and syntax.location == (10, 11)
    assert syntax.message.startswith("Syntax error:")


def test_tactic_error_message_and_location() -> None:
    raw = fixture("status_tactic_error")
    fail = fail_of(raw)
    assert fail.state_id == 3
    assert fail.location == (6, 7)
    assert fail.message.splitlines() == [
        "In environment",
        "n, m, k : nat",
        "f : nat -> nat",
        "H : n <= m",
        "H0 : f n = k",
        'The term "H" has type "n <= m" while it is expected to have type "k = f n".',
    ]
    (error,) = [m for m in messages_of(raw) if m.level == "error"]
    assert error.text == fail.message and error.location == (6, 7) and error.state_id == 4


def test_four_goal_lists_foreground() -> None:
    goals = goals_of(fixture("goal_four"))
    assert [g.conclusion for g in goals.foreground] == ["True", "False -> False", "0 = 0 /\\ 1 = 1", "2 = 2"]
    assert goals.background == ()


def test_background_goals_of_a_selector_brace() -> None:
    goals = goals_of(fixture("goal_background_brace"))
    assert [g.conclusion for g in goals.foreground] == ["0 = 0 /\\ 1 = 1"]
    # Coq sends the left list of each focus level nearest-first; all three are out of focus.
    assert sorted(g.conclusion for g in goals.background) == ["2 = 2", "False -> False", "True"]
    assert goals.shelved == goals.given_up == ()
    assert not goals.empty


def test_background_goals_of_a_bullet_inside_a_brace() -> None:
    goals = goals_of(fixture("goal_background_bullet"))
    assert [g.conclusion for g in goals.foreground] == ["0 = 0"]
    assert sorted(g.conclusion for g in goals.background) == ["1 = 1", "2 = 2", "False -> False", "True"]


def test_shelved_and_given_up_goals() -> None:
    shelved = goals_of(fixture("goal_shelved"))
    assert [g.conclusion for g in shelved.foreground] == ["1 = 1"]
    assert shelved.shelved == (RawGoal((), "True"),)
    assert shelved.given_up == () and shelved.background == ()
    given_up = goals_of(fixture("goal_given_up"))
    assert given_up.foreground == () and given_up.background == ()
    assert given_up.shelved == (RawGoal((), "True"),)
    assert given_up.given_up == (RawGoal((), "1 = 1"),)
    assert not given_up.empty
    assert goals_of(fixture("goal_finished")).empty


def test_query_replies() -> None:
    messages = [m for m in messages_of(fixture("query_print_assumptions")) if m.route == 5]
    assert [(m.level, m.text) for m in messages] == [("notice", "Axioms:\nax : False")]
    assert parse_assumptions(messages[0].text) == ({"Axioms": ["ax"]}, False)
    error = fail_of(fixture("query_error"))
    assert error.message == "The reference nonexistent_name was not found in the current environment."
    assert error.location == (6, 22)


def test_timeout_and_interrupt_fails() -> None:
    timeout = fail_of(fixture("status_timeout"))
    assert timeout.message == "Timeout!" and timeout.location == (0, 15)
    interrupt = fail_of(fixture("status_interrupt"))
    assert interrupt.message == "User interrupt." and interrupt.location == (0, 5)
    assert timeout.state_id == interrupt.state_id  # both fall back to the state before the sentence


def test_text_of_strips_markup_and_nbsp() -> None:
    elem = ET.fromstring("<pp>a<b>\xa0+</b>\xa0<c>b</c></pp>")
    assert text_of(elem) == "a + b"
    assert text_of(None) == ""


# -- FrameDecoder ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["status_interrupt", "goal_unicode", "goal_background_bullet"])
def test_decoder_split_at_every_byte(name: str) -> None:
    raw = fixture(name)
    whole = canon(frames_of(raw))
    assert b"&nbsp;" in raw
    nbsp = raw.index(b"&nbsp;")
    splits = range(len(raw) + 1)
    assert nbsp + 3 in splits  # among them, splits inside "&nbsp;"
    for cut in splits:
        decoder = FrameDecoder()
        frames = decoder.feed(raw[:cut]) + decoder.feed(raw[cut:])
        assert canon(frames) == whole, cut


def test_decoder_split_inside_nbsp_and_a_utf8_character() -> None:
    raw = fixture("goal_unicode")
    whole = canon(frames_of(raw))
    for marker in (b"&nbsp;", "α".encode(), "≤".encode()):
        at = raw.index(marker)
        for offset in range(1, len(marker)):
            decoder = FrameDecoder()
            first = decoder.feed(raw[: at + offset])
            assert canon(first + decoder.feed(raw[at + offset :])) == whole
    (goal,) = goals_of(raw).foreground
    assert "α" in goal.conclusion


def test_decoder_one_byte_at_a_time() -> None:
    raw = fixture("goal_background_brace")
    decoder = FrameDecoder()
    frames = [f for i in range(len(raw)) for f in decoder.feed(raw[i : i + 1])]
    assert canon(frames) == canon(frames_of(raw))


def test_decoder_several_frames_and_replies_in_one_chunk() -> None:
    names = ["status_proof", "goal_hypotheses", "status_tactic_error", "query_print_assumptions"]
    raws = [fixture(n) for n in names]
    expected = [c for raw in raws for c in canon(frames_of(raw))]
    assert len(expected) > len(names)
    frames = FrameDecoder().feed(b"".join(raws))
    assert canon(frames) == expected
    # A chunk that ends in the middle of the next frame yields only the complete ones.
    joined = b"".join(raws)
    cut = len(raws[0]) + 10
    decoder = FrameDecoder()
    head = decoder.feed(joined[:cut])
    assert canon(head) == canon(frames_of(raws[0]))
    assert canon(head + decoder.feed(joined[cut:])) == expected


def test_decoder_keeps_working_over_many_replies() -> None:
    decoder = FrameDecoder()
    raw = fixture("goal_hypotheses")
    for _ in range(200):
        frames = decoder.feed(raw)
        assert codec.goals_of(codec.value(frames[-1])) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "garbage",
    [
        b"<value val='good'></valeu>",
        b"<value val=good/>",
        b"\x00\x01\x02",
        b"<value>&undeclared;</value>",
        b"</coq><value/>",
        b"<<<<",
    ],
)
def test_decoder_garbage_raises_protocol_error(garbage: bytes) -> None:
    with pytest.raises(ProtocolError):
        FrameDecoder().feed(garbage)


def test_decoder_garbage_after_a_good_frame_raises() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(fixture("add_good"))
    with pytest.raises(ProtocolError):
        decoder.feed(b"<feedback></value>")


# -- malformed values -------------------------------------------------------------------------
def test_value_of_a_non_value_element_raises() -> None:
    feedback = frames_of(fixture("edit_at"))[0]
    with pytest.raises(ProtocolError):
        codec.value(feedback)


def test_decoders_refuse_the_wrong_payload() -> None:
    unit = Good(ET.fromstring("<unit/>"))
    for decode in (codec.added_state, codec.status_of, codec.goals_of, codec.version_of):
        with pytest.raises(ProtocolError):
            decode(unit)
        with pytest.raises(ProtocolError):
            decode(Good(None))


def test_message_of_ignores_progress_feedback() -> None:
    frames = frames_of(fixture("status_proof"))
    assert [codec.message_of(f) for f in frames[:-1]] == [None, None, None]
    assert codec.message_of(frames[-1]) is None


@pytest.mark.parametrize(
    ("decode", "xml"),
    [
        pytest.param("status_of", "<status><list/></status>", id="status-short"),
        pytest.param("goals_of", '<option val="some"><goals><list/><list/></goals></option>', id="two-lists"),
        pytest.param("goals_of", '<option val="some"/>', id="no-goals"),
        pytest.param("goals_of", '<option val="some"><goals><list><goal><string>1</string></goal></list>'
                     "<list/><list/><list/></goals></option>", id="goal-without-hypotheses"),
        pytest.param("added_state", '<pair><state_id val="x"/></pair>', id="state-id-not-int"),
    ],
)
def test_truncated_payloads_raise_protocol_error(decode: str, xml: str) -> None:
    """A reply of an unexpected shape is a ProtocolError, never an IndexError or ValueError."""
    with pytest.raises(ProtocolError):
        getattr(codec, decode)(Good(ET.fromstring(xml)))


def test_fail_with_a_bad_state_id_raises_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        codec.value(ET.fromstring('<value val="fail" loc_s="a" loc_e="b"><state_id val="3"/></value>'))
