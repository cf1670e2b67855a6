"""What makes an F* check sound, as pure functions: screening a candidate, judging F*'s answer.

F* itself decides whether a definition meets its ``val``; these rules close the ways a candidate
could make F* say "success" without a proof:

* ``--report_assumes warn`` makes every use of ``admit``, ``assume``, ``magic`` and every unsafe
  option a warning numbered 335 (`WARN_ON_USE`): an answer carrying one is rejected.
* In ``--ide`` mode F* never reaches the end of the module, where it would report a ``val``
  without a definition; so the candidate must itself define the theorem's name with a top-level
  ``let``, and may declare no ``val`` (an undefined helper ``val`` would be an axiom).
* ``assume val``, ``expect_failure`` (a definition that fails but is reported as expected),
  option pragmas and ``splice`` never pass, whatever F* says (``assume val`` is not reported by
  ``--report_assumes``).
* The statement is added by the checker from the theorem, never taken from the candidate.
"""

from __future__ import annotations

import re

from prover.envs.fstar.codec import WARN_ON_USE, Response

_FORBIDDEN = re.compile(
    r"\b(assume|admit|admit_smt_queries|admit_except|magic|tadmit|tadmit_t|unsafe_coerce|"
    r"expect_failure|expect_lax_failure|splice|friend|lax)\b"
)
_PRAGMA = re.compile(r"^\s*#\s*(set-options|reset-options|push-options|pop-options|lang-\S*)\b", re.MULTILINE)
_VAL = re.compile(r"^\s*(?:\[@@?[^\]]*\]\s*)*(?:(?:private|noextract|inline_for_extraction|irreducible|unfold|"
                  r"ghost|total)\s+)*val\b", re.MULTILINE)
_QUALIFIERS = r"(?:\[@@?[^\]]*\]\s*)*(?:(?:private|noextract|inline_for_extraction|irreducible|unfold|ghost|total)\s+)*"


def strip_comments_and_strings(text: str) -> str:
    """`text` with F* comments (nested ``(* *)`` and ``//``) and string literals blanked out.

    Newlines are kept so that line-anchored patterns still see line starts.
    """
    out: list[str] = []
    i, depth, n = 0, 0, len(text)
    while i < n:
        two = text[i:i + 2]
        if depth:
            if two == "(*":
                depth, i = depth + 1, i + 2
            elif two == "*)":
                depth, i = depth - 1, i + 2
            else:
                out.append("\n" if text[i] == "\n" else " ")
                i += 1
            continue
        if two == "(*" and text[i:i + 3] != "(*)":  # `( * )` is the multiplication operator
            depth, i = 1, i + 2
        elif two == "//":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def screen_candidate(proof: str, name: str) -> str | None:
    """Why `proof` may not be checked as the definition of `name` (None when it may)."""
    code = strip_comments_and_strings(proof)
    if not code.strip():
        return "the proof is empty"
    found = _FORBIDDEN.search(code)
    if found:
        return f"`{found.group(1)}` is not allowed in a proof (it assumes what it should prove)"
    pragma = _PRAGMA.search(code)
    if pragma:
        return f"`#{pragma.group(1)}` is not allowed in a proof: options come from the theorem's header"
    if _VAL.search(code):
        return "a proof may not declare a `val` (the statement comes from the theorem; helpers must be `let`s)"
    short = re.escape(name.rsplit(".", 1)[-1])
    defines = re.compile(rf"^\s*{_QUALIFIERS}(?:let(?:\s+rec)?|and)\s+{short}(?![\w'])", re.MULTILINE)
    if not defines.search(code):
        return f"the proof does not define `{name.rsplit('.', 1)[-1]}` with a top-level `let`"
    return None


def judge(response: Response) -> str:
    """``"accepted"``, or why F*'s answer to the candidate's ``push`` is not a proof."""
    assumed = [i for i in response.issues if i.number == WARN_ON_USE]
    if assumed:
        return f"the proof uses an assumption (warning {WARN_ON_USE}): {assumed[0].message.strip()[:300]}"
    errors = [i for i in response.issues if i.level == "error"]
    if errors:
        number = f" (error {errors[0].number})" if errors[0].number is not None else ""
        return f"F* rejected it{number}: {errors[0].message.strip()[:300]}"
    if response.status != "success":
        detail = f": {response.text}" if response.text else ""
        return f"F* answered with status {response.status!r}{detail}"
    return "accepted"


def options_pragma(options: tuple[tuple[str, str], ...]) -> str:
    """A ``#push-options`` line for (option, value) pairs; a value of "" is a bare flag."""
    if not options:
        return ""
    parts = " ".join(f"--{key}" if value == "" else f"--{key} {value}" for key, value in options)
    return f'#push-options "{parts}"'
