"""The shape of knowledge entries: strict models, so a typo in a YAML key is an error, not a gap."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
EntryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://[^\s<>\"]+$")]

# Keys for the optional facts, in the order cards show them, with their labels.
FACT_LABELS: dict[str, str] = {
    "specialties": "Specialties",
    "duration": "Duration",
    "cost": "Cost",
    "eligibility": "Eligibility",
    "visa": "Visa",
    "how_to_apply": "How to apply",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """What an entry rests on: a title, and its address when one is known."""

    title: Text
    url: Url | None = None


class Program(Strict):
    entry_kind: ClassVar[str] = "program"
    id: EntryId
    name: Text
    institution: Text
    aliases: list[Text] = Field(min_length=1)
    location: Text
    kind: Text
    focus: list[Text] = Field(min_length=1)
    summary: Text
    benefits: list[Text] = Field(min_length=1)
    specialties: Text | None = None
    duration: Text | None = None
    cost: Text | None = None
    eligibility: Text | None = None
    visa: Text | None = None
    how_to_apply: Text | None = None
    website: Url | None = None
    sources: list[Source] = Field(min_length=1)

    @field_validator("focus")
    @classmethod
    def _tags_are_words(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            _check_tag(tag)
        return tags

    @property
    def title(self) -> str:
        return self.name

    def facts(self) -> dict[str, str | None]:
        """Every optional fact by key, None where the knowledge base does not know it."""
        return {key: getattr(self, key) for key in FACT_LABELS}


class Faq(Strict):
    entry_kind: ClassVar[str] = "faq"
    id: EntryId
    question: Text
    alternates: list[Text] = Field(min_length=4)
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=900)]
    related: list[EntryId] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    @property
    def title(self) -> str:
        return self.question


class Roles(Strict):
    """Entries that play a part in answers, by id; the loader checks each exists and its kind."""

    more_programs: EntryId  # a FAQ: where to look when a place has none of our programs
    everywhere_program: EntryId  # a program not tied to one place
    card_followups: list[EntryId] = Field(min_length=1)  # FAQs worth asking about any program
    fact_faqs: dict[str, EntryId]  # fact key -> the FAQ explaining that fact

    @field_validator("fact_faqs")
    @classmethod
    def _known_facts(cls, mapping: dict[str, str]) -> dict[str, str]:
        unknown = set(mapping) - set(FACT_LABELS)
        if unknown:
            raise ValueError(f"unknown fact key(s): {', '.join(sorted(unknown))}")
        return mapping


class Meta(Strict):
    """Facts about the knowledge base itself, shown by /about, and the roles of entries."""

    title: Text
    reviewed: date
    disclaimer: Text
    report: Text
    roles: Roles


Words = Annotated[list[str], BeforeValidator(lambda v: v.split() if isinstance(v, str) else v)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]


class FocusTag(Strict):
    selective: bool  # picks programs out, rather than only nudging the ranking
    phrases: list[Phrase] = Field(min_length=1)


class Vocabulary(Strict):
    """Words the engine understands beyond the entries' own text (vocabulary.yaml)."""

    expansions: dict[str, Phrase]
    stopwords: Words
    program_words: Words
    program_nouns: Words
    link_words: Words
    domain_words: Words
    filler_words: Words
    generic_name_words: Words
    focus: dict[str, FocusTag]

    @field_validator("focus")
    @classmethod
    def _tags_are_words(cls, tags: dict[str, FocusTag]) -> dict[str, FocusTag]:
        for tag in tags:
            _check_tag(tag)
        return tags


StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Places(Strict):
    """The US places recognised in questions and program locations (places.yaml)."""

    states: dict[StateCode, Phrase] = Field(min_length=1)
    cities: dict[Phrase, StateCode]
    same_city: list[list[Phrase]] = Field(default_factory=list)
    cased_forms: dict[str, Phrase] = Field(default_factory=dict)
    ambiguous_codes: list[StateCode] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Places:
        for city, code in self.cities.items():
            if code not in self.states:
                raise ValueError(f"city {city!r} is in unknown state {code!r}")
        for form, city in self.cased_forms.items():
            if city not in self.cities:
                raise ValueError(f"cased form {form!r} names unknown city {city!r}")
        for group in self.same_city:
            missing = [c for c in group if c not in self.cities]
            if missing:
                raise ValueError(f"same_city names unknown cities: {', '.join(missing)}")
        return self


Entry = Program | Faq


class ProgramsFile(Strict):
    programs: list[Program] = Field(min_length=1)


class FaqFile(Strict):
    faq: list[Faq] = Field(min_length=1)


class MetaFile(Strict):
    meta: Meta


class VocabularyFile(Strict):
    vocabulary: Vocabulary


class PlacesFile(Strict):
    places: Places


def _check_tag(tag: str) -> None:
    if not re.fullmatch(r"[a-z]+( [a-z]+)*", tag):
        raise ValueError(f"focus tag {tag!r} must be lowercase words")
