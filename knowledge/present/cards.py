"""Program cards, FAQ answers and whole replies, written once for two formats: Telegram HTML and
plain text (the CLI). Every piece of knowledge text is escaped by the format, never by callers."""

from __future__ import annotations

import html
from typing import Protocol

from knowledge.engine import Answer, Mode
from knowledge.schema import FACT_LABELS, Faq, Program, Source

NOT_LISTED = "not listed: check with the program"


class Format(Protocol):
    def text(self, s: str) -> str: ...
    def bold(self, s: str) -> str: ...
    def italic(self, s: str) -> str: ...
    def link(self, label: str, url: str) -> str: ...


class HtmlFormat:
    """Telegram's HTML parse mode: only b, i, a and a few more tags; everything else escaped."""

    def text(self, s: str) -> str:
        return html.escape(s, quote=False)

    def bold(self, s: str) -> str:
        return f"<b>{self.text(s)}</b>"

    def italic(self, s: str) -> str:
        return f"<i>{self.text(s)}</i>"

    def link(self, label: str, url: str) -> str:
        return f'<a href="{html.escape(url, quote=True)}">{self.text(label)}</a>'


class TextFormat:
    def text(self, s: str) -> str:
        return s

    def bold(self, s: str) -> str:
        return s

    def italic(self, s: str) -> str:
        return s

    def link(self, label: str, url: str) -> str:
        return url if label == url else f"{label} ({url})"


HTML = HtmlFormat()
TEXT = TextFormat()


def program_card(p: Program, f: Format) -> str:
    lines = [
        f.bold(p.name),
        f.text(f"{p.institution} · {p.location}"),
        f.text(f"Kind: {p.kind}") + "\n" + f.text(f"Focus: {', '.join(p.focus)}"),
        f.text(p.summary),
        f.bold("Key benefits (as the article states)")
        + "".join("\n" + f.text(f"• {b}") for b in p.benefits),
        f.bold("Facts")
        + "".join(
            "\n"
            + f.text(f"{FACT_LABELS[key]}: ")
            + (f.text(value) if value else f.italic(NOT_LISTED))
            for key, value in p.facts().items()
        )
        + "\n"
        + f.text("Website: ")
        + (f.link(p.website, p.website) if p.website else f.italic(NOT_LISTED)),
        sources(p.sources, f),
    ]
    return _join(lines)


def faq_card(q: Faq, f: Format) -> str:
    return _join([f.bold(q.question), f.text(q.answer), sources(q.sources, f)])


def sources(items: tuple[Source, ...] | list[Source], f: Format) -> str:
    shown = [f.link(s.title, s.url) if s.url else f.text(s.title) for s in items]
    return f.italic("Sources:") + "".join("\n" + f.text("• ") + s for s in shown)


def program_line(p: Program, f: Format) -> str:
    return f.text("• ") + f.bold(p.name) + f.text(f" — {p.location}")


GREETING = (
    "Hello! I answer questions about US externships and clinical experience for international "
    'medical graduates: ask about a program ("Johns Hopkins"), a place ("externships in '
    'Florida") or a topic ("do I need Step 1?").'
)
EMPTY = 'Please type your question in words, for example: "how do I apply?"'
UNSURE = "I'm not sure I have a good answer to that."


def reply(answer: Answer, f: Format) -> str:
    """The whole reply to a question, as the bot sends it (without its buttons)."""
    if answer.mode is Mode.SMALL_TALK:
        return f.text(GREETING)
    if answer.mode is Mode.EMPTY:
        return f.text(EMPTY)
    first = answer.results[0].entry if answer.results else None
    if answer.mode is Mode.PROGRAM and isinstance(first, Program):
        card = program_card(first, f)
        related = [r.entry for r in answer.results[1:2] if isinstance(r.entry, Faq)]
        if related:
            card += "\n\n" + f.italic("Related question: ") + f.text(related[0].question)
        return card
    if answer.mode is Mode.FAQ and isinstance(first, Faq):
        return faq_card(first, f)
    programs = [r.entry for r in answer.results if isinstance(r.entry, Program)]
    if answer.mode is Mode.LIST:
        where = ", ".join(p.label for p in answer.places)
        head = f"Programs in {where}:" if where else "These programs match your question:"
        return _join([f.bold(head), "\n".join(program_line(p, f) for p in programs)])
    if answer.mode is Mode.CHOICES:
        head = "I'm not sure which of these you mean:"
    else:
        head = answer.note or UNSURE
        if answer.results:
            head += " These may help:"
    items = "\n".join(f.text(f"• {r.title}") for r in answer.results)
    return _join([f.text(head), items, f.text("You can also browse all programs or FAQ topics.")])


def _join(blocks: list[str]) -> str:
    return "\n\n".join(b for b in blocks if b)
