"""Each group's best cosine over its rows (an entry's over its passages): every row scored for a
small index; above EXACT_UP_TO rows, two stages that score exactly only the rows worth it."""

from __future__ import annotations

import copy

import numpy as np

from embeddings.index import VectorIndex, normalize, top_rows
from embeddings.quantized import QuantizedRows

# Up to this many rows every row is scored, and every score is exact. A full scan costs ~1 ms
# per 10 000 rows of 384 floats here (memory-bound), so below this the two stages (~3 ms for
# the first pass) would save nothing. The real knowledge base has ~550 passages; the bench's
# 10 000 entries ~117 000, its 100 000 entries ~1.17 million.
EXACT_UP_TO = 20_000
# Rows found by their compressed codes and then scored exactly. A cosine's estimate from the
# codes is off by ~0.04 (standard deviation, measured on random rows), so a row at a cosine of
# 0.45, where an answer starts, lands far inside the best 1 024 estimates even among 1.2 million
# random rows; scoring them exactly costs ~0.5 ms.
CANDIDATE_ROWS = 1_024
# Groups whose every row is then scored: the best by their candidate rows (~12 rows each, so
# ~1 500 rows, ~0.7 ms), exact even where a group's best row was not among the candidates.
SHORTLIST = 128
NO_ROWS = np.float32(-1.0)  # the best cosine of a group without rows, and the floor of all


class GroupMax:
    """The best score per group over its rows, -1 for a group without any: rows are put in group
    order once, so each call is one `np.maximum.reduceat` over contiguous runs."""

    def __init__(self, owners: np.ndarray, groups: int) -> None:
        owners = np.asarray(owners, dtype=np.int64)
        self.groups = groups
        order = np.argsort(owners, kind="stable")
        # None when the rows already come in group order (as the engine builds them).
        self.order = None if bool(np.all(order == np.arange(len(order)))) else order
        self.counts = np.bincount(owners, minlength=groups)  # rows per group
        self.firsts = np.cumsum(self.counts) - self.counts  # each group's first row, in order
        self.filled = np.flatnonzero(self.counts)  # the groups with rows

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        best = np.full(self.groups, NO_ROWS, dtype=np.float32)
        if len(self.filled):
            ordered = scores if self.order is None else scores[self.order]
            runs = np.maximum.reduceat(ordered, self.firsts[self.filled])
            best[self.filled] = np.maximum(runs, NO_ROWS)  # as np.maximum.at into -1s
        return best

    def rows_of(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of `groups` (each with rows), concatenated, and where each group's start."""
        counts = self.counts[groups]
        offsets = np.cumsum(counts) - counts
        positions = np.repeat(self.firsts[groups] - offsets, counts) + np.arange(counts.sum())
        return (positions if self.order is None else self.order[positions]), offsets


class GroupedIndex:
    """Each group's best cosine to a query over its rows (an entry's over its passages).

    Up to `exact_up_to` rows, every row is scored. Above, in two stages: a pass over compressed
    codes of every row (embeddings/quantized.py) finds the `candidate_rows` rows with the best
    estimates, which are scored exactly; then every row of the `shortlist` groups best by those,
    and of the groups the caller surfaces (by words, names, places), is scored. Those groups get
    their exact best; the others the best of their candidate rows, or -1 without any: a lower
    bound, so they can rank lower than they would exactly, never higher."""

    def __init__(
        self,
        index: VectorIndex,
        owners: np.ndarray,
        groups: int,
        *,
        exact_up_to: int = EXACT_UP_TO,
        candidate_rows: int = CANDIDATE_ROWS,
        shortlist: int = SHORTLIST,
    ) -> None:
        self.index = index
        self.groups = groups
        self.candidate_rows = candidate_rows
        self.shortlist = shortlist
        self.approximate = len(index) > exact_up_to
        self._owners = np.asarray(owners, dtype=np.int64)
        self._max = GroupMax(self._owners, groups)
        self._codes = QuantizedRows(index.matrix) if self.approximate else None

    def exactly(self) -> GroupedIndex:
        """The same index scoring every row at any size (shares its arrays), to measure recall."""
        twin = copy.copy(self)
        twin.approximate = False
        return twin

    def exact(self, query: np.ndarray) -> np.ndarray:
        """Every group's best cosine, every row scored."""
        best: np.ndarray = self._max(self.index.scores(query))
        return best

    def best(self, query: np.ndarray, surfaced: np.ndarray | None = None) -> np.ndarray:
        """Every group's best cosine: exact for a small index; above, exact for the shortlist
        and the `surfaced` groups, a lower bound for the rest."""
        if not self.approximate or self._codes is None:
            return self.exact(query)
        q = normalize(query)[0]
        matrix = self.index.matrix
        out = np.full(self.groups, NO_ROWS, dtype=np.float32)
        rows = self._codes.search(q, self.candidate_rows)
        np.maximum.at(out, self._owners[rows], matrix[rows] @ q)  # each group's best candidate
        chosen = self.candidates(out, surfaced)
        if len(chosen):
            rows, offsets = self._max.rows_of(chosen)
            out[chosen] = np.maximum(np.maximum.reduceat(matrix[rows] @ q, offsets), NO_ROWS)
        return out

    def candidates(self, found: np.ndarray, surfaced: np.ndarray | None) -> np.ndarray:
        """The groups to score exactly, ascending: the shortlist best by their candidate rows
        (`found`, -1 for a group without any), and those surfaced."""
        kept = top_rows(found, self.shortlist)
        kept = kept[found[kept] > NO_ROWS]
        if surfaced is not None and len(surfaced):
            kept = np.concatenate([kept, np.asarray(surfaced, dtype=np.int64)])
        chosen: np.ndarray = np.unique(kept)
        with_rows: np.ndarray = chosen[self._max.counts[chosen] > 0]
        return with_rows
