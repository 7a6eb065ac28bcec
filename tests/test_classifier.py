"""The topic classifier: a linear model over vectors, and what the engine makes of it."""

import dataclasses

import numpy as np
import pytest

from embeddings.classifier import LinearClassifier
from knowledge.answer.engine import AnswerEngine, Thresholds
from knowledge.answer.model import Mode
from tests.fakes import FakeEncoder


def test_it_tells_apart_directions_no_single_example_is_closest_to():
    rng = np.random.default_rng(7)
    # Two labels along the first axis, each example noisy in the other 15 directions.
    a = np.hstack([np.full((20, 1), 1.0), rng.normal(0, 0.6, (20, 15))])
    b = np.hstack([np.full((20, 1), -1.0), rng.normal(0, 0.6, (20, 15))])
    labels = np.array([3] * 20 + [-1] * 20)
    model = LinearClassifier(np.vstack([a, b]), labels, strength=16.0)
    assert list(model.labels) == [-1, 3]
    probs = model.probabilities(np.array([[0.5] + [0.0] * 15, [-0.5] + [0.0] * 15]))
    assert probs.shape == (2, 2) and np.allclose(probs.sum(axis=1), 1.0)
    assert probs[0, 1] > 0.9 and probs[1, 0] > 0.9


NURSING = ["nursing jobs for foreign nurses", "how to become a registered nurse", "nurse salary"]


@pytest.fixture
def engines(kb):
    """The fake engine with and without off-topic examples about nursing jobs."""
    with_examples = AnswerEngine(dataclasses.replace(kb, off_topic=tuple(NURSING)), FakeEncoder())
    without = AnswerEngine(
        dataclasses.replace(kb, off_topic=("which laptop to buy",)), FakeEncoder()
    )
    return with_examples, without


def test_a_question_like_the_off_topic_examples_is_declined(engines):
    with_examples, without = engines
    question = "registered nurse jobs for nurses"  # "nursing" alone is another profession
    assert with_examples.answer(question).mode is Mode.OFF_TOPIC
    assert without.answer(question).mode is not Mode.OFF_TOPIC


def test_words_of_clinical_experience_keep_a_question_ours(engines):
    with_examples, _ = engines
    answer = with_examples.answer("observership for a registered nurse")
    assert answer.mode is not Mode.OFF_TOPIC


def test_without_weight_no_classifier_is_fitted(kb):
    assert AnswerEngine(kb, FakeEncoder()).retriever.topics is not None
    unweighted = AnswerEngine(kb, FakeEncoder(), thresholds=Thresholds(learned_weight=0.0))
    assert unweighted.retriever.topics is None


def test_below_the_cosine_threshold_only_a_clear_classifier_choice_is_shown(fake_engine):
    question = "how many weeks will my externship go on"
    strict = dataclasses.replace(fake_engine.thresholds, dense=0.99, dense_floor=0.0)
    sure = fake_engine.with_thresholds(dataclasses.replace(strict, learned_sure=0.0))
    unsure = fake_engine.with_thresholds(dataclasses.replace(strict, learned_sure=1.01))
    assert sure.answer(question).mode is Mode.FAQ
    assert unsure.answer(question).mode is Mode.UNKNOWN
