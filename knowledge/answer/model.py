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
    UNKNOWN = "unknown"  # nothing confident: suggestions only
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
class Answer:
    question: str
    mode: Mode
    results: tuple[Result, ...] = ()
    note: str = ""
    places: tuple[Place, ...] = ()

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
        rest = [r.entry for r in self.results[1:2] if isinstance(r.entry, Faq)]
        return rest[0] if self.mode is Mode.PROGRAM and rest else None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "mode": str(self.mode),
            "results": [
                {"kind": r.kind, "id": r.id, "title": r.title, "score": round(r.score, 4)}
                for r in self.results
            ],
        }
