"""US places in questions: states (names and postal codes), major cities and their nicknames.

Program locations are matched with the same gazetteer, so a program is "in" a place only because
its own `location` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STATES = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california",
    "CO": "colorado", "CT": "connecticut", "DE": "delaware", "DC": "district of columbia",
    "FL": "florida", "GA": "georgia", "HI": "hawaii", "ID": "idaho", "IL": "illinois",
    "IN": "indiana", "IA": "iowa", "KS": "kansas", "KY": "kentucky", "LA": "louisiana",
    "ME": "maine", "MD": "maryland", "MA": "massachusetts", "MI": "michigan", "MN": "minnesota",
    "MS": "mississippi", "MO": "missouri", "MT": "montana", "NE": "nebraska", "NV": "nevada",
    "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york",
    "NC": "north carolina", "ND": "north dakota", "OH": "ohio", "OK": "oklahoma", "OR": "oregon",
    "PA": "pennsylvania", "RI": "rhode island", "SC": "south carolina", "SD": "south dakota",
    "TN": "tennessee", "TX": "texas", "UT": "utah", "VT": "vermont", "VA": "virginia",
    "WA": "washington", "WV": "west virginia", "WI": "wisconsin", "WY": "wyoming",
}  # fmt: skip

# Major cities (and common nicknames) with their state.
CITIES = {
    "new york city": "NY", "nyc": "NY", "manhattan": "NY", "brooklyn": "NY", "bronx": "NY",
    "queens": "NY", "los angeles": "CA", "san francisco": "CA", "sf": "CA", "san diego": "CA",
    "san jose": "CA", "sacramento": "CA", "chicago": "IL", "boston": "MA", "cambridge": "MA",
    "baltimore": "MD", "cleveland": "OH", "columbus": "OH", "cincinnati": "OH", "miami": "FL",
    "orlando": "FL", "tampa": "FL", "jacksonville": "FL", "fort lauderdale": "FL",
    "salt lake city": "UT", "slc": "UT", "houston": "TX", "dallas": "TX", "austin": "TX",
    "san antonio": "TX", "philadelphia": "PA", "philly": "PA", "pittsburgh": "PA",
    "detroit": "MI", "atlanta": "GA", "seattle": "WA", "phoenix": "AZ", "denver": "CO",
    "minneapolis": "MN", "rochester": "MN", "nashville": "TN", "new orleans": "LA",
    "st louis": "MO", "saint louis": "MO", "newark": "NJ", "washington dc": "DC",
    "las vegas": "NV", "portland": "OR", "charlotte": "NC", "durham": "NC",
    "new haven": "CT", "richmond": "VA", "milwaukee": "WI", "indianapolis": "IN",
}  # fmt: skip

# Nicknames that name a city only as they are usually written (never lowercase "la").
CASED_CITY_FORMS = {"LA": "los angeles", "L.A.": "los angeles", "D.C.": "washington dc"}
# Postal codes that are also common words or degrees: a place only after a comma ("Miami, FL").
AMBIGUOUS_CODES = frozenset(
    "IN OR ME OK HI MD DE OH PA CO AL MA ID LA MT MS GA SC ND NE VA WA".split()
)
_STATE_BY_NAME = {name: code for code, name in STATES.items()}
_NAMES = sorted({*CITIES, *_STATE_BY_NAME}, key=len, reverse=True)
_NAME_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in _NAMES) + r")\b")
_CODE_RE = re.compile(r"(,\s*)?\b([A-Za-z]{2})\b")


PLACE_NAMES = frozenset(_NAMES)
# Every word of a place name or code, so the rest of a question can be judged without them.
PLACE_WORDS = frozenset(
    {w for name in _NAMES for w in name.split()}
    | {code.lower() for code in STATES}
    | {re.sub(r"[^a-z]", "", form.lower()) for form in CASED_CITY_FORMS}
)


@dataclass(frozen=True)
class Place:
    """A place named in text: a city (with its state) or a whole state."""

    state: str
    city: str | None = None

    @property
    def words(self) -> list[str]:
        return (self.city or STATES[self.state]).split()

    @property
    def label(self) -> str:
        state = STATES[self.state].title()
        return f"{self.city.title()}, {state}" if self.city else state


def find_places(text: str) -> list[Place]:
    """Places named in `text`, in order of appearance, without repeats."""
    found: list[tuple[int, Place]] = []
    for form, city in CASED_CITY_FORMS.items():
        for m in re.finditer(r"(?<![A-Za-z])" + re.escape(form) + r"(?![A-Za-z])", text):
            found.append((m.start(), Place(CITIES[city], city)))
    lowered = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    spaced = re.sub(r"[^A-Za-z0-9,.]+", " ", text)
    for m in _NAME_RE.finditer(lowered):
        name = m.group(1)
        if name in CITIES:
            found.append((_offset(text, m.start(), lowered), Place(CITIES[name], name)))
        else:
            found.append((_offset(text, m.start(), lowered), Place(_STATE_BY_NAME[name])))
    for m in _CODE_RE.finditer(spaced):
        code = m.group(2)
        upper = code.upper()
        if upper not in STATES:
            continue
        after_comma = bool(m.group(1))
        if after_comma or (code.isupper() and upper not in AMBIGUOUS_CODES):
            found.append((m.start(2), Place(upper)))
    found.sort(key=lambda pair: pair[0])
    places: list[Place] = []
    for _, place in found:
        if place not in places:
            places.append(place)
    return _drop_covered(places)


def _offset(text: str, index: int, lowered: str) -> int:
    # Positions only order the places; the normalized text keeps the original word order.
    return int(index * len(text) / max(1, len(lowered)))


def _drop_covered(places: list[Place]) -> list[Place]:
    """ "New York City, New York" names one place: a state already implied by a city goes."""
    cities = {p.state for p in places if p.city}
    return [p for p in places if p.city or p.state not in cities]


def contains(location: Place, wanted: Place) -> bool:
    """Whether a program at `location` is in the place a user asked for."""
    if wanted.state != location.state:
        return False
    if wanted.city is None or location.city is None:
        # A whole-state program (Intermountain, "Utah") serves a city in that state.
        return True
    return _same_city(wanted.city, location.city)


def _same_city(a: str, b: str) -> bool:
    groups = ({"new york city", "nyc", "manhattan", "brooklyn", "bronx", "queens"},)
    return a == b or any(a in g and b in g for g in groups)
