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
    strange: Callable[[str], bool] | None = None,
) -> str | None:
    """The first name built around an institution noun ("Mayo Clinic", "Baylor College of
    Medicine") with a distinctive word in it, as written; None when there is none. Capitals
    are what tell a name from a description ("a teaching hospital"); written in lowercase,
    a name counts only when the words before its noun are `strange` ("mayo clinic": no word
    we know, nor a typo of one)."""
    for i, token in enumerate(tokens):
        if token.word not in nouns:
            continue
        if not capitalised(token):
            start = i
            while start > 0 and strange is not None and foreign(tokens[start - 1], strange):
                start -= 1
            if start < i:  # quoted: as written, it may be an abbreviation ("nyu hospital")
                return f'"{text[tokens[start].start : token.end]}"'
            continue
        start = i
        while start > 0 and capitalised(tokens[start - 1]) and not tokens[start - 1].stop:
            start -= 1
        end = i + 1
        while end < len(tokens):  # "University School of Medicine", "College of Medicine"
            if capitalised(tokens[end]) and not tokens[end].stop:
                end += 1
            elif (
                tokens[end].word == "of" and end + 1 < len(tokens) and capitalised(tokens[end + 1])
            ):
                end += 2
            else:
                break
        if any(distinctive(t.word) for t in tokens[start:end] if not t.stop):
            return text[tokens[start].start : tokens[end - 1].end]
    return None


def foreign(token: Token, strange: Callable[[str], bool]) -> bool:
    """A word that may name something we know nothing of: `strange`, no stopword, no initial."""
    # One or two letters stand for any name ("the X hospital"), not for one we could miss.
    return not token.stop and len(token.word) >= 3 and strange(token.word)


def capitalised(token: Token) -> bool:
    return token.raw[:1].isupper()
