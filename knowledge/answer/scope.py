"""The scope model: how likely a question is ours, about the residency stage, or off topic.

Word rules catch the plain cases ("how do I prepare for NRMP interviews?"); much of what people
ask out of scope is written in the words of our own topics ("Does your program accept IMGs?" on a
residency program's page, "How many LORs do I need?" for the Match). A classifier over the
sentence vector and the wording, fitted on real questions labelled by scope (asked.yaml) beside
our own phrasings, learns what tells them apart.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.classifier import TextClassifier
from knowledge.answer.text import folded
from knowledge.schema import ScopeLabel

LABELS: tuple[ScopeLabel, ...] = ("in_scope", "beyond_scope", "off_topic")


@dataclass(frozen=True)
class ScopeOdds:
    """Probabilities that a question is ours, about the residency stage, or neither."""

    in_scope: float
    beyond_scope: float
    off_topic: float

    @property
    def out_label(self) -> ScopeLabel:
        """Which way out of scope it leans."""
        return "beyond_scope" if self.beyond_scope >= self.off_topic else "off_topic"


@dataclass(frozen=True)
class ScopeExamples:
    """What the scope model learns from: texts, their vectors and their scopes."""

    texts: tuple[str, ...]
    vectors: np.ndarray
    labels: tuple[ScopeLabel, ...]

    def without(self, texts: Collection[str]) -> ScopeExamples:
        """These examples less the given texts (compared case- and space-insensitively): to
        measure a set of questions with a model that never saw them."""
        drop = {folded(t) for t in texts}
        keep = [i for i, t in enumerate(self.texts) if folded(t) not in drop]
        return ScopeExamples(
            tuple(self.texts[i] for i in keep),
            self.vectors[keep],
            tuple(self.labels[i] for i in keep),
        )


class ScopeModel:
    """A classifier of questions into the three scopes; made by `fitted`, which checks that
    the examples show all three (so its probability columns are LABELS, in order)."""

    def __init__(self, examples: ScopeExamples, strength: float) -> None:
        self.examples = examples
        self.strength = strength
        codes = np.array([LABELS.index(label) for label in examples.labels])
        self._classifier = TextClassifier(examples.texts, examples.vectors, codes, strength)

    @classmethod
    def fitted(cls, examples: ScopeExamples, strength: float) -> ScopeModel | None:
        """The model, or None when the examples do not show all three scopes."""
        return cls(examples, strength) if set(examples.labels) == set(LABELS) else None

    def odds(self, texts: Sequence[str], vectors: np.ndarray) -> list[ScopeOdds]:
        probs = self._classifier.probabilities(texts, vectors)
        return [ScopeOdds(*(float(p) for p in row)) for row in probs]

    def without(self, texts: Collection[str]) -> ScopeModel | None:
        """The same model refitted without the given texts among its examples."""
        return ScopeModel.fitted(self.examples.without(texts), self.strength)
