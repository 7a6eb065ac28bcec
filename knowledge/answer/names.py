"""Program names and aliases in questions: exact, token-window and fuzzy (typo-tolerant)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.schema import Program
from knowledge.text import words

# Aliases this short are abbreviations (JHU, FIU, BWH): a typo in them is another word entirely.
EXACT_ONLY_CHARS = 4
STRONG = 88.0
# Words many names share; two matches overlapping only on these name two different programs.
GENERIC = frozenset(
    [
        "university",
        "of",
        "the",
        "and",
        "hospital",
        "health",
        "healthcare",
        "system",
        "medicine",
        "medical",
        "school",
        "center",
        "program",
        "externship",
        "externships",
        "clinic",
    ]
)


@dataclass(frozen=True)
class NameMatch:
    program: Program
    score: float  # 0-100
    words: frozenset[str]  # the question's words the match used


@dataclass(frozen=True)
class _Alias:
    program: Program
    text: str
    core: str  # without generic words: what must really match
    size: int  # in words


class NameMatcher:
    """Scores every window of the question against every alias in one vectorized pass.

    Both the whole alias and its distinctive core must match: "FIU externship" must not match
    "is externship" on the strength of the shared generic word. Abbreviations (JHU, FIU) and
    place names ("miami" against "UMiami") count only when spelled exactly."""

    def __init__(
        self, programs: Sequence[Program], protected: frozenset[str] = frozenset()
    ) -> None:
        self._protected = protected
        aliases = []
        for program in programs:
            for alias in dict.fromkeys((program.name, *program.aliases)):
                tokens = words(alias)
                core = " ".join(w for w in tokens if not _generic(w))
                if core:
                    aliases.append(_Alias(program, " ".join(tokens), core, len(tokens)))
        self._aliases = aliases
        self._texts = [a.text for a in aliases]
        self._cores = [a.core for a in aliases]
        self._sizes = np.array([a.size for a in aliases])
        self._exact_only = np.array([len(a.core) <= EXACT_ONLY_CHARS for a in aliases])
        self._max_size = int(self._sizes.max()) + 1 if aliases else 0

    def match(self, text: str, threshold: float = STRONG) -> list[NameMatch]:
        """Programs named in `text`, best first, at most one match per program."""
        query = words(text)
        windows = [
            query[i : i + size]
            for size in range(1, min(self._max_size, len(query)) + 1)
            for i in range(len(query) - size + 1)
        ]
        if not windows or not self._aliases:
            return []
        texts = [" ".join(w) for w in windows]
        cores = [" ".join(t for t in w if not _generic(t)) for w in windows]
        whole = process.cdist(texts, self._texts, scorer=fuzz.ratio, dtype=np.float32)
        core = process.cdist(cores, self._cores, scorer=fuzz.ratio, dtype=np.float32)
        scores = np.minimum(whole, core)
        exact = (core == 100) & (whole >= 75)
        protected = np.array(
            [
                t in self._protected or c in self._protected
                for t, c in zip(texts, cores, strict=True)
            ]
        )
        strict = self._exact_only[None, :] | protected[:, None]
        scores = np.where(strict, np.where(exact, 100.0, 0.0), scores)
        sizes = np.array([len(w) for w in windows])
        near = np.abs(sizes[:, None] - self._sizes[None, :]) <= 1
        near |= (sizes[:, None] == 1) & (self._sizes[None, :] == 1)
        scores = np.where(near, scores, 0.0)
        best: dict[str, NameMatch] = {}
        for col, alias in enumerate(self._aliases):
            row = int(np.argmax(scores[:, col]))
            score = float(scores[row, col])
            current = best.get(alias.program.id)
            if score >= threshold and (current is None or score > current.score):
                best[alias.program.id] = NameMatch(alias.program, score, frozenset(windows[row]))
        matches = sorted(best.values(), key=lambda m: -m.score)
        return _drop_overlapping(matches)


@cache
def _generic(word: str) -> bool:
    """A generic word, allowing one typo in longer ones ("clinik", "univercity")."""
    return word in GENERIC or (
        len(word) >= 5 and any(Levenshtein.distance(word, g) <= 1 for g in GENERIC if len(g) >= 5)
    )


def _drop_overlapping(matches: list[NameMatch]) -> list[NameMatch]:
    """When two programs' matches rest on the same distinctive word, keep only the better one."""
    kept: list[NameMatch] = []
    for match in matches:
        if all(not {w for w in match.words & k.words if not _generic(w)} for k in kept):
            kept.append(match)
    return kept
