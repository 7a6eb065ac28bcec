"""What the bot sends: Telegram HTML, texts split to Telegram's limits, keyboards built from a
reply's actions, and typed callback data."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge.present.replies import Act, Action, Reply, Row, fit_label, open_entry
from knowledge.present.replies import offer as entry_rows
from knowledge.schema import Entry, Program

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64
PAGE_SIZE = 8


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

    def cite(self, number: int, url: str) -> str:
        return self.link(f"[{number}]", url)


HTML = HtmlFormat()


# -- callback data: "<letter>:<arg>[:<arg>]", parsed into typed values --------------------------


@dataclass(frozen=True)
class OpenEntry:
    entry_id: str
    faq: bool = False


@dataclass(frozen=True)
class Similar:
    program_id: str


@dataclass(frozen=True)
class Details:
    program_id: str


@dataclass(frozen=True)
class Related:
    program_id: str


@dataclass(frozen=True)
class Page:
    number: int
    query: str = ""
    in_place: bool = False  # turn the page of the list it is pressed on (else: a new message)


@dataclass(frozen=True)
class Topics:
    category: str = ""  # "" for the list of categories


@dataclass(frozen=True)
class Example:
    number: int


@dataclass(frozen=True)
class Rate:
    """👍 or 👎 under an answer, by the answer's id (the store's question id)."""

    answer_id: str
    up: bool


@dataclass(frozen=True)
class RateEntry:
    """👍 or 👎 under an entry opened from a button: not a logged question, so the callback
    carries the entry too."""

    answer_id: str
    entry_id: str
    up: bool


@dataclass(frozen=True)
class ReportMistake:
    answer_id: str


Callback = (
    OpenEntry | Similar | Details | Related | Page | Topics | Example | Rate | RateEntry
    | ReportMistake
)  # fmt: skip

# One letter per kind keeps room for ids and a /programs filter within Telegram's 64 bytes.
PROGRAM, FAQ, SIMILAR, DETAILS, RELATED = "p", "f", "s", "d", "r"
PAGE, NAV, EXAMPLE, TOPICS = "l", "n", "e", "t"
RATE, RATE_ENTRY, REPORT, UP, DOWN = "v", "w", "m", "u", "d"
_ANSWER_ID = re.compile(r"[0-9a-f]{16}")  # knowledge.store.new_id()
# ASCII digits only ("²" is a digit to str.isdigit), written one way only, so data round-trips.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,3}")


def encode(data: Callback) -> str:
    """Callback data, cut to Telegram's 64 bytes (only a free-text filter can be long)."""
    match data:
        case OpenEntry(entry_id, faq):
            parts = [FAQ if faq else PROGRAM, entry_id]
        case Similar(program_id):
            parts = [SIMILAR, program_id]
        case Details(program_id):
            parts = [DETAILS, program_id]
        case Related(program_id):
            parts = [RELATED, program_id]
        case Page(number, query, in_place):
            parts = [NAV if in_place else PAGE, str(number), *([query] if query else [])]
        case Topics(category):
            parts = [TOPICS, *([category] if category else [])]
        case Example(number):
            parts = [EXAMPLE, str(number)]
        case Rate(answer_id, up):
            parts = [RATE, answer_id, UP if up else DOWN]
        case RateEntry(answer_id, entry_id, up):
            parts = [RATE_ENTRY, answer_id, entry_id, UP if up else DOWN]
        case ReportMistake(answer_id):
            parts = [REPORT, answer_id]
    raw = ":".join(parts).encode("utf-8")[:MAX_CALLBACK_BYTES]
    return raw.decode("utf-8", errors="ignore")


