"""Telling a question in another language from English, by script and by short words."""

import pytest

from knowledge.answer.language import latin_share, other_language

OTHER = frozenset({"que", "para", "como", "und", "ist", "les"})
ENGLISH = frozenset({"the", "is", "a", "for", "and", "in", "do", "i"})


@pytest.mark.parametrize(
    ("text", "share"), [("abc", 1.0), ("", 1.0), ("ab ыы", 0.5), ("日本", 0.0), ("é ñ ü", 1.0)]
)
def test_the_latin_share_counts_letters_only(text, share):
    assert latin_share(text) == pytest.approx(share)


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("Что такое обсервершип?", True),  # another script
        ("観察研修とは何ですか", True),
        ("que para estágios", True),  # two of its own words, no English ones
        ("Was ist und wie lange", True),
        ("que es", False),  # one word is not enough
        ("como and para the visa is", False),  # as many English stopwords
        ("What is the USMLE for?", False),
        ("MGH Boston MA", False),  # no words of either
    ],
)
def test_another_language_by_script_or_by_its_own_short_words(text, other):
    assert other_language(text, OTHER, ENGLISH) is other
