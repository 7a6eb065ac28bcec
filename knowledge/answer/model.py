"""What the engine returns: an Answer with its mode and ranked results, best first."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from knowledge.answer.places import Place
from knowledge.schema import Entry, Faq, Program


class Mode(StrEnum):
    PROGRAM = "program"  # one program card (maybe with a related FAQ after it)
    FAQ = "faq"  # one FAQ answer
    LIST = "list"  # several programs (named together, or sharing a place or focus)
    CHOICES = "choices"  # a near tie: not answered, the candidates offered as choices
    UNKNOWN = "unknown"  # in scope, but nothing confident: suggestions only
    BEYOND_SCOPE = "beyond_scope"  # the residency stage itself: where to ask instead
    OFF_TOPIC = "off_topic"  # not about clinical experience or medicine: a polite decline
    OTHER_LANGUAGE = "other_language"  # not in English, which is all we read: ask again
    SMALL_TALK = "small_talk"
    EMPTY = "empty"


ANSWERED = frozenset({Mode.PROGRAM, Mode.FAQ, Mode.LIST})


@dataclass(frozen=True)
class Result:
    entry: Entry
    score: float

    @property
    def kind(self) -> str:
        return self.entry.entry_kind

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.entry.title


@dataclass(frozen=True)
class Context:
    """What the conversation was last about, so that "how long is it?" can be answered."""

    program: str | None = None  # the program last shown
    topic: str | None = None  # the FAQ last answered
    programs: tuple[str, ...] = ()  # the programs last listed ("which one is cheaper?")


@dataclass(frozen=True)
class Answer:
    question: str
    mode: Mode
    results: tuple[Result, ...] = ()
    note: str = ""
    places: tuple[Place, ...] = ()
    # Kinds of fact asked about a program ("fee", "visa"), answered from its pages first.
    aspects: tuple[str, ...] = ()
    small_talk: str = ""  # for SMALL_TALK: greeting, thanks, farewell or help
    asked: int = 1  # for FAQ: how many topics the message asked, answered in order
    resolved: bool = False  # the program came from the conversation, not the question
    by_role: bool = False  # the first entry is the one a role named (what the question asks)

    def context(self, previous: Context | None = None) -> Context:
        """The conversation's context after this answer."""
        previous = previous or Context()
        top = self.top
        if self.mode is Mode.PROGRAM and isinstance(top, Program):
            topic = self.follow_up.id if self.follow_up else previous.topic
            return Context(top.id, topic, previous.programs)
        if self.mode is Mode.LIST:
            return Context(None, previous.topic, tuple(p.id for p in self.programs))
        if self.mode is Mode.FAQ and isinstance(top, Faq):
            return Context(previous.program, top.id, previous.programs)
        return previous

    @property
    def answered(self) -> bool:
        return self.mode in ANSWERED

    @property
    def top(self) -> Entry | None:
        """The best result's entry, if any."""
        return self.results[0].entry if self.results else None

    @property
    def programs(self) -> list[Program]:
        return [r.entry for r in self.results if isinstance(r.entry, Program)]

    @property
    def follow_up(self) -> Faq | None:
        """For a program card: the FAQ on the topic the question also asked about."""
        rest = self.topics
        return rest[0] if self.mode in (Mode.PROGRAM, Mode.LIST) and rest else None

    @property
    def topics(self) -> list[Faq]:
        """The FAQ entries among the results, in order: every topic a question asked."""
        return [r.entry for r in self.results if isinstance(r.entry, Faq)]

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "mode": str(self.mode),
            **({"aspects": list(self.aspects)} if self.aspects else {}),
            **({"note": self.note} if self.note else {}),
            "results": [
                {"kind": r.kind, "id": r.id, "title": r.title, "score": round(r.score, 4)}
                for r in self.results
            ],
        }
