"""Theorems of a Coq source file, each in its file context.

The header of a theorem is the file up to its statement, so checking or starting it
faces exactly the state its author faced, with later lemmas out of reach.
"""

from __future__ import annotations

import re
from pathlib import Path

from prover.envs.base import Theorem
from prover.envs.coq.sentences import Sentence, split_sentences, strip_comments
from prover.errors import ConfigError

_DECLARATION = re.compile(
    r"^\s*(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Polymorphic|Monomorphic|Program)\s+)*"
    r"(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example)\s+([\w'.]+)"
)
_END = re.compile(r"^\s*(Qed|Defined|Admitted|Abort|Save)\b")


def declared_name(statement: str) -> str | None:
    """The name a ``Theorem``/``Lemma``/... sentence declares, or None for other sentences."""
    found = _DECLARATION.match(strip_comments(statement))
    return found.group(2) if found else None


def theorems_in_source(source: str, path: str = "<string>") -> list[Theorem]:
    """Every theorem-like declaration in `source`, with its file prefix as header."""
    sentences = split_sentences(source)
    found: list[Theorem] = []
    for index, sentence in enumerate(sentences):
        name = declared_name(sentence.text)
        if name is None:
            continue
        proof = _proof_after(sentences, index)
        found.append(
            Theorem(
                name=name,
                statement=sentence.text,
                header=source[: sentence.start].rstrip(),
                gold_proof="\n".join(s.text for s in proof) if proof else None,
                source=f"{path}:{sentence.line}",
            )
        )
    return found


def _proof_after(sentences: list[Sentence], index: int) -> list[Sentence]:
    for end in range(index + 1, len(sentences)):
        if _END.match(strip_comments(sentences[end].text)):
            return sentences[index + 1 : end + 1]
        if declared_name(sentences[end].text):
            break
    return []


def theorems_in_file(path: str | Path, name: str | None = None) -> list[Theorem]:
    """Theorems of a .v file (only `name` if given); raises ConfigError when none match."""
    file = Path(path)
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from exc
    theorems = theorems_in_source(source, str(file))
    if name is not None:
        theorems = [t for t in theorems if t.name == name]
        if not theorems:
            raise ConfigError(f"{file} declares no theorem named {name!r}")
    elif not theorems:
        raise ConfigError(f"{file} declares no Theorem/Lemma/Example to check")
    return theorems
