"""The shape of knowledge entries: strict models, so a typo in a YAML key is an error, not a gap."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar, Literal

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
Term = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$")]  # one lowercase word
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://[^\s<>\"]+$")]
# Where a question was read: some public pages people asked on are still served over http.
PageUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s<>\"]+$")]
# Which stage of an IMG's path a question is about: ours (clinical experience before residency),
# the residency stage itself, or neither.
ScopeLabel = Literal["in_scope", "beyond_scope", "off_topic"]

# Facts an offering may state, in the order cards show them, with their labels.
FACT_LABELS: dict[str, str] = {
    "duration": "Duration",
    "fee": "Fee",
    "lead_time": "When to apply",
    "visa": "Visa",
    "how_to_apply": "How to apply",
    "letters": "Letters",
    "other": "Also",
}
FactKey = Literal["duration", "fee", "lead_time", "visa", "how_to_apply", "letters", "other"]
# Who an offering is for, as the institution's page says.
Audience = Literal[
    "enrolled-students",
    "final-year-students",
    "graduates",
    "imgs-seeking-residency",
    "licensed-physicians",
]
OfferingKind = Literal[
    "observership", "elective", "clerkship", "exchange", "preceptorship", "placement", "other"
]
# What a program means for the bot's typical user, an IMG graduate seeking US residency.
VerdictLevel = Literal["open", "limited", "students-only", "excluded", "none-found"]
YearMonth = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]
# A year or academic year printed on a page ("2015", "2022-23"); YAML may read it as a number.
YearShown = Annotated[
    str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), Field(max_length=20)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """What an entry rests on: a page with its https address and the month it was read."""

    id: EntryId | None = None  # for programs: what their facts cite
    title: Text
    url: Url
    publisher: Literal["official", "official-mirror", "third-party", "article"] | None = None
    read: YearMonth
    shown: YearShown | None = None  # the year printed on the page; None when undated


class Fact(Strict):
    """One fact as a page states it, in our words, with the source it rests on."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    source: EntryId
    uncertain: bool = False  # third-party or conflicting: the text must say so
    # Fees only: the amount as read, its currency and the year the page shows.
    amount: float | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    year: YearShown | None = None


class Offering(Strict):
    """Something an institution's own pages describe: an observership, elective, exchange…"""

    name: Text
    kind: OfferingKind
    who: Text | None = None
    audience: list[Audience] = Field(default_factory=list)
    excludes: list[Audience] = Field(default_factory=list)
    hands_on: Literal["hands-on", "observe-only", "unknown"]
    url: Url | None  # the official page; None when only a third party describes it
    facts: dict[FactKey, Fact] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fee_fields_only_on_fees(self) -> Offering:
        for key, fact in self.facts.items():
            if key != "fee" and (fact.amount, fact.currency, fact.year) != (None, None, None):
                raise ValueError(f"fact {key!r}: amount, currency and year belong to a fee")
        return self


class Claims(Strict):
    """What the article says about a program: claims, shown as claims."""

    summary: Text
    benefits: list[Text] = Field(min_length=1)


class Contradiction(Strict):
    text: Text
    sources: list[EntryId] = Field(min_length=1)


class NameTrap(Strict):
    """Another institution users confuse with a program, said plainly when asked about."""

    name: Text
    aliases: list[Text] = Field(min_length=1)
    note: Text
    sources: list[EntryId] = Field(min_length=1)


class Program(Strict):
    entry_kind: ClassVar[str] = "program"
    id: EntryId
    name: Text
    short: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)]
    institution: Text
    aliases: list[Text] = Field(min_length=1)
    location: Text
    focus: list[Text] = Field(default_factory=list)
    verdict: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=90)]
    verdict_level: VerdictLevel
    article: Claims
    contradictions: list[Contradiction] = Field(default_factory=list)
    offerings: list[Offering] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    name_traps: list[NameTrap] = Field(default_factory=list)

    @field_validator("focus")
    @classmethod
    def _tags_are_words(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            _check_tag(tag)
        return tags

    @model_validator(mode="after")
    def _citations_resolve(self) -> Program:
        ids = [s.id for s in self.sources]
        if None in ids:
            raise ValueError("every program source needs an id for facts to cite")
        if len(set(ids)) != len(ids):
            raise ValueError("source ids must be unique within a program")
        cited = [
            *(f.source for o in self.offerings for f in o.facts.values()),
            *(ref for c in self.contradictions for ref in c.sources),
            *(ref for t in self.name_traps for ref in t.sources),
        ]
        missing = sorted({ref for ref in cited if ref not in ids})
        if missing:
            raise ValueError(f"cites unknown source(s): {', '.join(missing)}")
        return self

    @property
    def title(self) -> str:
        return self.name

    @property
    def excludes_typical_user(self) -> bool:
        """An IMG graduate seeking residency finds nothing here for them."""
        return self.verdict_level in ("students-only", "excluded", "none-found")

    @property
    def official_page(self) -> str | None:
        """The institution's page for its first offering, or its first official source."""
        pages = [o.url for o in self.offerings if o.url]
        if pages:
            return pages[0]
        official = [s.url for s in self.sources if s.publisher == "official"]
        return official[0] if official else None

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def facts(self) -> list[tuple[Offering, str, Fact]]:
        """Every known fact, offering by offering, in the cards' order of keys."""
        order = list(FACT_LABELS)
        return [(o, key, o.facts[key]) for o in self.offerings for key in order if key in o.facts]


class Faq(Strict):
    entry_kind: ClassVar[str] = "faq"
    id: EntryId
    question: Text
    short: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)]
    category: EntryId
    alternates: list[Text] = Field(min_length=4)
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=900)]
    related: list[EntryId] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    @property
    def title(self) -> str:
        return self.question


