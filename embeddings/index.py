"""A dense vector index: rows normalized once, scored by a dot product, top-k by partition."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Hit:
    row: int
    score: float


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32; all-zero rows stay zero instead of becoming NaN."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: np.ndarray = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return out


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The rows of the k best (finite) scores, best first, ties by row order: the first k of a
    stable descending sort (`np.argsort(-scores, kind="stable")[:k]`) without sorting every row."""
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k == n:
        return np.argsort(-scores, kind="stable")
    kth = -np.partition(-scores, k - 1)[k - 1]  # the k-th best score
    tied = np.flatnonzero(scores >= kth)  # every row as good, ties at the k-th included
    best: np.ndarray = tied[np.lexsort((tied, -scores[tied]))][:k]
    return best


def top_k(scores: np.ndarray, k: int) -> list[Hit]:
    """The k best scores, best first (ties by row order)."""
    return [Hit(int(row), float(scores[row])) for row in top_rows(scores, k)]


class VectorIndex:
    """Cosine search over a fixed set of vectors."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.matrix = normalize(vectors) if len(vectors) else np.zeros((0, 0), np.float32)

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to every row."""
        if not len(self):
            return np.zeros(0, dtype=np.float32)
        scores: np.ndarray = self.matrix @ normalize(query)[0]
        return scores

    def search(self, query: np.ndarray, k: int) -> list[Hit]:
        return top_k(self.scores(query), k)
