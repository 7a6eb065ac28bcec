"""The sparse BM25, the typo index and the retriever's precomputed reductions give exactly what
the straightforward implementations they replaced gave (kept here as references)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from embeddings.grouped import GroupMax
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.evidence import ONE_TYPO_CHARS, TWO_TYPOS_CHARS
from knowledge.answer.lexical import BM25, NearWords
from knowledge.schema import Program


class ReferenceBM25:
    """The term-at-a-time BM25 the sparse one replaced, verbatim."""

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


TERMS = [f"t{i}" for i in range(12)]
documents = st.lists(st.lists(st.sampled_from(TERMS), max_size=15), max_size=40)
queries = st.lists(st.sampled_from([*TERMS, "unseen"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(documents, queries)
def test_bm25_equals_the_reference_bit_for_bit(docs: list[list[str]], query: list[str]) -> None:
    np.testing.assert_array_equal(BM25(docs).scores(query), ReferenceBM25(docs).scores(query))


# k1 = 0 or b = 1 with an empty document make the reference divide 0 by 0 (NaN); the defaults
# (1.2, 0.75) are far from both.
@settings(max_examples=200, deadline=None)
@given(
    documents,
    queries,
    st.floats(0.05, 3.0),
    st.floats(0.0, 0.95),
)
def test_bm25_equals_the_reference_for_any_parameters(
    docs: list[list[str]], query: list[str], k1: float, b: float
) -> None:
    ours, reference = BM25(docs, k1, b), ReferenceBM25(docs, k1, b)
    np.testing.assert_array_equal(ours.scores(query), reference.scores(query))
    assert ours.idf == reference.idf
    assert ours.vocabulary == frozenset(reference.idf)


def test_bm25_of_a_large_random_corpus() -> None:
    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(3_000)]
    weights = 1 / np.arange(1, len(vocabulary) + 1)
    picks = rng.choice(len(vocabulary), size=(2_000, 60), p=weights / weights.sum())
    docs = [[vocabulary[i] for i in row[: rng.integers(1, 60)]] for row in picks]
    ours, reference = BM25(docs), ReferenceBM25(docs)
    for _ in range(50):
        query = [vocabulary[i] for i in rng.integers(0, 200, size=rng.integers(1, 8))]
        np.testing.assert_array_equal(ours.scores(query), reference.scores(query))


def test_bm25_without_documents_or_words() -> None:
    assert BM25([]).scores(["visa"]).shape == (0,)
    np.testing.assert_array_equal(BM25([[], []]).scores(["visa"]), np.zeros(2, np.float32))


def reference_near(vocabulary: list[str], word: str) -> bool:
    """The old check: one edit allowed from ONE_TYPO_CHARS letters, two from TWO_TYPOS_CHARS."""
    allowed = (len(word) >= ONE_TYPO_CHARS) + (len(word) >= TWO_TYPOS_CHARS)
    return bool(allowed) and bool(
        process.extractOne(word, vocabulary, scorer=Levenshtein.distance, score_cutoff=allowed)
    )


# Few letters, so that words one or two edits apart are common.
words = st.text(alphabet="abc", min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=40), st.lists(words, min_size=1, max_size=20))
def test_near_words_equal_a_scan_of_the_vocabulary(vocabulary: list[str], asked: list[str]) -> None:
    near = NearWords(vocabulary, (ONE_TYPO_CHARS, TWO_TYPOS_CHARS))
    for word in asked:
        expected = word in vocabulary or reference_near(sorted(set(vocabulary)), word)
        assert (word in vocabulary or near.near(word)) == expected, word


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 9), max_size=60),
    st.integers(0, 3),
    st.integers(0, 2**32 - 1),
)
def test_segment_max_equals_maximum_at(owners: list[int], spare: int, seed: int) -> None:
    entries = max(owners, default=-1) + 1 + spare  # some entries may have no passage
    scores = np.random.default_rng(seed).uniform(-1.2, 1.2, len(owners)).astype(np.float32)
    expected = np.full(entries, -1.0, dtype=np.float32)
    np.maximum.at(expected, np.array(owners, dtype=np.int64), scores)
    np.testing.assert_array_equal(GroupMax(np.array(owners), entries)(scores), expected)


def test_retriever_agrees_with_the_old_loops(fake_engine: AnswerEngine) -> None:
    """Focus bonus and typo tolerance over the real knowledge base, against the old code."""
    retriever = fake_engine.retriever
    tags = sorted({t for p in fake_engine.kb.programs for t in p.focus} | {"no such tag"})
    for size in (1, 2):
        for focus in map(set, combinations(tags, size)):
            expected = np.zeros(len(retriever.entries), dtype=np.float32)
            for i, entry in enumerate(retriever.entries):
                if isinstance(entry, Program):
                    expected[i] = 0.1 * len(focus & set(entry.focus))
            np.testing.assert_array_equal(retriever._focus_bonus(focus, True, 0.1), expected)
            assert not retriever._focus_bonus(focus, False, 0.1).any()
    vocabulary = sorted(retriever.vocabulary)
    rng = np.random.default_rng(3)
    for word in vocabulary[::3]:
        for typo in _typos(word, rng):
            expected = typo in retriever.vocabulary or typo.isdigit()
            expected = expected or reference_near(vocabulary, typo)
            assert retriever.known(typo) == expected, typo


def _typos(word: str, rng: np.random.Generator) -> list[str]:
    """The word with one and with two random edits (delete, insert, substitute)."""
    out, current = [], word
    for _ in range(2):
        i = int(rng.integers(0, len(current) + 1))
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(26))]
        edit = int(rng.integers(3))
        if edit == 0 and i < len(current):
            current = current[:i] + current[i + 1 :]
        elif edit == 1:
            current = current[:i] + letter + current[i:]
        else:
            current = current[:i] + letter + current[i + 1 :]
        out.append(current)
    return out