def parse_callback(data: str | None) -> Callback | None:
    """The typed callback, or None for data this bot never issued (or an older version did)."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    kind, colon, rest = data.partition(":")
    arg, _, query = rest.partition(":")
    number = int(arg) if _NUMBER.fullmatch(arg) else None
    entry_id = rest if rest and ":" not in rest else None
    match kind:
        case "p" | "f" if entry_id:
            return OpenEntry(entry_id, faq=kind == FAQ)
        case "s" if entry_id:
            return Similar(entry_id)
        case "d" if entry_id:
            return Details(entry_id)
        case "r" if entry_id:
            return Related(entry_id)
        case "l" | "n" if number is not None and (query or rest == arg):
            return Page(number, query, in_place=kind == NAV)
        case "t" if not colon:
            return Topics()
        case "t" if entry_id:
            return Topics(entry_id)
        case "e" if number is not None and rest == arg:
            return Example(number)
        case "v" if _ANSWER_ID.fullmatch(arg) and query in (UP, DOWN):
            return Rate(arg, up=query == UP)
        case "w" if _ANSWER_ID.fullmatch(arg):
            entry, _, vote = query.partition(":")
            if entry and ":" not in vote and vote in (UP, DOWN):
                return RateEntry(arg, entry, up=vote == UP)
        case "m" if entry_id and _ANSWER_ID.fullmatch(entry_id):
            return ReportMistake(entry_id)
    return None


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


# -- keyboards ---------------------------------------------------------------------------------


def keyboard(rows: tuple[Row, ...] | list[Row]) -> InlineKeyboardMarkup | None:
    """Buttons for a reply's actions; None when it has none."""
    built = [[button(a) for a in row] for row in rows if row]
    return InlineKeyboardMarkup(built) if built else None


def feedback_row(answer_id: str, entry_id: str | None = None) -> list[InlineKeyboardButton]:
    """👍 / 👎 / report, compact on one row under an answer (under an entry opened from a
    button, the votes name the entry: nothing was logged for it)."""

    def vote(up: bool) -> str:
        return encode(RateEntry(answer_id, entry_id, up) if entry_id else Rate(answer_id, up))

    return [
        InlineKeyboardButton("👍", callback_data=vote(True)),
        InlineKeyboardButton("👎", callback_data=vote(False)),
        InlineKeyboardButton("✏️ Report", callback_data=encode(ReportMistake(answer_id))),
    ]


def feedback_row_of(markup: InlineKeyboardMarkup | None) -> list[InlineKeyboardButton]:
    """The feedback row of a message's buttons (empty when it has none), to keep it when the
    message is rewritten in place."""
    for row in markup.inline_keyboard if markup else ():
        data = [b.callback_data if isinstance(b.callback_data, str) else None for b in row]
        kinds = [type(parse_callback(d)) for d in data]
        if row and all(k in (Rate, RateEntry, ReportMistake) for k in kinds):
            return list(row)
    return []


def with_feedback(
    markup: InlineKeyboardMarkup | None, answer_id: str, entry_id: str | None = None
) -> InlineKeyboardMarkup:
    """The reply's buttons with the feedback row last."""
    rows = [list(row) for row in markup.inline_keyboard] if markup else []
    return InlineKeyboardMarkup([*rows, feedback_row(answer_id, entry_id)])


def button(action: Action) -> InlineKeyboardButton:
    label = fit_label(action.label)
    match action.act:
        case Act.WEBSITE:
            return InlineKeyboardButton(label, url=action.arg)
        case Act.PROGRAM:
            data = encode(OpenEntry(action.arg))
        case Act.FAQ:
            data = encode(OpenEntry(action.arg, faq=True))
        case Act.SIMILAR:
            data = encode(Similar(action.arg))
        case Act.DETAILS:
            data = encode(Details(action.arg))
        case Act.RELATED:
            data = encode(Related(action.arg))
        case Act.PROGRAMS:
            data = encode(Page(0))
        case Act.TOPICS:
            data = encode(Topics(action.arg))
        case Act.EXAMPLE:
            data = encode(Example(int(action.arg)))
    return InlineKeyboardButton(label, callback_data=data)


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
    text += "\nTap one for its card: what it offers IMG graduates, with sources."
    rows = [[button(open_entry(p, f"{p.short} · {_place(p)}"))] for p in shown]
    nav = []
    if page > 0:
        data = encode(Page(page - 1, query, in_place=True))
        nav.append(InlineKeyboardButton("◀ Previous", callback_data=data))
    if page < pages - 1:
        data = encode(Page(page + 1, query, in_place=True))
        nav.append(InlineKeyboardButton("Next ▶", callback_data=data))
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows)


def offer(head: str, entries: Sequence[Entry]) -> Reply:
    """A plain heading (escaped here) over a button per entry, plus the browse row."""
    return Reply(html.escape(head), entry_rows(entries))


def _place(program: Program) -> str:
    """The city (or state) of a program's location, for a short button label."""
    return program.location.split(",")[0].split("(")[0].strip()
