"""US places in questions: states (names and postal codes), major cities and their nicknames.

The gazetteer comes from places.yaml. Program locations are matched with the same gazetteer, so a
program is "in" a place only because its own `location` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.answer.text import Token, Tokenizer
from knowledge.schema import Places

POSTAL_CODE_CHARS = 2


@dataclass(frozen=True)
class Place:
    """A place named in text: a city (with its state) or a whole state."""

    state: str
    state_name: str
    city: str | None = None

    @property
    def words(self) -> list[str]:
        return (self.city or self.state_name).split()

    @property
    def label(self) -> str:
        state = self.state_name.title()
        return f"{self.city.title()}, {state}" if self.city else state


class Gazetteer:
    """Finds places in tokenised text: names by word sequences, postal codes by case and commas."""

    def __init__(self, places: Places, tokenizer: Tokenizer) -> None:
        self._states = dict(places.states)
        self._cities = dict(places.cities)
        self._by_name = {name: code for code, name in places.states.items()}
        # Place names as lowercase word sequences, longest first: "new york city" before "new york".
        names = {*self._cities, *self._by_name}
        self._names = sorted(((tuple(n.split()), n) for n in names), key=lambda p: -len(p[1]))
        self._cased = [
            ([t.raw for t in tokenizer.tokens(form)], form.rstrip("."), city)
            for form, city in places.cased_forms.items()
        ]
        self._ambiguous = frozenset(places.ambiguous_codes)
        self._groups = [frozenset(g) for g in places.same_city]
        self.names = frozenset(names)
        # Every word of a place name or code, so the rest of a question can be judged without them.
        self.words = frozenset(
            {w for words, _ in self._names for w in words}
            | {code.lower() for code in self._states}
            | {"".join(raws).lower() for raws, _, _ in self._cased}
        )

    def find(self, text: str, tokens: Sequence[Token]) -> list[Place]:
        """Places named in `text` (tokenised as `tokens`), in order, without repeats."""
        found = sorted(
            [*self._cased_forms(text, tokens), *self._named(tokens), *self._codes(tokens)],
            key=lambda pair: pair[0],
        )
        places: list[Place] = []
        for _, place in found:
            if place not in places:
                places.append(place)
        return _drop_covered(places)

    def place(self, name: str) -> Place:
        """The place a city or state name (or postal code) stands for."""
        if name in self._cities:
            code = self._cities[name]
            return Place(code, self._states[code], name)
        code = self._by_name.get(name, name.upper())
        return Place(code, self._states[code])

    def contains(self, location: Place, wanted: Place) -> bool:
        """Whether a program at `location` is in the place a user asked for."""
        if wanted.state != location.state:
            return False
        if wanted.city is None or location.city is None:
            # A whole-state program (Intermountain, "Utah") serves a city in that state.
            return True
        a, b = wanted.city, location.city
        return a == b or any(a in g and b in g for g in self._groups)

    def _cased_forms(self, text: str, tokens: Sequence[Token]) -> list[tuple[int, Place]]:
        """Nicknames written as they usually are ("LA", "D.C."), never lowercase "la"."""
        out = []
        for raws, form, city in self._cased:
            for i in range(len(tokens) - len(raws) + 1):
                span = tokens[i : i + len(raws)]
                if [t.raw for t in span] == raws and text[span[0].start : span[-1].end] == form:
                    out.append((i, self.place(city)))
        return out

    def _named(self, tokens: Sequence[Token]) -> list[tuple[int, Place]]:
        """City and state names, the longest first at each position, never overlapping."""
        lowered = [t.lower for t in tokens]
        out, i = [], 0
        while i < len(lowered):
            for words, name in self._names:
                if tuple(lowered[i : i + len(words)]) == words:
                    out.append((i, self.place(name)))
                    i += len(words)
                    break
            else:
                i += 1
        return out

    def _codes(self, tokens: Sequence[Token]) -> list[tuple[int, Place]]:
        """Postal codes written as addresses write them: "NY", "Miami, FL", "Baltimore, MD".
        Codes that are also words or degrees ("or", "in", "MD") count only after a city."""
        out = []
        for i, t in enumerate(tokens):
            code = t.raw.upper()
            if len(t.raw) != POSTAL_CODE_CHARS or not t.raw.isalpha() or code not in self._states:
                continue
            last = i == len(tokens) - 1
            after_city = i > 0 and t.after_comma and tokens[i - 1].lower in self._cities
            if code in self._ambiguous:
                counts = after_city and (t.raw.isupper() or last)
            else:
                counts = t.raw.isupper() or (t.after_comma and last)
            if counts:
                out.append((i, self.place(code)))
        return out


def _drop_covered(places: list[Place]) -> list[Place]:
    """ "New York City, New York" names one place: a state already implied by a city goes."""
    cities = {p.state for p in places if p.city}
    return [p for p in places if p.city or p.state not in cities]
