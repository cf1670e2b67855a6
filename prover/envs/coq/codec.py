"""Pure codec for the coqidetop XML protocol: requests to bytes, bytes to typed replies.

No processes, clocks or logging here (the driver owns the process). Replies are a stream
of top-level ``<feedback>`` elements, each call ending with one ``<value>``; there is no
enclosing root and Coq writes ``&nbsp;`` (undeclared in XML) for spaces in pretty-printed
text, so `FrameDecoder` feeds a synthetic root with a DOCTYPE that declares it.

Version differences live in subclasses of `Codec` picked by `codec_for_version`; only
8.16 is recorded and tested (the shapes below are the 8.16 ones).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from xml.sax.saxutils import escape

from prover.errors import ProtocolError

_CONTROL = bytes([*range(1, 9), 11, 12, *range(14, 32)])
_CONTROL_TO_QUESTION_MARK = bytes.maketrans(_CONTROL, b"?" * len(_CONTROL))
_PRELUDE = b'<!DOCTYPE coq [<!ENTITY nbsp "&#160;">]><coq>'


class FrameDecoder:
    """Incrementally turns reply bytes into complete top-level elements."""

    def __init__(self) -> None:
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._parser.feed(_PRELUDE)
        self._depth = 0
        self._root: ET.Element | None = None

    def feed(self, data: bytes) -> list[ET.Element]:
        """Feed raw bytes; return every top-level element completed by them."""
        try:
            # Coq echoes control characters of sentences (String.v has a BEL in a string)
            # back raw, which XML 1.0 forbids; they are single bytes in UTF-8, so mapping
            # them bytewise is safe. NUL stays: no sentence we send contains it.
            self._parser.feed(data.translate(_CONTROL_TO_QUESTION_MARK))
            frames = []
            for event, elem in self._parser.read_events():
                if event == "start":
                    if self._root is None:
                        self._root = elem
                    else:
                        self._depth += 1
                    continue
                self._depth -= 1
                if self._depth == 0 and elem is not self._root:
                    frames.append(elem)
                    self._root.remove(elem)  # type: ignore[union-attr]  # keep memory flat
            return frames
        except ET.ParseError as exc:
            raise ProtocolError(f"undecodable reply from coqidetop: {exc}") from exc


def text_of(elem: ET.Element | None) -> str:
    """Plain text of a pretty-printed (richpp) element: markup stripped, nbsp as space."""
    if elem is None:
        return ""
    return "".join(elem.itertext()).replace("\xa0", " ")


@dataclass(frozen=True, slots=True)
class Good:
    """A successful reply; `payload` is the element inside ``<value val="good">``."""

    payload: ET.Element | None


@dataclass(frozen=True, slots=True)
class Fail:
    """A failed call: Coq's message, its location in the sentence, and the last good state."""

    state_id: int
    message: str
    location: tuple[int, int] | None


Value = Good | Fail


@dataclass(frozen=True, slots=True)
class Message:
    """A message from feedback: level (error, warning, notice, info, debug) and text."""

    state_id: int
    route: int
    level: str
    text: str
    location: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class RawGoal:
    hypotheses: tuple[str, ...]
    conclusion: str


@dataclass(frozen=True, slots=True)
class Goals:
    """The four goal lists of the Goal call."""

    foreground: tuple[RawGoal, ...]
    background: tuple[RawGoal, ...]
    shelved: tuple[RawGoal, ...]
    given_up: tuple[RawGoal, ...]

    @property
    def empty(self) -> bool:
        return not (self.foreground or self.background or self.shelved or self.given_up)


@dataclass(frozen=True, slots=True)
class Status:
    """The Status call: module path, the open proof's name, and every open proof."""

    path: tuple[str, ...]
    proof_name: str | None
    all_proofs: tuple[str, ...]


_R = TypeVar("_R")


def _decoder(method: Callable[..., _R]) -> Callable[..., _R]:
    """Report a reply of unexpected shape as ProtocolError, never as IndexError and kin."""

    @functools.wraps(method)
    def decode(*args: object) -> _R:
        try:
            return method(*args)
        except (IndexError, ValueError, TypeError, AttributeError, KeyError) as exc:
            raise ProtocolError(f"unexpected shape in a coqidetop reply ({method.__name__}): {exc!r}") from exc

    return decode


def _loc(elem: ET.Element, start: str, stop: str) -> tuple[int, int] | None:
    if elem.get(start) is None or elem.get(stop) is None:
        return None
    return int(elem.get(start)), int(elem.get(stop))  # type: ignore[arg-type]


