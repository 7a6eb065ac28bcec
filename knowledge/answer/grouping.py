"""Questions grouped by what they ask, with the engine's own model: for the maintainers' /stats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embeddings.encoder import Encoder
from embeddings.groups import group_similar

# all-MiniLM-L6-v2 puts rewordings of one question at about 0.75 and above, and different
# questions on one topic ("visa for an externship" / "visa for residency") around 0.6.
SAME_QUESTION = 0.72


@dataclass(frozen=True)
class QuestionGroup:
    text: str  # the most asked wording
    count: int  # times asked, all wordings together
    wordings: int  # distinct wordings in the group


def group_questions(
    encoder: Encoder, asked: Sequence[tuple[str, int]], threshold: float = SAME_QUESTION
) -> list[QuestionGroup]:
    """(text, times asked) pairs, most asked first, grouped by meaning; most asked group first."""
    if not asked:
        return []
    vectors = encoder.encode([text for text, _ in asked])
    groups = [
        QuestionGroup(asked[rows[0]][0], sum(asked[r][1] for r in rows), len(rows))
        for rows in group_similar(vectors, threshold)
    ]
    return sorted(groups, key=lambda g: -g.count)  # stable: ties keep the leaders' order
