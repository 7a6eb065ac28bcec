"""A compressed copy of an index's rows for a fast first pass: product quantization (faiss).

Each row is cut into pieces of DIMS_PER_CODE floats and each piece stored as the nearest of 16
centroids (4 bits), so a 384-float row takes 24 bytes instead of 1 536, and faiss's fast-scan
kernels score a query against every code with SIMD table lookups: an estimate of each cosine,
good enough to find the rows worth scoring exactly, never used as a score itself.
"""

from __future__ import annotations

import numpy as np

DIMS_PER_CODE = 8  # floats per 4-bit code: 48 codes for 384-d vectors
CODE_BITS = 4  # 16 centroids per piece: what faiss's fast-scan kernels take
# Rows the centroids are trained on (a seeded sample): ~0.5 s to train, and well past the 39
# points per centroid faiss asks for.
TRAIN_ROWS = 65_536
ADD_CHUNK = 131_072  # rows coded at a time, so the padded copy of a chunk stays small
SEED = 0  # the training sample is drawn with it, so the same rows always give the same codes


class QuantizedRows:
    """Approximate inner-product search over fixed rows (at least 16 of them)."""

    def __init__(self, matrix: np.ndarray) -> None:
        import faiss  # imported only when an index is this large: it costs start-up time

        # A single query is scored on one thread anyway; OpenMP workers spinning after a search
        # would only take the core the encoder needs (see embeddings/threads.py).
        faiss.omp_set_num_threads(1)
        rows, dims = matrix.shape
        self._pad = -dims % DIMS_PER_CODE  # zeros appended change no inner product
        width = dims + self._pad
        self._index = faiss.IndexPQFastScan(
            width, width // DIMS_PER_CODE, CODE_BITS, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(SEED)
        sample = np.sort(rng.choice(rows, min(rows, TRAIN_ROWS), replace=False))
        self._index.train(self._padded(matrix[sample]))
        for start in range(0, rows, ADD_CHUNK):
            self._index.add(self._padded(matrix[start : start + ADD_CHUNK]))

    def _padded(self, rows: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        if not self._pad:
            return rows
        return np.pad(rows, ((0, 0), (0, self._pad)))

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        """The rows of (about) the k largest inner products with `query`, best estimate first."""
        _, found = self._index.search(self._padded(query.reshape(1, -1)), k)
        rows: np.ndarray = found[0]
        return rows[rows >= 0]