class Codec:
    """The coqidetop protocol of Coq 8.16 (8.15 to 8.20 share these shapes)."""

    # -- requests -----------------------------------------------------------------------
    def about(self) -> bytes:
        return b'<call val="About"><unit/></call>'

    def init(self) -> bytes:
        return b'<call val="Init"><option val="none"/></call>'

    def add(self, sentence: str, state_id: int) -> bytes:
        """Add a sentence after `state_id` (which must be the document's tip)."""
        return (
            '<call val="Add"><pair><pair><pair><pair>'
            f"<string>{escape(sentence)}</string><int>-1</int></pair>"
            f'<pair><state_id val="{int(state_id)}"/><bool val="true"/></pair></pair>'
            "<int>0</int></pair><pair><int>0</int><int>0</int></pair></pair></call>"
        ).encode()

    def status(self) -> bytes:
        """Execute the document up to its tip."""
        return b'<call val="Status"><bool val="false"/></call>'

    def goal(self) -> bytes:
        return b'<call val="Goal"><unit/></call>'

    def edit_at(self, state_id: int) -> bytes:
        return f'<call val="Edit_at"><state_id val="{int(state_id)}"/></call>'.encode()

    def query(self, text: str, state_id: int, route: int) -> bytes:
        return (
            f'<call val="Query"><pair><route_id val="{int(route)}"/><pair>'
            f'<string>{escape(text)}</string><state_id val="{int(state_id)}"/></pair></pair></call>'
        ).encode()

    def quit(self) -> bytes:
        return b'<call val="Quit"><unit/></call>'

    # -- replies ------------------------------------------------------------------------
    @_decoder
    def value(self, elem: ET.Element) -> Value:
        if elem.tag != "value":
            raise ProtocolError(f"expected <value>, got <{elem.tag}>")
        if elem.get("val") == "good":
            return Good(elem[0] if len(elem) else None)
        sid = elem.find("state_id")
        return Fail(
            state_id=int(sid.get("val", "0")) if sid is not None else 0,
            message=text_of(elem.find("richpp")).strip(),
            location=_loc(elem, "loc_s", "loc_e"),
        )

    @_decoder
    def added_state(self, good: Good) -> int:
        """The new state id from an Add reply."""
        sid = good.payload.find("state_id") if good.payload is not None else None
        if sid is None:
            raise ProtocolError("Add reply without a state id")
        return int(sid.get("val", "0"))

    @_decoder
    def status_of(self, good: Good) -> Status:
        st = good.payload
        if st is None or st.tag != "status":
            raise ProtocolError("Status reply without <status>")
        path_list, name_opt, proofs_list = st[0], st[1], st[2]
        name = name_opt.findtext("string") if name_opt.get("val") == "some" else None
        return Status(
            path=tuple(s.text or "" for s in path_list.findall("string")),
            proof_name=name,
            all_proofs=tuple(s.text or "" for s in proofs_list.findall("string")),
        )

    @_decoder
    def goals_of(self, good: Good) -> Goals | None:
        """The goal lists, or None when no proof is open."""
        opt = good.payload
        if opt is None or opt.tag != "option":
            raise ProtocolError("Goal reply without <option>")
        if opt.get("val") == "none":
            return None
        fg, bg, shelved, given_up = opt.find("goals")  # type: ignore[misc]
        return Goals(
            foreground=self._goal_list(fg),
            background=tuple(g for pair in bg for side in pair for g in self._goal_list(side)),
            shelved=self._goal_list(shelved),
            given_up=self._goal_list(given_up),
        )

    def _goal_list(self, lst: ET.Element) -> tuple[RawGoal, ...]:
        return tuple(
            RawGoal(
                hypotheses=tuple(text_of(h).strip() for h in g[1]),
                conclusion=text_of(g[2]).strip(),
            )
            for g in lst.findall("goal")
        )

    @_decoder
    def message_of(self, elem: ET.Element) -> Message | None:
        """The message carried by a feedback element, or None for progress feedback."""
        if elem.tag != "feedback":
            return None
        content = elem.find("feedback_content")
        if content is None or content.get("val") != "message":
            return None
        msg = content.find("message")
        if msg is None:
            return None
        level = msg.find("message_level")
        loc_opt = msg.find("option")
        loc_elem = loc_opt.find("loc") if loc_opt is not None else None
        sid = elem.find("state_id")
        return Message(
            state_id=int(sid.get("val", "0")) if sid is not None else 0,
            route=int(elem.get("route", "0")),
            level=level.get("val", "info") if level is not None else "info",
            text=text_of(msg.find("richpp")).strip(),
            location=_loc(loc_elem, "start", "stop") if loc_elem is not None else None,
        )

    @_decoder
    def version_of(self, good: Good) -> str:
        info = good.payload
        if info is None or info.tag != "coq_info":
            raise ProtocolError("About reply without <coq_info>")
        return info.findtext("string") or ""


CODECS: dict[str, type[Codec]] = {"8.16": Codec}


def codec_for_version(version: str) -> Codec:
    """The codec for a Coq release such as ``8.16.1``; unknown releases get the 8.16 one."""
    major_minor = ".".join(version.split(".")[:2])
    return CODECS.get(major_minor, Codec)()
