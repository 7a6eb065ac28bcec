"""Okapi BM25 over stemmed content terms: the lexical half of hybrid retrieval, and a baseline."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class BM25:
    def __init__(
        self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.k1, self.b = k1, b
        self._tf = [Counter(doc) for doc in documents]
        self._len = np.array([len(doc) for doc in documents], dtype=np.float32)
        self._avg = float(self._len.mean()) if len(documents) else 0.0
        df = Counter(term for doc in self._tf for term in doc)
        n = len(documents)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.idf)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self._tf), dtype=np.float32)
        if not self._avg:
            return out
        norm = self.k1 * (1 - self.b + self.b * self._len / self._avg)
        for term in set(terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            tf = np.array([doc.get(term, 0) for doc in self._tf], dtype=np.float32)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out
