"""What the sentence model reads: users' words for clinical experience in the entries' words."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """Rewrites phrases before a text is encoded, and before BM25 ranks a question's words
    (never what is shown, nor the words that decide scope, places or names).

    The model places "away rotation" near travel and housing, and "audition rotation" near
    auditions, while the entries describe the same placement as an externship; so every text the
    engine encodes (entries, examples, questions) reads the entries' word instead, and so does
    the word ranking, or a "rotation" some entry mentions in passing would outweigh it."""

    synonyms: Mapping[str, str]  # lowercase phrase -> what the model reads
    pattern: re.Pattern[str] | None

    @classmethod
    def compile(cls, synonyms: Mapping[str, str]) -> Reading:
        # Longest first, so "away rotations" is not read as "away rotation" plus an "s".
        phrases = sorted(synonyms, key=len, reverse=True)
        alternatives = "|".join(re.escape(p) for p in phrases)
        # Whole words only: "aways" but not "always", "giveaways" or "take-aways".
        pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I) if phrases else None
        return cls(dict(synonyms), pattern)

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.synonyms[m.group(0).lower()], text)

    def all(self, texts: Sequence[str]) -> list[str]:
        return [self(t) for t in texts]
