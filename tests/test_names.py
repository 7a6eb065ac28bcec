"""The name matcher's alias shortlist (by word) gives exactly the matches of scoring every alias."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.answer.engine import AnswerEngine
from knowledge.answer.names import STRONG, NameMatcher

LOOSE = 60.0  # the browser's suggestion threshold (knowledge/answer/browse.py)
GENERIC = ("clinic", "university", "of", "hospital")

# Few letters, so that words a typo or two apart, and shared words, are common.
word = st.text(alphabet="abcde", min_size=1, max_size=7)
alias = st.lists(st.one_of(word, st.sampled_from(GENERIC)), min_size=1, max_size=4)


def _every_way(matcher: NameMatcher[Any], words: list[str]) -> None:
    every_alias = np.arange(len(matcher._aliases))
    for threshold in (STRONG, LOOSE):
        for partial in (False, True):
            shortlisted = matcher.match(words, threshold, partial=partial)
            scanned = matcher._match(words, threshold, partial, every_alias)
            assert shortlisted == scanned, (words, threshold, partial)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(alias, min_size=1, max_size=3), min_size=1, max_size=12),
    st.lists(st.lists(st.one_of(word, st.sampled_from(GENERIC)), max_size=8), max_size=5),
)
def test_the_shortlist_matches_what_scoring_every_alias_matches(
    names: list[list[list[str]]], questions: list[list[str]]
) -> None:
    matcher = NameMatcher(
        [(owner, [" ".join(a) for a in aliases]) for owner, aliases in enumerate(names)],
        str.split,
        GENERIC,
        protected=frozenset({"abc", "de"}),
    )
    some_alias = [w for aliases in names for a in aliases for w in a][:6]
    for words in [*questions, some_alias]:
        _every_way(matcher, words)


def test_the_shortlist_matches_every_alias_on_the_real_names(fake_engine: AnswerEngine) -> None:
    """Every program alias and name trap, typed with typos inside a question."""
    retriever = fake_engine.retriever
    words_of = retriever.lexicon.tokenizer.words
    rng = np.random.default_rng(5)
    for matcher in (retriever.names, retriever.traps):
        for a in matcher._aliases:
            for _ in range(3):
                letters = list(a.text)
                for _ in range(int(rng.integers(0, 3))):
                    letters[int(rng.integers(len(letters)))] = "xyzae"[int(rng.integers(5))]
                _every_way(matcher, words_of(f"tell me about {''.join(letters)} in miami"))
