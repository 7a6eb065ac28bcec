"""Institutions a question names that are none of ours ("an elective at Baylor College of
Medicine"): they must get a plain "we do not cover it", never the card of a program that only
reads alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from knowledge.answer.text import Token


def other_institution(
    text: str,
    tokens: Sequence[Token],
    nouns: frozenset[str],
    distinctive: Callable[[str], bool],
) -> str | None:
    """The first capitalised name built around an institution noun ("Mayo Clinic", "Baylor
    College of Medicine") with a distinctive word in it, as written; None when there is none.
    Capitals are what tell a name from a description here ("a teaching hospital")."""
    for i, token in enumerate(tokens):
        if token.word not in nouns or not _capital(token):
            continue
        start = i
        while start > 0 and _capital(tokens[start - 1]) and not tokens[start - 1].stop:
            start -= 1
        end = i + 1
        while end < len(tokens):  # "University School of Medicine", "College of Medicine"
            if _capital(tokens[end]) and not tokens[end].stop:
                end += 1
            elif tokens[end].word == "of" and end + 1 < len(tokens) and _capital(tokens[end + 1]):
                end += 2
            else:
                break
        if any(distinctive(t.word) for t in tokens[start:end] if not t.stop):
            return text[tokens[start].start : tokens[end - 1].end]
    return None


def _capital(token: Token) -> bool:
    return token.raw[:1].isupper()
