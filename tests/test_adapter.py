"""The linear adapter over sentence vectors, and the ranker the engine builds with it."""

import dataclasses

import numpy as np
import pytest

from embeddings.adapter import LinearAdapter
from embeddings.cache import EmbeddingCache
from knowledge.answer.engine import AnswerEngine, Thresholds
from knowledge.answer.model import Answer, Mode, Result
from tests.fakes import FakeEncoder

# Two entries whose passages lie along the first two axes; their real questions are worded
# along two other axes, where no passage is: the raw vectors cannot tell which answers them.
TARGETS = np.array([[1, 0.1, 0, 0], [1, 0, 0.05, 0], [0.1, 1, 0, 0], [0, 1, 0, 0.05]], np.float32)
GROUPS = np.array([0, 0, 1, 1])
QUESTIONS = np.array([[0, 0, 1, 0.1], [0.1, 0, 1, 0], [0, 0.1, 0, 1], [0, 0, 0.1, 1]], np.float32)
QUESTION_GROUPS = np.array([0, 0, 1, 1])


def _fitted(epochs=60, seed=0):
    return LinearAdapter.fitted(
        TARGETS, GROUPS, QUESTIONS, QUESTION_GROUPS, epochs=epochs, rate=0.05, seed=seed
    )


def _nearest_group(adapter, question):
    scores = adapter.apply(TARGETS) @ adapter.apply(question[None, :])[0]
    return int(GROUPS[np.argmax(scores)])


def test_a_question_moves_toward_the_entry_that_answers_it():
    adapter = _fitted()
    assert [_nearest_group(adapter, q) for q in QUESTIONS] == [0, 0, 1, 1]
    # A wording it never saw, along the same axis, follows.
    assert _nearest_group(adapter, np.array([0.05, 0.05, 0.9, 0.2], np.float32)) == 0


def test_without_passes_it_is_the_identity_up_to_length():
    adapter = _fitted(epochs=0)
    raw = TARGETS / np.linalg.norm(TARGETS, axis=1, keepdims=True)
    assert np.allclose(adapter.apply(TARGETS), raw, atol=1e-6)
    assert adapter.apply(np.zeros((0, 4), np.float32)).shape == (0, 4)


def test_the_same_examples_and_seed_give_the_same_map():
    assert np.array_equal(_fitted(seed=3).weights, _fitted(seed=3).weights)
    mapped = _fitted().apply(QUESTIONS)
    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def engine(kb):
    return AnswerEngine(kb, FakeEncoder())


def test_the_engine_ranks_with_a_ranker_only_when_asked_questions_are_labelled(kb, engine):
    assert engine.ranker is not None and engine.ranker.adapter is not None
    assert engine.ranker.ranker is None  # a ranker has no ranker of its own
    assert AnswerEngine(kb, FakeEncoder(), thresholds=Thresholds(adapter_epochs=0)).ranker is None
    unlabelled = [a.model_copy(update={"expect": ()}) for a in kb.asked]
    bare = AnswerEngine(dataclasses.replace(kb, asked=tuple(unlabelled)), FakeEncoder())
    assert bare.ranker is None


QUESTIONS_ASKED = [
    "what's a good laptop for school",
    "how do I register for the NRMP match and rank list",
    "how much does an externship cost",
    "can I do an observership after graduating",
    "Cleveland Clinic",
    "letters of recommendation from an observership",
]


def test_the_engine_decides_whether_to_answer_and_the_ranker_what(kb, engine):
    mine = engine.answer_many(QUESTIONS_ASKED)
    decided = engine.alone().answer_many(QUESTIONS_ASKED)
    ranked = engine.ranker.answer_many(QUESTIONS_ASKED)
    beyond = kb.meta.roles.beyond_scope
    for m, d, r in zip(mine, decided, ranked, strict=True):
        # Never answers what the engine alone declines, unless it only hesitated between
        # entries of ours.
        torn = d.mode is Mode.CHOICES and beyond not in [x.id for x in d.results]
        assert m == (r if r.answered and (d.answered or torn) else d)
    assert not mine[0].answered and not mine[1].answered


def test_the_ranker_breaks_a_tie_between_our_entries_never_one_with_the_residency_stage(kb, engine):
    cost, timing, beyond = (kb.get(i) for i in ("cost", "timing", kb.meta.roles.beyond_scope))
    q = "a question"
    torn = Answer(q, Mode.CHOICES, (Result(cost, 0.6), Result(timing, 0.6)))
    ranked = Answer(q, Mode.FAQ, (Result(timing, 0.7), Result(cost, 0.5)))
    assert engine._shown(torn, ranked) is ranked
    torn_out = Answer(q, Mode.CHOICES, (Result(cost, 0.6), Result(beyond, 0.6)))
    assert engine._shown(torn_out, ranked) is torn_out
    for declined in (Answer(q, Mode.OFF_TOPIC), Answer(q, Mode.UNKNOWN, torn.results)):
        assert engine._shown(declined, ranked) is declined
    assert engine._shown(torn, Answer(q, Mode.CHOICES, torn.results)) is torn


def test_measuring_unseen_refits_the_ranker_without_the_questions(kb, engine):
    labelled = [a.q for a in kb.asked if a.expect][:40]
    unseen = engine.without_examples(labelled)
    assert unseen.ranker is not None and unseen.ranker is not engine.ranker
    assert not np.array_equal(unseen.ranker.adapter.weights, engine.ranker.adapter.weights)
    learned_from = {a.q for a in unseen.ranker.kb.asked}
    assert not learned_from & set(labelled)
    assert engine.without_examples([]).ranker.kb.asked == kb.asked


def test_measuring_unseen_leaves_the_embedding_cache_whole(kb, tmp_path):
    # The ranker takes its engine's vectors: refitting it without some questions must not
    # embed anew, nor rewrite the cache without their vectors (the next start would re-encode).
    encoder = FakeEncoder()
    cache = EmbeddingCache(tmp_path, encoder.identity)
    engine = AnswerEngine(kb, encoder, cache)
    encoded = len(encoder.encoded)
    engine.without_examples([a.q for a in kb.asked if a.expect][:40])
    assert len(encoder.encoded) == encoded
    assert AnswerEngine(kb, encoder, cache).stats.encoded == 0
