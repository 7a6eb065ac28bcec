"""Linear classifiers over sentence vectors (and words): how likely a new text is to carry each
label.

Nearest-neighbour scoring judges a question by the one phrasing closest to it; a linear model
fitted on all phrasings learns which directions of the space tell the labels apart, and carries
over better to wordings no phrasing anticipated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from scipy.special import softmax  # type: ignore[import-untyped]
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
        # For answering one question at a time, the fitted weights split once: scikit-learn's
        # own tf-idf transform and sparse stacking cost about 0.7 ms a question, most of the
        # model's time (same probabilities: tests/test_scope.py).
        dims = vectors.shape[1]
        self._vector_weights = self._model.coef_[:, :dims].T
        self._word_weights = self._model.coef_[:, dims:].T
        self._analyze = self._words.build_analyzer()
        self._column = self._words.vocabulary_

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """One row per text: the probability of each label, in the order of `labels`."""
        scores = normalize(vectors) @ self._vector_weights + self._model.intercept_
        for row, text in enumerate(texts):
            counts = Counter(t for t in self._analyze(text) if t in self._column)
            if counts:
                columns = np.array([self._column[t] for t in counts])
                # Sublinear tf times idf, unit length: TfidfVectorizer's own weighting.
                weights = (1 + np.log(np.array(list(counts.values()), dtype=np.float64))) * (
                    self._words.idf_[columns]
                )
                scores[row] += (weights / np.linalg.norm(weights)) @ self._word_weights[columns]
        if scores.shape[1] == 1:  # two labels: one score, the second label's log-odds
            scores = np.hstack([-scores / 2, scores / 2])
        probs: np.ndarray = softmax(scores, axis=1).astype(np.float32)
        return probs

    def _features(self, texts: Sequence[str], vectors: np.ndarray) -> sparse.csr_matrix:
        return sparse.hstack(
            [sparse.csr_matrix(normalize(vectors)), self._words.transform(texts)]
        ).tocsr()
