"""The dense search of large knowledge bases: exact below its size threshold, two stages above
that still find the exact best entry and score exactly what words, names and places surface."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from embeddings.grouped import EXACT_UP_TO, NO_ROWS, GroupedIndex
from embeddings.index import VectorIndex, normalize
from knowledge.answer import evidence
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.evidence import Retriever

DIM = 64
ROWS = 24_000  # above what the tests' two-stage index keeps exact (10 000)
GROUPS = 2_000  # ~12 rows a group, as the knowledge base's entries have passages


def _base(seed: int, rows: int = ROWS) -> tuple[VectorIndex, np.ndarray]:
    """Random unit rows in shuffled groups (some groups left without rows)."""
    rng = np.random.default_rng(seed)
    owners = rng.integers(0, GROUPS - 5, rows)  # the last five groups have no rows
    return VectorIndex(rng.standard_normal((rows, DIM), dtype=np.float32)), owners


def _query_near(index: VectorIndex, row: int, cosine: float, seed: int) -> np.ndarray:
    """A unit query with the given cosine to one row (every other row is random to it)."""
    rng = np.random.default_rng(seed)
    target = index.matrix[row]
    other = rng.standard_normal(DIM).astype(np.float32)
    other -= (other @ target) * target
    return np.asarray(cosine * target + np.sqrt(1 - cosine**2) * normalize(other)[0])


@pytest.fixture(scope="module")
def base() -> tuple[VectorIndex, np.ndarray, GroupedIndex]:
    index, owners = _base(7)
    return index, owners, GroupedIndex(index, owners, GROUPS, exact_up_to=10_000)


def test_a_small_index_is_scored_exactly_whatever_is_surfaced() -> None:
    index, owners = _base(1, EXACT_UP_TO)
    grouped = GroupedIndex(index, owners, GROUPS)
    assert not grouped.approximate
    assert GroupedIndex(*_base(1, EXACT_UP_TO + 1), GROUPS).approximate
    query = np.random.default_rng(2).standard_normal(DIM)
    exact = grouped.exact(query)
    np.testing.assert_array_equal(grouped.best(query, np.array([3, 4])), exact)
    np.testing.assert_array_equal(grouped.best(query), exact)


def test_two_stages_find_the_exact_best_group(base: tuple[VectorIndex, np.ndarray, GroupedIndex]):
    index, owners, grouped = base
    assert grouped.approximate
    rng = np.random.default_rng(3)
    for trial, row in enumerate(rng.choice(ROWS, 40, replace=False)):
        query = _query_near(index, int(row), float(rng.uniform(0.5, 0.95)), trial)
        exact, best = grouped.exact(query), grouped.best(query)
        assert int(np.argmax(best)) == int(np.argmax(exact)) == owners[row]
        assert best.max() == pytest.approx(exact.max(), abs=1e-5)


def test_groups_not_scored_exactly_get_a_lower_bound(
    base: tuple[VectorIndex, np.ndarray, GroupedIndex],
) -> None:
    index, _, grouped = base
    query = _query_near(index, 11, 0.7, 0)
    exact, best = grouped.exact(query), grouped.best(query)
    assert np.all(best <= exact + 1e-5)
    assert np.all(best[-5:] == NO_ROWS)  # groups without rows
    shortlisted = np.argsort(-best)[: grouped.shortlist]
    np.testing.assert_allclose(best[shortlisted], exact[shortlisted], atol=1e-5)


def test_surfaced_groups_are_scored_exactly(
    base: tuple[VectorIndex, np.ndarray, GroupedIndex],
) -> None:
    index, _, grouped = base
    rng = np.random.default_rng(4)
    query = _query_near(index, 5, 0.8, 1)
    surfaced = rng.choice(GROUPS, 50, replace=False)
    exact, best = grouped.exact(query), grouped.best(query, surfaced)
    np.testing.assert_allclose(best[surfaced], exact[surfaced], atol=1e-5)
    # Without being surfaced, most of them are far from the query and not scored exactly.
    assert np.sum(np.abs(grouped.best(query)[surfaced] - exact[surfaced]) > 1e-5) > 25


def test_the_exact_twin_scores_every_row(base: tuple[VectorIndex, np.ndarray, GroupedIndex]):
    index, _, grouped = base
    query = _query_near(index, 9, 0.6, 2)
    np.testing.assert_array_equal(grouped.exactly().best(query), grouped.exact(query))
    assert grouped.approximate  # the twin shares the arrays, not the switch


def _approximate(retriever: Retriever) -> Retriever:
    """The retriever with the smallest two stages: one candidate row, one shortlisted entry."""
    twin = copy.copy(retriever)
    twin.passages = GroupedIndex(
        retriever.index,
        retriever.owners,
        len(retriever.entries),
        exact_up_to=0,
        candidate_rows=1,
        shortlist=1,
    )
    return twin


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("cleaveland clinik and johns hopkins", ["cleveland-clinic", "johns-hopkins"]),
        ("externships in FL", ["university-of-miami", "fiu"]),
        (
            "which program focuses on research",  # focus tags
            ["ucla", "johns-hopkins", "mount-sinai", "university-of-miami", "northwestern"],
        ),
    ],
)
def test_names_places_and_focus_are_always_scored_exactly(
    fake_engine: AnswerEngine,
    monkeypatch: pytest.MonkeyPatch,
    question: str,
    expected: list[str],
) -> None:
    monkeypatch.setattr(evidence, "SURFACED_BY_WORDS", 0)  # what words surface is tested below
    rows = {e.id: i for i, e in enumerate(fake_engine.entries)}
    _assert_exact_for(fake_engine, question, [rows[i] for i in expected])


def test_the_best_entries_by_words_are_always_scored_exactly(fake_engine: AnswerEngine) -> None:
    question = "is there any tuition fee or scholarship"
    retriever = fake_engine.retriever
    lexical = retriever.bm25.scores(retriever.lexicon.tokenizer.content_terms(question))
    best = [int(r) for r in np.argsort(-lexical)[:5] if lexical[r] > 0]
    assert best
    _assert_exact_for(fake_engine, question, best)


def _assert_exact_for(engine: AnswerEngine, question: str, wanted: list[int]) -> None:
    """With the smallest two stages, the `wanted` entries still get their exact cosine."""
    vector = engine.encoder.encode([question])[0]
    approximate = _approximate(engine.retriever)
    dense = approximate.gather(question, vector, engine.thresholds.weights).dense
    truth = engine.retriever.passages.exact(vector)
    np.testing.assert_allclose(dense[wanted], truth[wanted], atol=1e-5)
    assert np.sum(np.abs(dense - truth) > 1e-5) > 0  # others are approximate


def test_small_knowledge_bases_answer_as_the_exact_twin(fake_engine: AnswerEngine) -> None:
    assert not fake_engine.retriever.passages.approximate
    twin = fake_engine.exactly()
    for question in ("how much does it cost", "cleveland clinic visa", "externships in Boston"):
        assert fake_engine.answer(question) == twin.answer(question)
