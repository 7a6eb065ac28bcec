"""Normalisation that matching rests on: the light stemmer, visa classes, definition, how- and
worth questions, and what the sentence model reads."""

import pytest

from knowledge.answer.reading import Reading
from knowledge.answer.text import stem
from knowledge.answer.vocabulary import Lexicon


@pytest.fixture(scope="module")
def lexicon(kb):
    return Lexicon.compile(kb.vocabulary)


@pytest.mark.parametrize(
    "forms",
    [
        ["graduate", "graduated", "graduating", "graduates"],
        ["observe", "observed", "observing", "observes"],
        ["vaccine", "vaccines"],
        ["guarantee", "guaranteed", "guarantees"],
        ["rotation", "rotations"],
    ],
)
def test_the_forms_of_a_word_share_one_stem(forms):
    assert len({stem(w) for w in forms}) == 1


@pytest.mark.parametrize(("a", "b"), [("care", "car"), ("internee", "intern"), ("free", "fee")])
def test_short_and_double_e_words_keep_their_e(a, b):
    assert stem(a) != stem(b)


def test_a_visa_class_is_one_word(lexicon):
    words = lexicon.tokenizer.words("J-1 or H-1B, B-1/B-2 and F-1 but Step-1 and covid-19")
    assert words[:6] == ["j1", "or", "h1b", "b1", "b2", "and"]
    assert "f1" in words and words[-4:] == ["1", "and", "covid", "19"]
    # The hyphen after the digit, as often typed; a pair of classes stays two words.
    assert lexicon.tokenizer.words("H1-B or B1-B2") == ["h1b", "or", "b1", "b2"]


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What is an observership?", "observership"),
        ("so, what exactly is a clinical observership and how do I get one", "observership"),
        ("whats usce", "usce"),
        ("what's an observership", "observership"),
        ("what externship is best for a graduate", None),
        ("What are externships in the US?", "externship"),
        ("what is an away rotation", "rotation"),  # where it is held says not what it is
        ("what is the best observership", None),
        ("what is the cost of an externship", None),
        ("how do I find an observership", None),
        ("is an observership what I need", None),
    ],
)
def test_a_definition_question_names_the_term_it_asks_about(lexicon, question, term):
    terms = {stem(t): t for t in ("observership", "externship", "usce", "rotation")}
    assert lexicon.defined(lexicon.tokenizer.tokens(question), terms) == term


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("How do I get an observership?", "get"),
        ("how can a foreign doctor find U.S. clinical experience", "find"),
        ("and how can I arrange a clinical elective in the US?", "arrange"),
        ("how to get usce fast", "get"),
        ("how do I get a letter during my rotation", None),  # the object is the letter
        ("how do I get the best rotation", None),  # which rotation: choosing, not obtaining
        ("how do i find housing for my observership", None),
        ("what do I get from an observership", None),  # no how-question
    ],
)
def test_a_how_question_names_the_experience_it_asks_to_obtain(lexicon, question, verb):
    verbs = {stem(v): v for v in ("get", "find", "arrange")}
    assert lexicon.procedure(lexicon.tokenizer.tokens(question), verbs) == verb


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Should I do an away rotation?", "rotation"),
        ("so, should applicants take audition rotations", "audition"),
        ("Do I need USCE?", "usce"),
        ("do I need to do a clinical elective in the US", "elective"),
        ("Is an observership important for the match?", "observership"),
        ("are externships really worth it", "externship"),
        ("Why do medical students complete away rotations?", "rotation"),
        ("is it worth doing an externship after graduating", "externship"),
        ("how important are audition rotations", "audition"),  # the opener says it already
        ("why externships, really?", "externship"),
        ("who needs an observership", "observership"),
        ("what is the value of an observership", "observership"),
        ("what are the benefits of audition rotations", "audition"),
        ("why is an observership unpaid", None),  # why it is so, not whether it is worth it
        ("do I need a visa for an observership", None),  # the object is the visa
        ("do I need to pay for an observership", None),
        ("is an observership paid", None),  # no word of worth
        ("when should I do an away rotation", None),  # a question of its own before the opener
        ("should I have all my rotations done before ERAS opens", None),  # when, not whether
        ("what should I do on an observership", None),
    ],
)
def test_a_question_of_worth_names_the_experience_it_weighs(lexicon, question, term):
    terms = {stem(t): t for t in ("observership", "externship", "usce", "rotation", "elective")}
    terms[stem("audition")] = "audition"
    assert lexicon.valued(lexicon.tokenizer.tokens(question), terms) == term


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("Do you offer externships?", "offer"),
        ("does the hospital offer any clinical electives", "offer"),
        ("do you have clinical electives for IMGs?", "have"),
        ("Do you offer housing?", None),  # housing, not an experience
        ("do you have to do an observership", None),  # whether to do one
        ("does your program offer grants to visiting students", None),
        ("which hospitals offer observerships", None),  # no opener: where, not whether we do
    ],
)
def test_asking_whether_we_offer_an_experience_names_the_verb(lexicon, question, verb):
    verbs = {stem(v): v for v in ("offer", "have")}
    assert lexicon.offered(lexicon.tokenizer.tokens(question), verbs) == verb


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Are Away Rotations worth it?", "Are externships worth it?"),  # longest phrase first
        ("two aways, then an audition rotation", "two externships, then an externship"),
        # Whole words only: none of these is a US student's away rotation.
        ("I always rotate", "I always rotate"),
        ("key take-aways from giveaways", "key take-aways from giveaways"),
        ("I was away; rotation starts soon", "I was away; rotation starts soon"),
        ("a Sub-I or two sub-internships?", "a externship or two externships?"),
        ("a subinternship, or Sub-Is?", "a externship, or externships?"),
        ("a sub internship, an away-rotation", "a externship, an externship"),  # any spelling
        ("a sub-investigator's subject", "a sub-investigator's subject"),
    ],
)
def test_the_sentence_model_reads_the_entries_word_for_a_students_placement(kb, text, read):
    assert Reading.compile(kb.vocabulary.model_synonyms)(text) == read
