"""Whether a question is written in a language other than English, which the engine cannot read
(the sentence model and every word list are English): its words are then no evidence at all."""

from __future__ import annotations

import re
import unicodedata

# Words in any script, accents kept ("estágios", "cómo"): the tokenizer's pieces are ASCII.
_WORD = re.compile(r"[^\W\d_]+")
# Below this share of Latin letters a question is in another script (Arabic, Cyrillic, CJK…).
LATIN_SHARE = 0.5
# At least this many words of another language's own, and more of them than English stopwords.
OTHER_WORDS = 2


def latin_share(text: str) -> float:
    """The share of a text's letters that are Latin; 1 without letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum("LATIN" in unicodedata.name(ch, "") for ch in letters) / len(letters)


def other_language(text: str, other_words: frozenset[str], english: frozenset[str]) -> bool:
    """Written in another script, or in a Latin-script language whose own short words
    (`other_words`: "que", "und", "pour") outnumber the English stopwords used."""
    if latin_share(text) < LATIN_SHARE:
        return True
    words = _WORD.findall(text.casefold())
    other = sum(w in other_words for w in words)
    return other >= OTHER_WORDS and other > sum(w in english for w in words)
