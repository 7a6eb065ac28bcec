"""Institutions a question names that are none of ours: said plainly, never another's card."""

import pytest

from knowledge.answer.institutions import other_institution
from knowledge.answer.model import Mode
from knowledge.answer.vocabulary import Lexicon
from knowledge.present.formats import TEXT
from knowledge.present.replies import Presenter
from knowledge.schema import Program

KNOWN = {"medicine", "medical", "clinic", "cleveland", "observership"}


@pytest.fixture(scope="module")
def lexicon(kb):
    return Lexicon.compile(kb.vocabulary)


def named(lexicon, text):
    generic = lexicon.institution_words | lexicon.institution_qualifiers
    distinctive = lambda word: word not in generic and word not in KNOWN  # noqa: E731
    return other_institution(
        text,
        lexicon.tokenizer.tokens(text),
        lexicon.institution_words,
        distinctive,
        strange=lambda word: distinctive(word) and word != "privat",  # a typo of "private"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "How do I arrange an elective at Baylor College of Medicine?",
            "Baylor College of Medicine",
        ),
        ("electives at Emory University School of Medicine", "Emory University School of Medicine"),
        ("Does Mayo Clinic provide housing?", "Mayo Clinic"),
        ("Yale: does Yale New Haven Hospital take IMGs", "Yale New Haven Hospital"),
        # A description, not a name: qualifiers, words we know, or no capitals.
        ("Will the observership be in a Teaching Hospital?", None),
        ("Is there an observership at Cleveland Clinic?", None),
        ("observership at a community hospital near baylor", None),
        ("Which University offers observerships?", None),
        # Lowercase, as typed on a phone: quoted as written, since it may be an abbreviation.
        ("mayo clinic observership", '"mayo clinic"'),
        ("externship at nyu hospital", '"nyu hospital"'),
        ("observership at a privat hospital", None),  # a typo of a word we know
        ("Should I go for the X hospital?", None),  # a letter stands for any name
        ("observership at a community hospital", None),
    ],
)
def test_a_capitalised_name_around_an_institution_word(lexicon, text, name):
    assert named(lexicon, text) == name


def test_the_question_is_answered_in_general_and_the_institution_named(fake_engine, kb):
    answer = fake_engine.answer("How do I arrange an elective at Baylor College of Medicine?")
    assert answer.note.startswith("Baylor College of Medicine is not one of the 10 programs")
    assert answer.results and not any(isinstance(r.entry, Program) for r in answer.results)
    assert answer.mode in (Mode.FAQ, Mode.UNKNOWN)
    reply = Presenter(kb, TEXT).reply(answer)
    assert reply.text.startswith("Baylor College of Medicine is not one of")


def test_a_program_we_cover_still_gets_its_card(fake_engine):
    answer = fake_engine.answer("Is there an observership at the Cleveland Clinic?")
    assert answer.mode is Mode.PROGRAM and answer.results[0].id == "cleveland-clinic"
    assert not answer.note


def test_a_lowercase_name_is_said_plainly_too(fake_engine):
    answer = fake_engine.answer("does mayo clinic take imgs for observership")
    assert answer.note.startswith('"mayo clinic" is not one of the 10 programs')
    assert not any(isinstance(r.entry, Program) for r in answer.results)
