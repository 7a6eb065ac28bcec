"""What the bot sends: HTML texts split to Telegram's limits, keyboards, and callback data."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.cards import HTML, faq_card, program_card, reply
from knowledge.engine import Answer, AnswerEngine, Mode
from knowledge.schema import Entry, Faq, Program

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64
MAX_BUTTON_TEXT = 60
PAGE_SIZE = 8

EXAMPLES = (
    "How do I apply for an externship?",
    "Externships in Florida",
    "Johns Hopkins",
    "Do I need USMLE Step 1?",
)


# -- callback data: "<kind>:<arg>[:<arg>]", kinds of one letter --------------------------------

# PAGE opens a program list as a new message; NAV turns the page of the list it is pressed on.
PROGRAM, FAQ, SIMILAR, RELATED, PAGE, NAV, EXAMPLE, TOPICS = "p", "f", "s", "r", "l", "n", "e", "t"
KINDS = frozenset({PROGRAM, FAQ, SIMILAR, RELATED, PAGE, NAV, EXAMPLE, TOPICS})


@dataclass(frozen=True)
class Callback:
    kind: str
    args: tuple[str, ...]


def callback(kind: str, *args: str) -> str:
    """Encoded callback data, cut to Telegram's 64 bytes (only a free-text filter can be long)."""
    data = ":".join((kind, *args))
    encoded = data.encode("utf-8")[:MAX_CALLBACK_BYTES]
    return encoded.decode("utf-8", errors="ignore")


def parse_callback(data: str | None) -> Callback | None:
    """The callback, or None for data this bot never issued (or issued by an older version)."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    kind, _, rest = data.partition(":")
    if kind not in KINDS:
        return None
    return Callback(kind, tuple(rest.split(":", 1)) if rest else ())


# -- texts -------------------------------------------------------------------------------------


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraph, then line boundaries. Every block
    the cards produce closes its own tags, so a cut there never falls inside a tag; a single line
    longer than the limit is sent as escaped plain text in pieces."""
    chunks: list[str] = []
    current = ""
    for block in _blocks(text, limit):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = block
    if current or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [html.escape("…")]


def _blocks(text: str, limit: int) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            out.append(paragraph)
            continue
        for line in paragraph.split("\n"):
            if len(line) <= limit:
                out.append(line)
            else:
                out.extend(_escaped_pieces(html.unescape(re.sub(r"<[^>]*>", "", line)), limit))
    return out


def _escaped_pieces(plain: str, limit: int) -> list[str]:
    """Escaped pieces of plain text, each at most `limit` characters once escaped."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in plain:
        escaped = html.escape(ch, quote=False)
        if size + len(escaped) > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(escaped)
        size += len(escaped)
    return [*pieces, "".join(current)] if current else pieces


def card(entry: Entry) -> str:
    return program_card(entry, HTML) if isinstance(entry, Program) else faq_card(entry, HTML)


def answer_text(answer: Answer) -> str:
    text = reply(answer, HTML)
    first = answer.results[0].entry if answer.results else None
    if answer.mode is Mode.FAQ and isinstance(first, Faq) and first.related:
        text += "\n\n<i>People also ask:</i>"
    return text


# -- keyboards ---------------------------------------------------------------------------------


def entry_button(entry: Entry, label: str | None = None) -> InlineKeyboardButton:
    kind = PROGRAM if isinstance(entry, Program) else FAQ
    return InlineKeyboardButton(
        _short(label or entry.title), callback_data=callback(kind, entry.id)
    )


def browse_row() -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("📋 All programs", callback_data=callback(PAGE, "0")),
        InlineKeyboardButton("❓ FAQ topics", callback_data=callback(TOPICS)),
    ]


def program_keyboard(program: Program) -> InlineKeyboardMarkup:
    rows = []
    if program.website:
        rows.append([InlineKeyboardButton("🌐 Website", url=program.website)])
    rows.append(
        [
            InlineKeyboardButton("Similar programs", callback_data=callback(SIMILAR, program.id)),
            InlineKeyboardButton("Related questions", callback_data=callback(RELATED, program.id)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def faq_keyboard(faq: Faq, engine: AnswerEngine) -> InlineKeyboardMarkup | None:
    related = [e for e in (engine.kb.get(i) for i in faq.related) if e is not None]
    return InlineKeyboardMarkup([[entry_button(e)] for e in related]) if related else None


def entry_keyboard(entry: Entry, engine: AnswerEngine) -> InlineKeyboardMarkup | None:
    if isinstance(entry, Program):
        return program_keyboard(entry)
    return faq_keyboard(entry, engine)


def answer_keyboard(answer: Answer, engine: AnswerEngine) -> InlineKeyboardMarkup | None:
    first = answer.results[0].entry if answer.results else None
    if answer.mode is Mode.PROGRAM and isinstance(first, Program):
        rows = [list(row) for row in program_keyboard(first).inline_keyboard]
        rows += [[entry_button(r.entry, f"❓ {r.title}")] for r in answer.results[1:2]]
        return InlineKeyboardMarkup(rows)
    if answer.mode is Mode.FAQ and isinstance(first, Faq):
        return faq_keyboard(first, engine)
    if answer.mode is Mode.SMALL_TALK or answer.mode is Mode.EMPTY:
        return examples_keyboard()
    rows = [[entry_button(r.entry)] for r in answer.results]
    return InlineKeyboardMarkup([*rows, browse_row()])


def examples_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(q, callback_data=callback(EXAMPLE, str(i)))]
            for i, q in enumerate(EXAMPLES)
        ]
    )


def choices_keyboard(entries: list[Entry]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*([entry_button(e)] for e in entries), browse_row()])


def programs_page(
    programs: list[Program], page: int, query: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of a program list with navigation; the filter travels in the callback data."""
    pages = max(1, -(-len(programs) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = programs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    head = f"Programs matching “{query}”" if query else "All programs"
    text = f"<b>{html.escape(head)}</b> ({len(programs)})"
    if pages > 1:
        text += f" · page {page + 1} of {pages}"
    text += "\n\n" + "\n".join(
        f"• {html.escape(p.name)} — {html.escape(p.location)}" for p in shown
    )
    rows = [[entry_button(p)] for p in shown]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton("◀ Previous", callback_data=callback(NAV, str(page - 1), query))
        )
    if page < pages - 1:
        nav.append(
            InlineKeyboardButton("Next ▶", callback_data=callback(NAV, str(page + 1), query))
        )
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows)


def topics(faqs: list[Faq]) -> tuple[str, InlineKeyboardMarkup]:
    """The FAQ topics message: a heading and a button per question."""
    return "<b>Frequently asked questions</b>", InlineKeyboardMarkup(
        [[entry_button(f)] for f in faqs]
    )


def offer(head: str, entries: Sequence[Entry]) -> tuple[str, InlineKeyboardMarkup]:
    """A plain heading (escaped here) over a button per entry, plus the browse row."""
    return html.escape(head), choices_keyboard(list(entries))


def _short(text: str) -> str:
    return text if len(text) <= MAX_BUTTON_TEXT else text[: MAX_BUTTON_TEXT - 1] + "…"
