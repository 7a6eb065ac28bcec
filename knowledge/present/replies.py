"""One presenter per answer mode: the reply's text and its actions (buttons on Telegram, numbered
choices in the terminal), for every surface to render."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from knowledge.answer.model import Answer, Mode
from knowledge.loader import KnowledgeBase
from knowledge.present.cards import (
    brief,
    fact_lines,
    faq_card,
    join,
    program_card,
    program_details,
    program_line,
    sources,
    verdict_sign,
)
from knowledge.present.formats import Format
from knowledge.schema import FACT_LABELS, Entry, Faq, Program

GREETING = (
    "Hello! I answer questions about US externships and clinical experience for international "
    'medical graduates: ask about a program ("Johns Hopkins"), a place ("externships in '
    'Florida") or a topic ("do I need Step 1?").'
)
EMPTY = 'Please type your question in words, for example: "how do I apply?"'
UNSURE = "I'm not sure I have a good answer to that."
CHOOSE = "I'm not sure which of these you mean:"
WELCOME_BACK = "You're welcome! Ask me anything else about US clinical experience."
FAREWELL = "Good luck with your applications! Come back any time."
HELP = (
    'Ask in plain words about a program ("Johns Hopkins"), a place ("externships in '
    'Florida") or a topic ("do I need Step 1?"). Commands: /programs, /program NAME, /faq, '
    "/about."
)
SMALL_TALK = {"thanks": WELCOME_BACK, "farewell": FAREWELL, "help": HELP}
OFF_TOPIC = (
    "Sorry, that is outside what I cover. I answer questions about US clinical experience "
    "(externships, observerships, electives) for international medical graduates before "
    "residency."
)
OTHER_LANGUAGE = (
    "Sorry, I can only read questions in English for now. Please ask again in English, or tap "
    "an example below."
)
BROWSE = "You can also browse all programs or FAQ topics."
# Under the scope note, when the question may have meant clinical experience after all.
CLOSEST = "If you asked about clinical experience before residency, the closest topic is below."
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


BUTTON_CHARS = 32  # longer labels are cut on phones
ALSO_ASKED = 4  # "People also ask" buttons under an FAQ answer, at most


def fit_label(text: str) -> str:
    """A button label cut to what a phone shows."""
    return text if len(text) <= BUTTON_CHARS else text[: BUTTON_CHARS - 1] + "…"


def open_entry(entry: Entry, label: str | None = None) -> Action:
    """A button opening an entry, labelled with its short name unless told otherwise."""
    act = Act.PROGRAM if isinstance(entry, Program) else Act.FAQ
    return Action(act, fit_label(label or entry.short), entry.id)


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
            Mode.BEYOND_SCOPE: self._beyond_scope,
            Mode.OFF_TOPIC: lambda _: Reply(self.f.text(OFF_TOPIC), (browse_row(),)),
            Mode.OTHER_LANGUAGE: lambda _: Reply(
                self.f.text(OTHER_LANGUAGE), (*examples_rows(), browse_row())
            ),
            Mode.SMALL_TALK: self._small_talk,
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

    def _small_talk(self, answer: Answer) -> Reply:
        return Reply(self.f.text(SMALL_TALK.get(answer.small_talk, GREETING)), examples_rows())

    def _program(self, answer: Answer) -> Reply:
        program = answer.top
        if not isinstance(program, Program):
            return self._unsure(answer)
        if answer.aspects:
            return self._direct(program, answer)
        text, rows = program_card(program, self.f), self._program_rows(program)
        follow_up = answer.follow_up
        if follow_up is not None:
            text += "\n\n" + self.f.italic("Related question: ") + self.f.text(follow_up.question)
            rows += ((open_entry(follow_up, f"❓ {follow_up.short}"),),)
        return Reply(text, rows)

    def _direct(self, program: Program, answer: Answer) -> Reply:
        """The asked facts first, from the program's own pages; the card one tap away."""
        f = self.f
        blocks, rows = [], []
        for key, topic in zip(answer.aspects, answer.topics, strict=False):
            label = FACT_LABELS[key]
            lines = fact_lines(program, key, f)
            if lines:
                head = f.bold(f"{label} at {program.short}, as read on its pages:")
                blocks.append("\n".join([head, *lines]))
            else:
                blocks.append(
                    f.text(f"The pages read for {program.short} give no {label.lower()}.")
                )
            rows.append((open_entry(topic, fit_label(f"❓ {label}: in general")),))
        sign = verdict_sign(program)
        blocks.append(f.text(f"{sign} For IMG graduates: {program.verdict}"))
        card = Action(Act.PROGRAM, fit_label(f"📄 {program.short} card"), program.id)
        first = [card]
        if program.official_page:
            first.append(Action(Act.WEBSITE, "🌐 Official page", program.official_page))
        return Reply(join(blocks), (tuple(first), *rows))

    def _faq(self, answer: Answer) -> Reply:
        faq = answer.top
        if not isinstance(faq, Faq):
            return self._unsure(answer)
        if answer.asked > 1:
            return self._several(answer.topics[: answer.asked], answer.note)
        # The entry that came next is offered first: when the answer read the question wrong,
        # the right one is most often that one, a tap away.
        runner_up = next((r.entry for r in answer.results[1:] if isinstance(r.entry, Faq)), None)
        rows = self._related_rows(faq, runner_up)
        text = join([self.f.text(answer.note), faq_card(faq, self.f)])
        if rows:
            text += "\n\n" + self.f.italic("People also ask:")
        return Reply(text, rows)

    def _beyond_scope(self, answer: Answer) -> Reply:
        """The polite scope note, with the public resources to go to."""
        note = answer.top
        if not isinstance(note, Faq):
            return Reply(self.f.text(OFF_TOPIC), (browse_row(),))
        offered = [r.entry for r in answer.results[1:]]
        closest = self.f.italic(CLOSEST) if any(isinstance(e, Faq) for e in offered) else ""
        text = join(
            [
                self.f.text(answer.note),
                self.f.text(note.answer),
                sources(note.sources, self.f),
                closest,
            ]
        )
        return Reply(text, offer(offered))

    def _several(self, topics: list[Faq], note: str = "") -> Reply:
        """A message asking several things: each answered briefly, each a tap from in full."""
        f = self.f
        blocks = [f.text(note), f.text(f"You asked {len(topics)} things:")]
        for faq in topics:
            source = faq.sources[0]
            blocks.append(
                f.bold(faq.question)
                + "\n"
                + f.text(brief(faq.answer) + " ")
                + f.link("source", source.url)
            )
        rows = tuple((open_entry(t, fit_label(f"More: {t.short}")),) for t in topics)
        return Reply(join(blocks), rows)

    def _list(self, answer: Answer) -> Reply:
        programs = answer.programs
        f = self.f
        total = len(self.kb.programs)
        where = ", ".join(p.label for p in answer.places)
        if where:
            count = "Only 1" if len(programs) == 1 else f"{len(programs)}"
            verb = "is" if len(programs) == 1 else "are"
            head = f"{count} of the {total} programs we cover {verb} in {where}:"
        elif len(programs) == total:
            head = f"The {total} programs we cover, side by side:"
        else:
            head = "These programs match your question:"
        blocks = [f.bold(head)]
        if not answer.aspects:  # else the side-by-side lines name the programs
            blocks.append("\n".join(program_line(p, f) for p in programs))
        for key in answer.aspects:
            blocks.append(self._side_by_side(programs, key))
        rows = offer(programs)
        if answer.aspects:
            rows = (
                *rows[:-1],
                *((open_entry(t, fit_label(f"❓ {t.short}")),) for t in answer.topics),
                rows[-1],
            )
        return Reply(join(blocks), rows)

    def _side_by_side(self, programs: list[Program], key: str) -> str:
        """One kind of fact for each program: what the pages read say, or that they don't."""
        f = self.f
        label = FACT_LABELS[key]
        lines = [f.bold(f"{label}, as read on each institution's pages:")]
        for p in programs:
            found = fact_lines(p, key, f, limit=1)
            if found:
                lines.append(f.text(f"{p.short}: ") + found[0].removeprefix(f.text("• ")))
            else:
                lines.append(f.text(f"{p.short}: not found on the pages read"))
        return "\n".join(lines)

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

    def _related_rows(self, faq: Faq, first: Faq | None = None) -> tuple[Row, ...]:
        """An FAQ's related entries, after `first` when given, at most ALSO_ASKED."""
        ids = dict.fromkeys([*([first.id] if first else []), *faq.related])
        related = [e for e in (self.kb.get(i) for i in ids) if e is not None and e.id != faq.id]
        return tuple((open_entry(e),) for e in related[:ALSO_ASKED])
