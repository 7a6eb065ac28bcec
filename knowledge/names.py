"""Program names and aliases in questions: exact, token-window and fuzzy (typo-tolerant)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz
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


class NameMatcher:
    def __init__(
        self, programs: Sequence[Program], protected: frozenset[str] = frozenset()
    ) -> None:
        # Protected phrases (place names) match an alias only exactly: "miami" is not "UMiami".
        self._protected = protected
        self._aliases: list[tuple[Program, tuple[str, ...]]] = []
        for program in programs:
            for alias in dict.fromkeys((program.name, *program.aliases)):
                tokens = tuple(words(alias))
                if tokens:
                    self._aliases.append((program, tokens))

    def match(self, text: str, threshold: float = STRONG) -> list[NameMatch]:
        """Programs named in `text`, best first, at most one match per program."""
        query = words(text)
        best: dict[str, NameMatch] = {}
        for program, alias in self._aliases:
            score, used = _alias_score(query, alias, self._protected)
            current = best.get(program.id)
            if score >= threshold and (current is None or score > current.score):
                best[program.id] = NameMatch(program, score, used)
        matches = sorted(best.values(), key=lambda m: -m.score)
        return _drop_overlapping(matches)


def _alias_score(
    query: list[str], alias: tuple[str, ...], protected: frozenset[str]
) -> tuple[float, frozenset[str]]:
    """Best similarity of the alias to any window of the question of about the alias' length.

    Both the whole alias and its distinctive core must match: "FIU externship" must not match
    "is externship" on the strength of the shared generic word."""
    core = " ".join(w for w in alias if not _generic(w))
    if not core:
        return 0.0, frozenset()
    target = " ".join(alias)
    best, used = 0.0, frozenset[str]()
    n = len(alias)
    for size in sorted({max(1, n - 1), n, n + 1}):
        for i in range(max(1, len(query) - size + 1)):
            window = query[i : i + size]
            if not window:
                continue
            candidate = " ".join(window)
            window_core = " ".join(w for w in window if not _generic(w))
            if len(core) <= EXACT_ONLY_CHARS or (
                candidate in protected or window_core in protected
            ):
                # Abbreviations and place names count only when spelled exactly.
                score = (
                    100.0 if window_core == core and fuzz.ratio(candidate, target) >= 75 else 0.0
                )
            else:
                score = min(fuzz.ratio(candidate, target), fuzz.ratio(window_core, core))
            if score > best:
                best, used = score, frozenset(window)
    return best, used


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
