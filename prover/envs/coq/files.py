"""Theorems of a Coq source file, each in its file context, and the one lexical reader of
Coq declarations.

The header of a theorem is the file up to its statement, so checking or starting it
faces exactly the state its author faced, with later lemmas out of reach.

`read_declaration` reads a sentence's head without asking Coq: ``#[...]`` attributes,
modifiers (``Local``, ``Polymorphic``, ...), the keyword and the name after it. Its callers
take slightly different sentences for declarations; every difference is a field of
`DeclarationForm`, and their forms stand side by side below (`THEOREMS`, `PROOF_OPENERS`,
`RESTATEMENTS`) so that none drifts unseen. ``tests/unit/test_coq_declarations.py`` pins
what each caller reads.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from prover.envs.base import Theorem
from prover.envs.coq.sentences import Sentence, split_sentences, strip_comments
from prover.errors import ConfigError

__all__ = [
    "PROOF_OPENERS",
    "RESTATEMENTS",
    "THEOREMS",
    "THEOREM_KEYWORDS",
    "Declaration",
    "DeclarationForm",
    "declared_name",
    "logical_module",
    "read_declaration",
    "read_source",
    "theorems_in_file",
    "theorems_in_source",
]


def logical_module(prefix: str, relpath: str) -> str:
    """The module the ``.v`` file at `relpath` (``/``-separated, relative to a library bound
    to logical `prefix`) defines: ``("Coq", "Arith/PeanoNat.v")`` gives ``Coq.Arith.PeanoNat``."""
    return ".".join(filter(None, (prefix, *PurePosixPath(relpath).with_suffix("").parts)))


THEOREM_KEYWORDS = frozenset(
    {"Theorem", "Lemma", "Fact", "Remark", "Corollary", "Proposition", "Property", "Example"}
)
"""The keywords that declare a theorem (Coq's logical kind ``Theorem`` and its synonyms)."""

_IDENT = r"[^\W\d][\w']*"


@dataclass(frozen=True, slots=True)
class DeclarationForm:
    """Which sentence heads a caller reads as declarations."""

    keywords: frozenset[str]
    """The declaring keywords (``Lemma``, ``Definition``, ...), case-sensitive."""
    modifiers: frozenset[str]
    """Words that may precede the keyword (``Local``, ``Polymorphic``, ...), after the attributes."""
    max_attributes: int | None = None
    """How many ``#[...]`` attributes may open the sentence; None: any number."""
    max_modifiers: int | None = None
    """How many modifiers may follow them; None: any number."""
    name: str = _IDENT
    """Regular expression of the name after the keyword."""
    name_required: bool = False
    """True: blanks and a name must follow the keyword, or the sentence declares nothing.
    False: the keyword ends at a word boundary and the name, after optional blanks, may be
    missing (``Instance : C.``, ``Lemma (n : nat) : ...``)."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """A sentence's declaration, read lexically."""

    keyword: str
    """The declaring keyword as written (``Lemma``)."""
    name: str | None
    """The name after the keyword, as the form reads it; None when no name follows."""

    @property
    def theorem_like(self) -> bool:
        """Declared with one of `THEOREM_KEYWORDS`: always a proof, whatever its body."""
        return self.keyword in THEOREM_KEYWORDS


THEOREMS = DeclarationForm(
    keywords=THEOREM_KEYWORDS,
    modifiers=frozenset({"Local", "Global", "Polymorphic", "Monomorphic", "Program"}),
    max_attributes=1,
    name=r"[\w'.]+",
    name_required=True,
)
"""Theorems of a file (`theorems_in_source`, `declared_name`): ``prover check FILE.v`` and
the ``coq-stdlib``/``coq-files`` benchmarks. The name is taken whole, dots included."""

PROOF_OPENERS = DeclarationForm(
    keywords=THEOREM_KEYWORDS | {"Definition", "Fixpoint", "CoFixpoint", "Instance"},
    modifiers=frozenset({"Local", "Global", "Polymorphic", "Monomorphic", "Cumulative", "NonCumulative"}),
)
"""Declarations whose proofs extraction records (`prover.data.coq`), and where it cuts a
proof it reads without Coq."""

RESTATEMENTS = DeclarationForm(
    keywords=THEOREM_KEYWORDS | {"Definition", "Fixpoint", "Instance", "Goal"},
    modifiers=frozenset({"Local", "Global"}),
    max_attributes=1,
    max_modifiers=1,
)
"""A candidate proof's first sentence that states a theorem (`prover.envs.coq.check`), which
must then be the theorem's own statement."""


def read_declaration(sentence: str, form: DeclarationForm) -> Declaration | None:
    """What `sentence` declares, read as `form` says; None when it is no declaration of `form`.

    Comments are ignored. Raises SentenceSplitError on an unterminated comment or string.
    """
    found = _pattern(form).match(strip_comments(sentence))
    return Declaration(found.group("keyword"), found.group("name")) if found else None


@functools.cache
def _pattern(form: DeclarationForm) -> re.Pattern[str]:
    attributes = r"(?:#\[[^\]]*\]\s*)" + _repeat(form.max_attributes)
    modifiers = rf"(?:(?:{_alternatives(form.modifiers)})\s+)" + _repeat(form.max_modifiers)
    keyword = rf"(?P<keyword>{_alternatives(form.keywords)})"
    name = rf"\s+(?P<name>{form.name})" if form.name_required else rf"\b(?:\s*(?P<name>{form.name}))?"
    return re.compile(rf"^\s*{attributes}{modifiers}{keyword}{name}")


def _repeat(most: int | None) -> str:
    return "*" if most is None else f"{{0,{most}}}"


def _alternatives(words: frozenset[str]) -> str:
    # An empty set must match nothing, not the empty string.
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) or "(?!)"


_END = re.compile(r"^\s*(Qed|Defined|Admitted|Abort|Save)\b")


def declared_name(statement: str) -> str | None:
    """The name a ``Theorem``/``Lemma``/... sentence declares, or None for other sentences."""
    found = read_declaration(statement, THEOREMS)
    return found.name if found else None


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


def read_source(file: Path) -> str:
    """The text of a ``.v`` file; ConfigError naming the file when it cannot be read."""
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from exc


def theorems_in_file(path: str | Path, name: str | None = None) -> list[Theorem]:
    """Theorems of a .v file (only `name` if given); raises ConfigError when none match."""
    file = Path(path)
    theorems = theorems_in_source(read_source(file), str(file))
    if name is not None:
        theorems = [t for t in theorems if t.name == name]
        if not theorems:
            raise ConfigError(f"{file} declares no theorem named {name!r}")
    elif not theorems:
        raise ConfigError(f"{file} declares no Theorem/Lemma/Example to check")
    return theorems
