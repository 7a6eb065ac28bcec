import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.index import VectorIndex, normalize, top_k, top_rows


def test_normalize_gives_unit_rows_and_keeps_zero_rows_zero():
    m = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert m.dtype == np.float32
    assert np.allclose(m[0], [0.6, 0.8])
    assert np.all(m[1] == 0)


@pytest.mark.parametrize("k", [1, 3, 10, 50])
def test_top_k_matches_a_full_sort(k):
    scores = np.random.default_rng(k).standard_normal(50).astype(np.float32)
    hits = top_k(scores, k)
    assert [h.row for h in hits] == list(np.argsort(-scores)[:k])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_top_k_edge_cases():
    assert top_k(np.array([0.5, 0.5, 0.1], dtype=np.float32), 2)[0].row == 0  # ties by row
    assert len(top_k(np.array([0.1], dtype=np.float32), 5)) == 1
    assert top_k(np.array([], dtype=np.float32), 3) == []


def test_search_scores_are_cosines_best_first():
    index = VectorIndex(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))
    hits = index.search(np.array([0.0, 5.0]), 2)
    assert [h.row for h in hits] == [1, 2]
    assert hits[0].score == pytest.approx(1.0)
    assert hits[1].score == pytest.approx(2**-0.5)


def test_empty_index_answers_nothing():
    assert VectorIndex(np.zeros((0, 4), np.float32)).search(np.ones(4), 3) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-3, 3), max_size=80), st.integers(0, 90))
def test_top_rows_is_the_head_of_a_stable_descending_sort(values: list[int], k: int) -> None:
    """Ties (many here) in row order, as `np.argsort(-scores, kind="stable")` puts them."""
    scores = np.array(values, dtype=np.float32) / 2
    expected = np.argsort(-scores, kind="stable")[:k]
    np.testing.assert_array_equal(top_rows(scores, k), expected)
