"""Grouping texts by meaning: one pass over normalised vectors, each joining the nearest group
centroid close enough. A pure function over arrays."""

from __future__ import annotations

import numpy as np

from embeddings.index import normalize


def group_similar(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Rows in groups, in the given order (put the most important rows first: each group is led
    by its first row). A row joins the group whose centroid it is closest to, if that cosine is
    at least `threshold`, else it starts a new group. Centroids rather than leaders: a third
    rewording may be far from the first but close to what the first two share."""
    matrix = normalize(vectors)
    sums = np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0), dtype=np.float32)
    groups: list[list[int]] = []
    for row, vector in enumerate(matrix):
        if groups:
            scores = normalize(sums) @ vector
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                groups[best].append(row)
                sums[best] += vector
                continue
        groups.append([row])
        sums = np.vstack([sums, vector])
    return groups
