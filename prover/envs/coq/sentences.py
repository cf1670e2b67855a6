"""Split Coq source text into sentences, the way Coq's own lexer (``cLexer.ml``) does.

Pure string processing: no processes, no I/O.

Rules, in the order they apply:

* Comments ``(* ... *)`` nest, and inside them ``"..."`` is lexed as a string, so ``(* "*)" *)`` is a
  single comment and an unmatched ``"`` inside a comment leaves the comment unterminated (as in Coq).
* Strings are ``"..."``, with ``""`` standing for one quote.  Nothing inside a comment or a string ever
  ends a sentence.
* At a sentence start (the start of the file, or just after a sentence; blanks and comments skipped),
  Coq's lexer is in "between commands" mode, where these are whole sentences without a ``.``:

  - a bullet: a run of one repeated character among ``-``, ``+``, ``*`` (``-``, ``--``, ``+++``),
    whatever follows it (``-intros.`` is the bullet ``-`` and then ``intros.``);
  - a focusing brace ``{`` or ``}``;
  - a goal selector followed by ``{``: ``2: {``, ``1-2,4: {``, ``[x]: {``, ``all: {``, ``!: {``
    (the grammar accepts all of these; Coq rejects the multi-goal ones only when running them).

* Otherwise the sentence runs up to a terminator: a ``.`` token followed by a blank (space, tab, CR,
  LF, exactly Coq's ``blank_or_eof``) or the end of input, or the ``...`` token (``tac...`` under
  ``Proof with tac'``) likewise followed.  Coq lexes a run of dots greedily as ``...`` tokens and then
  ``..`` or ``.``; ``..`` belongs to recursive notations (``(x .. y)``) and never ends a sentence.  A
  ``.`` followed by anything else is not a terminator: a qualified name ``Nat.add``, a number ``1.5``,
  a projection ``x.(f)``.  In particular ``Qed.(* c *)`` is not terminated (Coq rejects it too).

Offsets are Python string indices (code points), not UTF-8 byte offsets.

Known limits (a lexer cannot see the grammar or user-declared tokens): a notation token that ends in
``.`` or uses ``...`` inside a term would be misread; and after ``2: {`` Coq's lexer leaves the
"between commands" mode, so to Coq a following ``-`` is no bullet (it then rejects the sentence),
whereas here it is split off as one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from prover.errors import ConfigError

__all__ = ["Sentence", "SentenceSplitError", "one_sentence", "sentence_texts", "split_sentences", "strip_comments"]


class SentenceSplitError(ConfigError, ValueError):
    """The source cannot be split: an unterminated comment, string or final sentence."""


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str  # verbatim source, comments inside the sentence included
    start: int  # offset of text[0] in the source
    end: int  # offset just past the sentence's last character
    line: int  # 1-based line of `start`


# Coq's blank_or_eof accepts exactly these; a form feed or a Unicode space is an error to Coq.
_BLANKS = frozenset(" \t\n\r")
_NON_BLANK = re.compile(r"[^ \t\n\r]")
_CODE_EVENT = re.compile(r'\(\*|"')
_COMMENT_EVENT = re.compile(r'\(\*|\*\)|"')
_BULLET = re.compile(r"-+|\++|\*+")
# `toplevel_selector "{"` from g_ltac.mlg; in the masked text comments are blanks, so _WS covers them.
_WS = r"[ \t\n\r]*"
_IDENT = r"[^\W\d][\w']*"
_NTH_OR_RANGE = rf"[0-9]+(?:{_WS}-{_WS}[0-9]+)?"
_SELECTOR_BRACE = re.compile(
    rf"(?:{_NTH_OR_RANGE}(?:{_WS},{_WS}{_NTH_OR_RANGE})*|\[{_WS}{_IDENT}{_WS}\]|all|!){_WS}:{_WS}\{{(?!\|)"
)


def _line_at(source: str, pos: int) -> int:
    return source.count("\n", 0, pos) + 1


def _string_end(source: str, quote: int, in_comment: bool) -> int:
    """Offset just past the string whose opening quote is at `quote`."""
    i = quote + 1
    while True:
        i = source.find('"', i)
        if i < 0:
            where = " inside a comment" if in_comment else ""
            raise SentenceSplitError(f"unterminated string{where} starting at line {_line_at(source, quote)}")
        if source.startswith('"', i + 1):  # "" is an escaped quote, not the end
            i += 2
            continue
        return i + 1


def _comment_end(source: str, opening: int) -> int:
    """Offset just past the (possibly nested) comment whose ``(*`` is at `opening`."""
    depth = 0
    i = opening
    while True:
        m = _COMMENT_EVENT.search(source, i)
        if m is None:
            raise SentenceSplitError(f"unterminated comment starting at line {_line_at(source, opening)}")
        if m.group() == '"':
            i = _string_end(source, m.start(), in_comment=True)
            continue
        depth += 1 if m.group() == "(*" else -1
        i = m.end()
        if depth == 0:
            return i


def _spans(source: str) -> list[tuple[int, int, bool]]:
    """Top-level comments and strings as (start, end, is_comment), in source order."""
    spans: list[tuple[int, int, bool]] = []
    i = 0
    while (m := _CODE_EVENT.search(source, i)) is not None:
        if m.group() == "(*":
            i = _comment_end(source, m.start())
            spans.append((m.start(), i, True))
        else:
            i = _string_end(source, m.start(), in_comment=False)
            spans.append((m.start(), i, False))
    return spans


def _mask(source: str, spans: list[tuple[int, int, bool]]) -> str:
    """Same-length copy of `source` where comments are blanks and string bodies are inert `_`.

    Keeping lengths equal lets every offset found in the mask index the source directly.
    """
    parts: list[str] = []
    prev = 0
    for start, end, is_comment in spans:
        parts.append(source[prev:start])
        if is_comment:
            # Newlines are kept only so the mask stays readable when debugging; any blank would do.
            parts.append(re.sub(r"[^\n]", " ", source[start:end]))
        else:
            parts.append('"' + "_" * (end - start - 2) + '"')
        prev = end
    parts.append(source[prev:])
    return "".join(parts)


def strip_comments(text: str) -> str:
    """`text` with every outermost comment (nested ones included) replaced by one space.

    Strings are respected: ``"(*"`` is not a comment.  Raises SentenceSplitError like split_sentences.
    """
    parts: list[str] = []
    prev = 0
    for start, end, is_comment in _spans(text):
        if is_comment:
            parts.append(text[prev:start])
            parts.append(" ")
            prev = end
    parts.append(text[prev:])
    return "".join(parts)


def _terminator_end(source: str, mask: str, start: int) -> int | None:
    """Offset just past the `.`/`...` terminator of the sentence starting at `start`, if any."""
    n = len(mask)
    i = start
    while (dot := mask.find(".", i)) >= 0:
        run_end = dot
        while run_end < n and mask[run_end] == ".":
            run_end += 1
        # Coq takes "..." greedily, so the run's last token is "." (1), ".." (2) or "..." (0 mod 3).
        last_token = (run_end - dot) % 3
        if last_token != 2 and (run_end == n or source[run_end] in _BLANKS):
            return run_end
        i = run_end
    return None


def split_sentences(source: str) -> list[Sentence]:
    """The sentences of `source`, in order.  Raises SentenceSplitError if it cannot be split."""
    mask = _mask(source, _spans(source))
    newlines = [m.start() for m in re.finditer("\n", source)]
    sentences: list[Sentence] = []
    pos = 0
    while (m := _NON_BLANK.search(mask, pos)) is not None:
        start = m.start()
        c = mask[start]
        if c in "-+*":
            bullet = _BULLET.match(mask, start)
            assert bullet is not None  # c itself matches
            end = bullet.end()
        elif c in "{}":
            end = start + 1
        elif (sel := _SELECTOR_BRACE.match(mask, start)) is not None:
            end = sel.end()
        else:
            found = _terminator_end(source, mask, start)
            if found is None:
                raise SentenceSplitError(
                    f"sentence starting at line {bisect_left(newlines, start) + 1} has no terminating '.'"
                )
            end = found
        line = bisect_left(newlines, start) + 1
        sentences.append(Sentence(text=source[start:end], start=start, end=end, line=line))
        pos = end
    return sentences


def sentence_texts(text: str, what: str = "text") -> tuple[str, ...]:
    """The sentences of `text` as strings; a missing final period is added (``intros n``)."""
    try:
        return tuple(s.text for s in split_sentences(text))
    except SentenceSplitError as first:
        try:
            return tuple(s.text for s in split_sentences(text.rstrip() + "."))
        except SentenceSplitError:
            raise SentenceSplitError(f"cannot split the {what} into Coq sentences: {first}") from first


def one_sentence(text: str, what: str = "statement") -> str:
    """`text` as exactly one sentence (final period added if missing), or SentenceSplitError."""
    sentences = sentence_texts(text, what)
    if len(sentences) != 1:
        raise SentenceSplitError(f"the {what} must be one sentence, got {len(sentences)}: {text!r}")
    return sentences[0]
