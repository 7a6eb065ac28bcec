"""The shape of knowledge entries: strict models, so a typo in a YAML key is an error, not a gap."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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
            if not re.fullmatch(r"[a-z]+( [a-z]+)*", tag):
                raise ValueError(f"focus tag {tag!r} must be lowercase words")
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


class Meta(Strict):
    """Facts about the knowledge base itself, shown by /about."""

    title: Text
    reviewed: date
    disclaimer: Text
    report: Text


Entry = Program | Faq


class ProgramsFile(Strict):
    programs: list[Program] = Field(min_length=1)


class FaqFile(Strict):
    faq: list[Faq] = Field(min_length=1)


class MetaFile(Strict):
    meta: Meta
