"""A linear classifier over sentence vectors: how likely a new vector is to carry each label.

Nearest-neighbour scoring judges a question by the one phrasing closest to it; a linear model
fitted on all phrasings learns which directions of the space tell the labels apart, and carries
over better to wordings no phrasing anticipated.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from embeddings.index import normalize


class LinearClassifier:
    """Multinomial logistic regression on unit-length vectors; labels are small integers."""

    def __init__(self, vectors: np.ndarray, labels: np.ndarray, strength: float) -> None:
        # `strength` is the inverse of the L2 penalty: higher fits the phrasings more closely.
        self.labels = np.unique(labels)
        self._model = LogisticRegression(C=strength, max_iter=5000)
        self._model.fit(normalize(vectors), labels)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row per vector: the probability of each label, in the order of `labels`."""
        probs: np.ndarray = self._model.predict_proba(normalize(vectors)).astype(np.float32)
        return probs
