"""Okapi BM25 over stemmed content terms: the lexical half of hybrid retrieval, and a baseline.
Also the typo lookup that tells a misspelt known word from an unknown one."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import scipy.sparse  # type: ignore[import-untyped]
from rapidfuzz.distance import Levenshtein


class BM25:
    """Every document's BM25 weight for every term it holds, precomputed into a sparse
    term-document matrix (CSC: one column per term), so scoring a query sums a few columns.

    The weights are computed with the same float32 operations, in the same order, as the
    term-at-a-time formula `idf * tf * (k1 + 1) / (tf + norm)`, and the columns are added in the
    order of `set(terms)`: the scores equal that formula's bit for bit."""

    def __init__(
        self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.k1, self.b = k1, b
        every = list(chain.from_iterable(documents))
        self._columns = {t: c for c, t in enumerate(dict.fromkeys(every))}
        terms = np.fromiter(map(self._columns.__getitem__, every), np.int64, len(every))
        n = len(documents)
        lengths = [len(doc) for doc in documents]
        self._len = np.array(lengths, dtype=np.float32)
        self._avg = float(self._len.mean()) if n else 0.0
        rows = np.repeat(np.arange(n), lengths)
        counts = scipy.sparse.coo_array(
            (np.ones(len(terms), dtype=np.float32), (rows, terms)),
            shape=(n, len(self._columns)),
        ).tocsc()
        counts.sum_duplicates()  # each (document, term) once, holding the term's frequency
        self._indptr: np.ndarray = counts.indptr
        self._rows: np.ndarray = counts.indices
        df = np.diff(self._indptr).tolist()
        self.idf = {
            t: math.log(1 + (n - df[c] + 0.5) / (df[c] + 0.5)) for t, c in self._columns.items()
        }
        self._weights = self._bm25_weights(counts.data, df)

    def _bm25_weights(self, tf: np.ndarray, df: list[int]) -> np.ndarray:
        if not self._avg:
            return np.zeros_like(tf)
        norm = self.k1 * (1 - self.b + self.b * self._len / self._avg)
        idf = np.array(list(self.idf.values()), dtype=np.float32)  # in column order
        per_entry_idf = np.repeat(idf, df)
        weights: np.ndarray = per_entry_idf * tf * np.float32(self.k1 + 1) / (tf + norm[self._rows])
        return weights

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._columns)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self._len), dtype=np.float32)
        if not self._avg:
            return out
        for term in set(terms):
            column = self._columns.get(term)
            if column is None:
                continue
            start, end = self._indptr[column], self._indptr[column + 1]
            out[self._rows[start:end]] += self._weights[start:end]
        return out


class NearWords:
    """Whether a word is a known word or a typo of one: within as many edits (Levenshtein
    distance) as its length allows, found without comparing it with every known word. Two words
    within k edits of each other share a string that at most k deletions make from each
    (symmetric deletion), so the candidates come from dictionary lookups and are then checked.

    A word of at least `min_chars[k - 1]` characters is allowed k edits; the known words are
    indexed only with as many deletions as some allowed word could need: none for a known word
    shorter than `min_chars[k - 1] - k`, and a word exactly that long is reached by deleting from
    the asked word alone (k edits from k more characters can only be k insertions)."""

    def __init__(self, words: Iterable[str], min_chars: Sequence[int]) -> None:
        self._min_chars = tuple(min_chars)
        # Deletion variant -> the known word it comes from (a list when several): most variants
        # have one, and a string costs far less than a list per variant.
        self._by_deletion: dict[str, str | list[str]] = {}
        index = self._by_deletion
        for word in dict.fromkeys(words):
            reach = enumerate(self._min_chars, 1)
            depth = max((k for k, chars in reach if len(word) + k > chars), default=0)
            for variant in _deletions(word, depth):
                found = index.setdefault(variant, word)
                if found is word:
                    continue
                if isinstance(found, str):
                    index[variant] = [found, word]
                else:
                    found.append(word)

    def allowed(self, word: str) -> int:
        """The edits a word of this length is allowed."""
        return sum(len(word) >= chars for chars in self._min_chars)

    def near(self, word: str) -> bool:
        """Some known word is within the edits `word` is allowed (zero: the word itself)."""
        edits = self.allowed(word)
        for variant in _deletions(word, edits):
            found = self._by_deletion.get(variant, ())
            for known in (found,) if isinstance(found, str) else found:
                if Levenshtein.distance(word, known, score_cutoff=edits) <= edits:
                    return True
        return False


def _deletions(word: str, depth: int) -> set[str]:
    """The word and every string made from it by deleting up to `depth` characters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found
