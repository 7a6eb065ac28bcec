"""Text normalisation and tokens: a question is cleaned once and tokenised once, with positions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_QUESTION_CHARS = 1000

# Invisible and bidirectional-control characters users paste by accident; they break matching.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
# Markup pasted from web pages ("<b>visa</b>") is noise to the question.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
# A possessive ending is dropped ("Hopkins's"), "&" reads "and", a comma is remembered (postal
# codes count after one: "Miami, FL"), a visa class is one word ("J-1" is "j1", "H-1B" and
# "H1-B" "h1b"), and other words are runs of ASCII letters and digits.
_PIECE = re.compile(
    r"(?P<possessive>['’]s)|(?P<amp>&)|(?P<comma>,)"
    r"|(?P<code>\b[A-Za-z](?:-[0-9]{1,2}[A-Za-z]?|[0-9]{1,2}-[A-Za-z])\b)|(?P<word>[A-Za-z0-9]+)"
)


@dataclass(frozen=True)
class Token:
    raw: str  # as typed ("LA", "Mt")
    word: str  # lowercase, short forms expanded ("los", "mount")
    stem: str
    stop: bool  # carries no meaning for retrieval
    start: int  # where `raw` starts in the text
    end: int
    after_comma: bool

    @property
    def lower(self) -> str:
        return self.raw.lower()


def clean(text: str) -> str:
    """NFKC-normalized, invisible and control characters removed, whitespace collapsed, capped."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _TAG.sub(" ", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUESTION_CHARS]


def folded(text: str) -> str:
    """The text case- and space-insensitively, to tell whether two questions are the same."""
    return " ".join(text.casefold().split())


def stem(word: str) -> str:
    """A deliberately light stemmer: plural and common verb endings only, then a final silent
    "e", so "graduate", "graduated" and "graduating" meet ("guarantee" keeps its "ee")."""
    for suffix, keep in (
        ("ies", "y"),
        ("ing", ""),
        ("eed", "ee"),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(("ses", "xes", "ches", "shes")):
                return _silent_e(word[:-1])
            return _silent_e(word[: -len(suffix)] + keep)
    return _silent_e(word)


def _silent_e(word: str) -> str:
    return word[:-1] if len(word) >= 5 and word.endswith("e") and word[-2] != "e" else word


class Tokenizer:
    """Splits text into tokens with the vocabulary's short forms and stopwords."""

    def __init__(self, expansions: Mapping[str, str], stopwords: Iterable[str]) -> None:
        # A short form may stand for several words ("telerotation" -> "virtual rotation").
        self.expansions = {short: long.split() for short, long in expansions.items()}
        self.stopwords = frozenset(stopwords)

    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        comma = False
        for m in _PIECE.finditer(text):
            if m.group("possessive"):
                continue
            if m.group("comma"):
                comma = True
                continue
            raw = m.group()
            lowered = "and" if raw == "&" else raw.lower().replace("-", "")
            for word in self.expansions.get(lowered, [lowered]):
                stop = word in self.stopwords
                out.append(Token(raw, word, stem(word), stop, m.start(), m.end(), comma))
            comma = False
        return out

    def words(self, text: str) -> list[str]:
        """Lowercase words with short forms expanded ("Mt." -> "mount", "&" -> "and")."""
        return [t.word for t in self.tokens(text)]

    def content_terms(self, text: str) -> list[str]:
        """Stemmed words that carry meaning (stopwords dropped)."""
        return [t.stem for t in self.tokens(text) if not t.stop]

    def stems(self, text: str) -> list[str]:
        return [t.stem for t in self.tokens(text)]
