"""Linear classifiers over sentence vectors (and words): how likely a new text is to carry each
label.

Nearest-neighbour scoring judges a question by the one phrasing closest to it; a linear model
fitted on all phrasings learns which directions of the space tell the labels apart, and carries
over better to wordings no phrasing anticipated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer
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


class TextClassifier:
    """Logistic regression over a text's sentence vector and its word n-grams (tf-idf).

    The vector carries meaning; the n-grams carry the wording that marks a kind of question
    ("your program", "ERAS token") which a small sentence model blurs. Classes are weighted by
    their size, so a label with few examples is not drowned by a large one.
    """

    def __init__(
        self, texts: Sequence[str], vectors: np.ndarray, labels: np.ndarray, strength: float
    ) -> None:
        self.labels = np.unique(labels)
        # Words and word pairs seen at least twice: a word of one example says nothing general.
        # (The project's own tokenizer, stemmed or not, did no better here than scikit-learn's.)
        self._words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self._words.fit(texts)
        self._model = LogisticRegression(C=strength, max_iter=5000, class_weight="balanced")
        self._model.fit(self._features(texts, vectors), labels)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """One row per text: the probability of each label, in the order of `labels`."""
        probs: np.ndarray = self._model.predict_proba(self._features(texts, vectors))
        return probs.astype(np.float32)

    def _features(self, texts: Sequence[str], vectors: np.ndarray) -> sparse.csr_matrix:
        return sparse.hstack(
            [sparse.csr_matrix(normalize(vectors)), self._words.transform(texts)]
        ).tocsr()
