"""Program names and aliases in questions: exact, token-window and fuzzy (typo-tolerant)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

T = TypeVar("T")

# Aliases this short are abbreviations (JHU, FIU, BWH): a typo in them is another word entirely.
EXACT_ONLY_CHARS = 4
STRONG = 88.0  # similarity (0-100) that names a program
EXACT = 100.0
# An exact distinctive core still needs the whole window this close to the alias: "clinic" alone
# is not "Cleveland Clinic".
EXACT_CORE_WHOLE = 75.0
# A window may be one word longer or shorter than the alias it is compared with.
SIZE_SLACK = 1
# In a fuzzy match every distinctive word of the alias needs a counterpart this similar in the
# question: "an international" is not "AMSA International", nor "international medical"
# "Florida International".
WORD_COUNTERPART = 80.0
# Generic words this long may carry one typo ("clinik", "univercity").
GENERIC_TYPO_CHARS = 5
GENERIC_CACHE_SIZE = 50_000  # words users typed, remembered as generic or not
# The word similarity that picks the aliases worth scoring is this much looser than the one that
# accepts a match, so that no rounding of a score at the boundary can leave out a real match.
SHORTLIST_SLACK = 1.0


@dataclass(frozen=True)
class NameMatch(Generic[T]):
    named: T  # what the name belongs to: a program, or a name trap
    score: float  # 0-100
    words: frozenset[str]  # the question's words the match used


@dataclass(frozen=True)
class _Alias(Generic[T]):
    owner: int  # index of what the alias names
    named: T
    text: str
    core: str  # without generic words: what must really match
    size: int  # in words


@dataclass(frozen=True)
class _Windows:
    """Every run of consecutive question words that could be a name."""

    words: list[list[str]]
    texts: list[str]
    cores: list[str]

    @cached_property
    def sizes(self) -> np.ndarray:
        return np.array([len(w) for w in self.words])


class NameMatcher(Generic[T]):
    """Scores every window of the question against the aliases it could name, in one vectorized
    pass. Those are found by word: a match needs every distinctive word of its alias to have a
    close counterpart in the question, so only aliases whose every such word resembles one
    asked are scored, with the same result as scoring all of them.

    Both the whole alias and its distinctive core must match: "FIU externship" must not match
    "is externship" on the strength of the shared generic word. Abbreviations (JHU, FIU) and
    place names ("miami" against "UMiami") count only when spelled exactly."""

    def __init__(
        self,
        names: Sequence[tuple[T, Sequence[str]]],
        words_of: Callable[[str], list[str]],
        generic: Iterable[str],
        protected: frozenset[str] = frozenset(),
    ) -> None:
        self._generic_words = frozenset(generic)
        self._long_generic = [g for g in self._generic_words if len(g) >= GENERIC_TYPO_CHARS]
        self._generic_cache: dict[str, bool] = {}
        self._protected = protected
        aliases: list[_Alias[T]] = []
        for owner, (named, spellings) in enumerate(names):
            for alias in dict.fromkeys(spellings):
                tokens = words_of(alias)
                core = self._core(tokens)
                if core:
                    aliases.append(_Alias(owner, named, " ".join(tokens), core, len(tokens)))
        self._aliases = aliases
        self._texts = [a.text for a in aliases]
        self._cores = [a.core for a in aliases]
        self._sizes = np.array([a.size for a in aliases])
        self._exact_only = np.array([len(a.core) <= EXACT_ONLY_CHARS for a in aliases])
        self._max_size = int(self._sizes.max()) + SIZE_SLACK if aliases else 0
        # Each distinct distinctive word, and the aliases using it.
        words_of_alias = [sorted(set(a.core.split())) for a in aliases]
        self._core_words = sorted({w for words in words_of_alias for w in words})
        column = {w: c for c, w in enumerate(self._core_words)}
        using: list[list[int]] = [[] for _ in self._core_words]
        for col, words in enumerate(words_of_alias):
            for word in words:
                using[column[word]].append(col)
        self._using = [np.array(cols, dtype=np.int64) for cols in using]
        self._words_needed = np.array([len(words) for words in words_of_alias], dtype=np.int64)

    def match(
        self, words: Sequence[str], threshold: float = STRONG, *, partial: bool = False
    ) -> list[NameMatch[T]]:
        """What the question's `words` name, best first, at most one match each. With
        `partial`, the words are known to be a name (/program cleveland): part of one counts,
        and place names are names."""
        return self._match(words, threshold, partial, self._shortlist(words, threshold))

    def _match(
        self, words: Sequence[str], threshold: float, partial: bool, columns: np.ndarray
    ) -> list[NameMatch[T]]:
        """`match`, scoring the aliases in `columns` (ascending) only."""
        windows = self._windows(words)
        if not windows.words or not len(columns):
            return []
        scores = self._scores(windows, columns, partial)
        matches = self._best_per_program(windows, columns, scores, threshold)
        return self._drop_overlapping(sorted(matches, key=lambda m: -m.score))

    def _shortlist(self, words: Sequence[str], threshold: float) -> np.ndarray:
        """The aliases (columns, ascending) whose every distinctive word is close to a word
        asked: no other can pass `_every_word_present`, which every match must."""
        similar = min(WORD_COUNTERPART, threshold) - SHORTLIST_SLACK
        if similar <= 0:
            return np.arange(len(self._aliases))
        asked = list(dict.fromkeys(part for w in words for part in w.split()))
        if not asked or not self._core_words:
            return np.zeros(0, dtype=np.int64)
        close = process.cdist(
            asked, self._core_words, scorer=fuzz.ratio, score_cutoff=similar, dtype=np.float32
        )
        hits = np.flatnonzero((close >= similar).any(axis=0))  # core words close to one asked
        if not len(hits):
            return np.zeros(0, dtype=np.int64)
        found = np.bincount(
            np.concatenate([self._using[w] for w in hits]), minlength=len(self._aliases)
        )
        return np.flatnonzero(found == self._words_needed)

    def _windows(self, words: Sequence[str]) -> _Windows:
        runs = [
            list(words[i : i + size])
            for size in range(1, min(self._max_size, len(words)) + 1)
            for i in range(len(words) - size + 1)
        ]
        return _Windows(runs, [" ".join(w) for w in runs], [self._core(w) for w in runs])

    def _scores(self, windows: _Windows, columns: np.ndarray, partial: bool = False) -> np.ndarray:
        """Window x alias similarity for the aliases in `columns`: the lower of whole-text and
        core similarity, exact-only where the alias is an abbreviation or the window a place
        name, and zero where their sizes differ by more than the slack."""
        texts = [self._texts[c] for c in columns]
        cores = [self._cores[c] for c in columns]
        whole = process.cdist(windows.texts, texts, scorer=fuzz.ratio, dtype=np.float32)
        core = process.cdist(windows.cores, cores, scorer=fuzz.ratio, dtype=np.float32)
        fuzzy = core if partial else np.minimum(whole, core)
        exact = (core == EXACT) & (partial | (whole >= EXACT_CORE_WHOLE))
        place = np.array(
            [
                not partial and (t in self._protected or c in self._protected)
                for t, c in zip(windows.texts, windows.cores, strict=True)
            ],
            dtype=bool,
        )
        exact_only = self._exact_only[columns][None, :] | place[:, None]
        scores = np.where(exact_only, np.where(exact, EXACT, 0.0), fuzzy)
        return np.where(self._comparable_sizes(windows.sizes, self._sizes[columns]), scores, 0.0)

    @staticmethod
    def _comparable_sizes(sizes: np.ndarray, alias_sizes: np.ndarray) -> np.ndarray:
        near = np.abs(sizes[:, None] - alias_sizes[None, :]) <= SIZE_SLACK
        one_word = (sizes[:, None] == 1) & (alias_sizes[None, :] == 1)
        return np.asarray(near | one_word)

    def _best_per_program(
        self, windows: _Windows, columns: np.ndarray, scores: np.ndarray, threshold: float
    ) -> list[NameMatch[T]]:
        best: dict[int, NameMatch[T]] = {}
        for row, col in zip(*np.nonzero(scores >= threshold), strict=True):
            alias, score = self._aliases[columns[col]], float(scores[row, col])
            current = best.get(alias.owner)
            # On a tie, the match using more of the question's words wins: they are all name.
            better = current is None or (score, len(windows.words[row])) > (
                current.score,
                len(current.words),
            )
            if better and self._every_word_present(
                alias, windows.cores[row], min(WORD_COUNTERPART, threshold)
            ):
                best[alias.owner] = NameMatch(alias.named, score, frozenset(windows.words[row]))
        return list(best.values())

    @staticmethod
    def _every_word_present(alias: _Alias[T], window_core: str, similar: float) -> bool:
        """Each distinctive word of the alias has a close counterpart among the window's."""
        found = window_core.split()
        return all(
            any(fuzz.ratio(word, other) >= similar for other in found)
            for word in alias.core.split()
        )

    def _drop_overlapping(self, matches: list[NameMatch[T]]) -> list[NameMatch[T]]:
        """When two programs' matches rest on the same distinctive word, keep the better one."""
        kept: list[NameMatch[T]] = []
        for match in matches:
            if all(not {w for w in match.words & k.words if not self.generic(w)} for k in kept):
                kept.append(match)
        return kept

    def _core(self, words: Sequence[str]) -> str:
        return " ".join(w for w in words if not self.generic(w))

    def generic(self, word: str) -> bool:
        """A generic word, allowing one typo in longer ones ("clinik", "univercity")."""
        known = self._generic_cache.get(word)
        if known is None:
            known = word in self._generic_words or (
                len(word) >= GENERIC_TYPO_CHARS
                and any(Levenshtein.distance(word, g) <= 1 for g in self._long_generic)
            )
            if len(self._generic_cache) >= GENERIC_CACHE_SIZE:
                self._generic_cache.clear()
            self._generic_cache[word] = known
        return known
