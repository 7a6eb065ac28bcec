"""What the sentence model reads: users' words for clinical experience in the entries' words."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_SEPARATOR = re.compile(r"[\s-]+")


def _squashed(phrase: str) -> str:
    return _SEPARATOR.sub("", phrase.lower())


@dataclass(frozen=True)
class Reading:
    """Rewrites phrases before a text is encoded, and before BM25 ranks a question's words
    (never what is shown, nor the words that decide scope, places or names).

    The model places "away rotation" near travel and housing, and "audition rotation" near
    auditions, while the entries describe the same placement as an externship; so every text the
    engine encodes (entries, examples, questions) reads the entries' word instead, and so does
    the word ranking, or a "rotation" some entry mentions in passing would outweigh it."""

    synonyms: Mapping[str, str]  # phrase, lowercase and without spaces or hyphens -> read
    pattern: re.Pattern[str] | None

    @classmethod
    def compile(cls, synonyms: Mapping[str, str]) -> Reading:
        # Longest first, so "away rotations" is not read as "away rotation" plus an "s".
        phrases = sorted(synonyms, key=len, reverse=True)
        # A phrase's words may be written apart, hyphenated or run together ("sub-internship",
        # "sub internship", "subinternship"): one entry stands for all three.
        alternatives = "|".join(
            r"[\s-]?".join(re.escape(w) for w in _SEPARATOR.split(p)) for p in phrases
        )
        # Whole words only: "aways" but not "always", "giveaways" or "take-aways".
        pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I) if phrases else None
        return cls({_squashed(p): read for p, read in synonyms.items()}, pattern)

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.synonyms[_squashed(m.group(0))], text)

    def all(self, texts: Sequence[str]) -> list[str]:
        return [self(t) for t in texts]