class Roles(Strict):
    """Entries that play a part in answers, by id; the loader checks each exists and its kind."""

    place_fallbacks: list[EntryId] = Field(min_length=1)  # FAQs when a place has no program
    card_followups: list[EntryId] = Field(min_length=1)  # FAQs worth asking about any program
    fact_faqs: dict[FactKey, EntryId]  # the FAQ explaining each kind of fact
    beyond_scope: EntryId  # the FAQ for questions about the residency stage
    # The FAQ that defines each term ("what is an observership?"), by the term as users type it.
    definitions: dict[Term, EntryId] = Field(default_factory=dict)
    # The FAQ saying how to obtain a kind of clinical experience, by the verb a how-question uses
    # ("how do I get an observership?", "how to find US clinical experience").
    procedures: dict[Term, EntryId] = Field(default_factory=dict)
    # The FAQ saying whether a kind of clinical experience is worth doing, by the term a question
    # of worth uses ("should I do an away rotation?", "do I need USCE?").
    values: dict[Term, EntryId] = Field(default_factory=dict)
    # The FAQ saying where a kind of clinical experience is found, by the verb a question asking
    # whether we offer one uses ("do you offer externships?": we are no host).
    offers: dict[Term, EntryId] = Field(default_factory=dict)


class Category(Strict):
    id: EntryId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)]


class Meta(Strict):
    """Facts about the knowledge base itself, shown by /about, and the roles of entries."""

    title: Text
    reviewed: date
    sources_read: YearMonth  # the month the cited pages were read
    disclaimer: Text
    report: Text
    about_sources: list[Text] = Field(min_length=1)  # what /about says the knowledge rests on
    categories: list[Category] = Field(min_length=1)  # the /faq menu; every FAQ has one
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
    choice_words: Words
    domain_words: Words
    experience_words: Words
    medical_words: Words
    residency_words: Words
    experience_phrases: list[Phrase]  # clinical experience in several words ("clinical experience")
    model_synonyms: dict[Phrase, Phrase]  # what the sentence model reads instead ("aways")
    residency_phrases: list[Phrase]  # a residency named as the one asked about: beyond scope
    residency_pairs: list[tuple[Words, Words]]  # a word of each, anywhere: the residency stage
    residency_unless: list[tuple[Words, Words]]  # a word of the first, none of the second
    other_fields: list[Phrase]  # other professions and stages: off topic without a trainee word
    other_readers: list[Phrase]  # other readers' needs: off topic without experience or trainee
    physician_trainee_words: Words  # mark a doctor trained abroad
    other_language_words: Words  # other languages' own short words: the question is not English
    reference_words: Words
    comparison_words: Words
    compared_things: Words
    aspect_words: dict[FactKey, Words]
    question_starts: Words
    filler_words: Words
    definition_openers: list[Phrase]  # "what is": a definition of the term that follows
    definition_modifiers: Words  # may stand between the opener and the term ("clinical")
    procedure_openers: Words  # "how": a question of how to obtain what its verb's object names
    procedure_objects: Words  # such objects beside the words of clinical experience
    value_openers: list[Phrase]  # "should I", "do I need": a question of the worth of what follows
    value_asks: list[Phrase]  # openers asking only with a word of worth after ("is", "why are")
    value_words: Words  # "worth", "important": what such an opener's question asks
    value_skips: Words  # may stand between a value opener and its term ("do", "students")
    offer_openers: list[Phrase]  # "do you", "does the program": asking whether a host offers
    offer_skips: Words  # may stand between an offer's verb and its term ("any")
    generic_name_words: Words
    institution_words: Words  # what an institution's name is built around
    institution_qualifiers: Words  # say what kind of institution, not which one
    focus: dict[str, FocusTag]

    @field_validator("focus")
    @classmethod
    def _tags_are_words(cls, tags: dict[str, FocusTag]) -> dict[str, FocusTag]:
        for tag in tags:
            _check_tag(tag)
        return tags

    @model_validator(mode="after")
    def _other_languages_not_english(self) -> Vocabulary:
        # A word both languages share ("do", "no", "a") would make English read as another.
        other = {w.casefold() for w in self.other_language_words}
        shared = sorted(other & {w.casefold() for w in self.stopwords})
        if shared:
            raise ValueError(f"other_language_words are English stopwords: {', '.join(shared)}")
        return self


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


class OffTopicFile(Strict):
    off_topic: list[Text] = Field(min_length=1)


class Asked(Strict):
    """A question someone asked on a public page, verbatim, labelled by scope and, when ours,
    by the entries a right answer may show first."""

    q: Text
    scope: ScopeLabel
    source: PageUrl
    expect: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _expect_only_in_scope(self) -> Asked:
        if self.expect and self.scope != "in_scope":
            raise ValueError("expect (the entries that answer it) is for in_scope questions only")
        return self


class AskedFile(Strict):
    asked: list[Asked] = Field(min_length=1)


def _check_tag(tag: str) -> None:
    if not re.fullmatch(r"[a-z]+( [a-z]+)*", tag):
        raise ValueError(f"focus tag {tag!r} must be lowercase words")
