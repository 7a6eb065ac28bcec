"""The scope model: a classifier over vectors and wording, and what the engine makes of it."""

import dataclasses
import hashlib
import re

import numpy as np
import pytest
import yaml

from embeddings.classifier import TextClassifier
from knowledge.answer.engine import AnswerEngine, Thresholds
from knowledge.answer.model import Mode
from knowledge.answer.scope import ScopeExamples, ScopeModel
from knowledge.schema import Asked
from tests.conftest import EVAL_DIR
from tests.fakes import FakeEncoder

# Real-question sets never learned from, with their sizes: holdout20.yaml, committed sealed for a
# later round to score once, and holdout6.yaml to holdout19.yaml, scored and left out of
# asked.yaml (learning them cost, did not help, or is not yet tried).
SEALED = {
    "holdout6.yaml": 88,
    "holdout7.yaml": 86,
    "holdout8.yaml": 107,
    "holdout9.yaml": 90,
    "holdout10.yaml": 122,
    "holdout11.yaml": 117,
    "holdout12.yaml": 132,
    "holdout13.yaml": 87,
    "holdout14.yaml": 123,
    "holdout15.yaml": 137,
    "holdout16.yaml": 100,
    "holdout17.yaml": 92,
    "holdout18.yaml": 86,
    "holdout19.yaml": 219,
    "holdout20.yaml": 202,
}


def test_the_wording_tells_apart_what_the_vectors_do_not():
    # Every vector the same: only the word pairs "your program" and "an observership" differ.
    texts = [f"does your program take {w}" for w in ("me", "imgs", "graduates", "us")] + [
        f"does an observership take {w}" for w in ("me", "imgs", "graduates", "us")
    ]
    vectors = np.ones((8, 4), dtype=np.float32)
    model = TextClassifier(texts, vectors, np.array([1] * 4 + [0] * 4), strength=8.0)
    probs = model.probabilities(
        ["is your program open to visitors", "is an observership open to visitors"],
        np.ones((2, 4), dtype=np.float32),
    )
    assert list(model.labels) == [0, 1]
    assert probs[0, 1] > 0.5 > probs[1, 1]


def _examples(texts, labels):
    return ScopeExamples(tuple(texts), np.eye(len(texts), 8, dtype=np.float32), tuple(labels))


def test_examples_are_left_out_whatever_their_case_and_spacing():
    examples = _examples(["Do you  sponsor visas?", "what is USCE"], ["beyond_scope", "in_scope"])
    kept = examples.without(["do you sponsor VISAS?"])
    assert kept.texts == ("what is USCE",) and kept.labels == ("in_scope",)
    assert kept.vectors.shape == (1, 8) and kept.vectors[0, 1] == 1.0


def test_no_model_without_an_example_of_every_scope():
    two_scopes = _examples(["a b", "c d", "a c"], ["in_scope", "off_topic", "in_scope"])
    assert ScopeModel.fitted(two_scopes, 8.0) is None


# A kind of question no FAQ phrasing or off-topic example is like: retreats for doctors.
RETREATS = [
    "yoga retreat for doctors in bali",
    "is the doctors yoga retreat worth the price",
    "how long is a yoga retreat for physicians",
    "yoga retreat dates for medical staff",
    "best yoga retreat for a tired doctor",
    "yoga retreat for me and other doctors",
]
QUESTION = "yoga retreat for a doctor like me"


def _engine(kb, examples):
    asked = tuple(Asked(q=q, scope="beyond_scope", source="https://example.org") for q in examples)
    return AnswerEngine(dataclasses.replace(kb, asked=asked), FakeEncoder())


@pytest.fixture(scope="module")
def retreats(kb):
    """The fake engine with retreats among the residency stage's examples (a stand-in for the
    real kind: the words are what the fake encoder and the model can learn from)."""
    return _engine(kb, RETREATS)


def test_a_question_like_the_asked_beyond_scope_examples_gets_the_scope_note(kb, retreats):
    answer = retreats.answer(QUESTION)
    assert answer.mode is Mode.BEYOND_SCOPE and not answer.answered
    assert _engine(kb, ["which laptop to buy"]).answer(QUESTION).mode is not Mode.BEYOND_SCOPE


def test_a_named_program_keeps_the_question_ours(retreats):
    answer = retreats.answer("yoga retreat for a doctor at the Cleveland Clinic")
    assert answer.mode is Mode.PROGRAM and answer.results[0].id == "cleveland-clinic"


def test_the_same_engine_without_some_examples_has_not_seen_them(retreats):
    unseen = retreats.without_examples([r.upper() for r in RETREATS])
    assert retreats.answer(QUESTION).mode is Mode.BEYOND_SCOPE
    assert unseen.answer(QUESTION).mode is not Mode.BEYOND_SCOPE
    assert set(RETREATS) <= set(retreats.retriever.scope.examples.texts)
    assert not set(RETREATS) & set(unseen.retriever.scope.examples.texts)


def test_no_scope_model_without_its_floor(kb):
    engine = AnswerEngine(kb, FakeEncoder(), thresholds=Thresholds(in_scope_floor=0.0))
    assert engine.retriever.scope is None
    assert engine.answer("how long is an observership").answered


def _key(text: str) -> str:
    return hashlib.sha256(re.sub(r"\W+", " ", text.casefold()).strip().encode()).hexdigest()


@pytest.mark.parametrize(("name", "size"), SEALED.items())
def test_a_sealed_set_is_never_learned_from(kb, name, size):
    # Compared by hash of the folded words: the sealed questions are never printed.
    path = EVAL_DIR / "real" / name
    # Only counts and positions reach an assertion: pytest prints what a failing one compared.
    keys = [_key(case["q"]) for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]
    learned = {_key(a.q) for a in kb.asked}
    count = len(keys)
    assert count == size
    assert not [i for i, key in enumerate(keys) if key in learned]


@pytest.mark.parametrize("labels", [[0, 1, 2] * 8, [0, 1] * 12])
def test_one_question_at_a_time_gets_scikit_learns_own_probabilities(labels):
    rng = np.random.default_rng(3)
    words = "your program visa observership housing letters match step cost fee".split()
    texts = [" ".join(rng.choice(words, 4)) for _ in labels]
    vectors = rng.normal(size=(len(labels), 6)).astype(np.float32)
    model = TextClassifier(texts, vectors, np.array(labels), strength=8.0)
    asked = ["your program fee fee", "observership and housing", "nothing known here"]
    near = rng.normal(size=(3, 6)).astype(np.float32)
    expected = model._model.predict_proba(model._features(asked, near))
    assert np.allclose(model.probabilities(asked, near), expected, atol=1e-5)
