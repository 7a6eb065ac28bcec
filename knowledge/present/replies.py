"""One presenter per answer mode: the reply's text and its actions (buttons on Telegram, numbered
choices in the terminal), for every surface to render."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from knowledge.answer.model import Answer, Mode
from knowledge.loader import KnowledgeBase
from knowledge.present.cards import faq_card, join, program_card, program_details, program_line
from knowledge.present.formats import Format
from knowledge.schema import Entry, Faq, Program

GREETING = (
    "Hello! I answer questions about US externships and clinical experience for international "
    'medical graduates: ask about a program ("Johns Hopkins"), a place ("externships in '
    'Florida") or a topic ("do I need Step 1?").'
)
EMPTY = 'Please type your question in words, for example: "how do I apply?"'
UNSURE = "I'm not sure I have a good answer to that."
CHOOSE = "I'm not sure which of these you mean:"
BROWSE = "You can also browse all programs or FAQ topics."
EXAMPLES = (
    "How do I apply for an externship?",
    "Externships in Florida",
    "Johns Hopkins",
    "Do I need USMLE Step 1?",
)


class Act(StrEnum):
    PROGRAM = "program"  # a program's card; arg: its id
    FAQ = "faq"  # an FAQ answer; arg: its id
    WEBSITE = "website"  # arg: the address
    SIMILAR = "similar"  # programs similar to one; arg: its id
    DETAILS = "details"  # everything known about a program, in place of its card; arg: its id
    RELATED = "related"  # questions worth asking about a program; arg: its id
    PROGRAMS = "programs"  # the list of all programs
    TOPICS = "topics"  # the FAQ topics; arg: a category id, or "" for the categories
    EXAMPLE = "example"  # an example question; arg: its number in EXAMPLES


@dataclass(frozen=True)
class Action:
    act: Act
    label: str
    arg: str = ""


Row = tuple[Action, ...]


@dataclass(frozen=True)
class Reply:
    text: str
    rows: tuple[Row, ...] = ()

    @property
    def opens(self) -> list[Action]:
        """The actions that open an entry, in order."""
        return [a for row in self.rows for a in row if a.act in OPENS]


OPENS = frozenset({Act.PROGRAM, Act.FAQ, Act.DETAILS})


def open_entry(entry: Entry, label: str | None = None) -> Action:
    act = Act.PROGRAM if isinstance(entry, Program) else Act.FAQ
    return Action(act, label or entry.title, entry.id)


def browse_row() -> Row:
    return Action(Act.PROGRAMS, "📋 All programs"), Action(Act.TOPICS, "❓ FAQ topics")


def examples_rows() -> tuple[Row, ...]:
    return tuple((Action(Act.EXAMPLE, q, str(i)),) for i, q in enumerate(EXAMPLES))


def offer(entries: Iterable[Entry]) -> tuple[Row, ...]:
    """A row per entry, then the browse row."""
    return (*((open_entry(e),) for e in entries), browse_row())


class Presenter:
    """Turns answers and entries into replies in one format."""

    def __init__(self, kb: KnowledgeBase, f: Format) -> None:
        self.kb = kb
        self.f = f
        self._by_mode: dict[Mode, Callable[[Answer], Reply]] = {
            Mode.PROGRAM: self._program,
            Mode.FAQ: self._faq,
            Mode.LIST: self._list,
            Mode.CHOICES: self._unsure,
            Mode.UNKNOWN: self._unsure,
            Mode.SMALL_TALK: lambda _: Reply(self.f.text(GREETING), examples_rows()),
            Mode.EMPTY: lambda _: Reply(self.f.text(EMPTY), examples_rows()),
        }

    def reply(self, answer: Answer) -> Reply:
        """The whole reply to a question."""
        return self._by_mode[answer.mode](answer)

    def entry(self, entry: Entry) -> Reply:
        """An entry's card, opened from a button or a list."""
        if isinstance(entry, Program):
            return Reply(program_card(entry, self.f), self._program_rows(entry))
        return Reply(faq_card(entry, self.f), self._related_rows(entry))

    def topics(self, category: str = "") -> Reply:
        """The FAQ menu, two levels deep: the categories, then one category's questions."""
        kb = self.kb
        chosen = next((c for c in kb.meta.categories if c.id == category), None)
        if chosen is None:
            buttons = [Action(Act.TOPICS, c.title, c.id) for c in kb.meta.categories]
            rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
            return Reply(self.f.bold("Frequently asked questions: pick a topic"), rows)
        faqs = [open_entry(f, f.short) for f in kb.faqs if f.category == chosen.id]
        rows = tuple(tuple(faqs[i : i + 2]) for i in range(0, len(faqs), 2))
        back = (Action(Act.TOPICS, "◀ All topics"), Action(Act.PROGRAMS, "📋 All programs"))
        return Reply(self.f.bold(chosen.title), (*rows, back))

    def details(self, program: Program) -> Reply:
        """Everything known about a program, with the card's other buttons."""
        rows = tuple(
            tuple(a for a in row if a.act is not Act.DETAILS) for row in self._program_rows(program)
        )
        return Reply(program_details(program, self.f), tuple(r for r in rows if r))

    def _program(self, answer: Answer) -> Reply:
        program = answer.top
        if not isinstance(program, Program):
            return self._unsure(answer)
        text, rows = program_card(program, self.f), self._program_rows(program)
        follow_up = answer.follow_up
        if follow_up is not None:
            text += "\n\n" + self.f.italic("Related question: ") + self.f.text(follow_up.question)
            rows += ((open_entry(follow_up, f"❓ {follow_up.question}"),),)
        return Reply(text, rows)

    def _faq(self, answer: Answer) -> Reply:
        faq = answer.top
        if not isinstance(faq, Faq):
            return self._unsure(answer)
        rows = self._related_rows(faq)
        text = faq_card(faq, self.f)
        if rows:
            text += "\n\n" + self.f.italic("People also ask:")
        return Reply(text, rows)

    def _list(self, answer: Answer) -> Reply:
        programs = answer.programs
        where = ", ".join(p.label for p in answer.places)
        head = f"Programs in {where}:" if where else "These programs match your question:"
        lines = "\n".join(program_line(p, self.f) for p in programs)
        return Reply(join([self.f.bold(head), lines]), offer(programs))

    def _unsure(self, answer: Answer) -> Reply:
        if answer.mode is Mode.CHOICES:
            head = CHOOSE
        else:
            head = answer.note or UNSURE
            if answer.results:
                head += " These may help:"
        items = "\n".join(self.f.text(f"• {r.title}") for r in answer.results)
        text = join([self.f.text(head), items, self.f.text(BROWSE)])
        return Reply(text, offer(r.entry for r in answer.results))

    def _program_rows(self, program: Program) -> tuple[Row, ...]:
        rows: tuple[Row, ...] = ()
        first = [Action(Act.DETAILS, "📄 Details", program.id)]
        if program.official_page:
            first.insert(0, Action(Act.WEBSITE, "🌐 Official page", program.official_page))
        similar = Action(Act.SIMILAR, "Similar programs", program.id)
        ask = Action(Act.RELATED, "❓ Ask about it", program.id)
        return (*rows, tuple(first), (similar, ask))

    def _related_rows(self, faq: Faq) -> tuple[Row, ...]:
        related = [e for e in (self.kb.get(i) for i in faq.related) if e is not None]
        return tuple((open_entry(e),) for e in related)
