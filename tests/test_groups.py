"""Grouping questions by meaning: the pure function, and the /stats grouping over an encoder."""

import numpy as np

from embeddings.groups import group_similar
from knowledge.answer.grouping import QuestionGroup, group_questions


def unit(*xs: float) -> list[float]:
    v = np.array(xs, dtype=np.float32)
    return list(v / np.linalg.norm(v))


def test_rewordings_join_the_group_and_other_questions_lead_their_own() -> None:
    rows = np.array([unit(1, 0, 0), unit(0, 1, 0), unit(1, 0.1, 0), unit(0, 1, 0.2)])
    assert group_similar(rows, 0.9) == [[0, 2], [1, 3]]


def test_a_row_joins_by_the_groups_centroid_not_only_its_first_row() -> None:
    first, second, third = unit(1, 0, 0), unit(0.8, 0.6, 0), unit(0.7, 0.714, 0)
    assert float(np.dot(first, third)) < 0.75  # far from the first wording alone...
    assert group_similar(np.array([first, second, third]), 0.75) == [[0, 1, 2]]  # ...not the two
    assert group_similar(np.array([first, third]), 0.75) == [[0], [1]]


def test_nothing_to_group() -> None:
    assert group_similar(np.zeros((0, 3), dtype=np.float32), 0.5) == []


class Axes:
    """A fake encoder: each text is the unit vector of its first word's axis."""

    identity = "axes"
    words = ("visa", "fee", "laptop")

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.words)), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, self.words.index(text.split()[0])] = 1.0
        return out


def test_groups_count_every_wording_and_come_most_asked_first() -> None:
    asked = [("fee how much", 3), ("visa which", 2), ("visa needed?", 2), ("laptop", 1)]
    assert group_questions(Axes(), asked) == [
        QuestionGroup("visa which", 4, 2),
        QuestionGroup("fee how much", 3, 1),
        QuestionGroup("laptop", 1, 1),
    ]
    assert group_questions(Axes(), []) == []
