"""Long messages often hold several questions: split them where a new question starts."""

from __future__ import annotations

import re
from collections.abc import Collection

MAX_PARTS = 4
MIN_PART_WORDS = 3  # shorter pieces are fragments ("thanks.", "Also,"), not questions

# A sentence and what ends it; and a joining word before a word that starts a new question
# ("how much does it cost AND do I need a visa").
_SENTENCE = re.compile(r"[^?!.]+(?:[?!.]+|$)")
_JOINED = re.compile(r"\s+(?:and|also|plus|&)\s+(?=(\w+))", re.IGNORECASE)


def split_parts(text: str, starts: Collection[str]) -> list[str]:
    """The questions inside `text`, in order; an empty list when it holds fewer than two.
    Statements around them ("I graduated in 2019.") are context, not questions."""
    questions: list[str] = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        asked = sentence.rstrip().endswith("?")
        for piece in _split_joined(sentence, starts):
            words = piece.strip(" ,;:-?!.").split()
            if len(words) >= MIN_PART_WORDS and (asked or words[0].lower() in starts):
                questions.append(" ".join(words))
    return questions[:MAX_PARTS] if len(questions) > 1 else []


def _split_joined(sentence: str, starts: Collection[str]) -> list[str]:
    pieces, begin = [], 0
    for m in _JOINED.finditer(sentence):
        if m.group(1).lower() in starts and len(sentence[begin : m.start()].split()) >= 2:
            pieces.append(sentence[begin : m.start()])
            begin = m.end()
    return [*pieces, sentence[begin:]]
