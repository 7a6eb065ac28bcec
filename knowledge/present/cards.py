"""Program cards and FAQ answers, written once for every format. A program card leads with its
verdict for an IMG graduate; every fact cites its source, and sources are links with the month
they were read."""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Sequence

from knowledge.present.formats import Format
from knowledge.schema import FACT_LABELS, Entry, Fact, Faq, Offering, Program, Source

WARNING = "⚠️"
VERDICT_SIGNS = {"open": "✅", "limited": "ℹ️"}  # every other level excludes the typical user
KIND_LABELS = {"observe-only": "observe only", "hands-on": "hands-on", "unknown": ""}


CARD_CHARS = 700  # a card fits one phone screen
CARD_FACTS = 5
# The facts a user weighs first, in order, when only a few fit on a card.
CARD_FACT_ORDER = ("fee", "duration", "visa", "lead_time", "how_to_apply", "letters", "other")
# Offerings open to the bot's typical user come first on a card.
GRADUATE_AUDIENCES = frozenset({"graduates", "imgs-seeking-residency"})
ASKED_FACTS = ("duration", "fee", "visa", "lead_time", "how_to_apply")


def program_card(p: Program, f: Format) -> str:
    """The phone card: name, verdict, a few known facts with their sources, and what the pages
    do not give; at most CARD_CHARS characters as read."""
    head = [
        f.bold(p.name) + "\n" + f.text(f"{p.institution} · {p.location}"),
        f.text(f"{verdict_sign(p)} For IMG graduates: {p.verdict}"),
    ]
    missing = [FACT_LABELS[k].lower() for k in ASKED_FACTS if not _known_anywhere(p, k)]
    tail = []
    if missing:
        tail.append(f.italic(f"Not found on the pages read: {', '.join(missing)}."))
    budget = CARD_CHARS - sum(_plain_len(b) for b in head + tail) - 2 * (len(head) + len(tail))
    lines: list[str] = []
    numbers: dict[str, int] = {}  # one number per source, in order of first citation
    for offering, key, fact in _card_facts(p):
        line = f"• {FACT_LABELS[key]} ({offering.kind}): {fact.text}"
        line += " (uncertain)" if fact.uncertain else ""
        cost = len(line) + len(" [0]") + 1
        if len(lines) == CARD_FACTS or cost > budget:
            break
        budget -= cost
        number = numbers.setdefault(fact.source, len(numbers) + 1)
        lines.append(f.text(line + " ") + f.cite(number, p.source(fact.source).url))
    return join([*head, "\n".join(lines), *tail])


def program_details(p: Program, f: Format) -> str:
    """Everything known: every offering and fact, the article's claims, the contradictions and
    the sources as links."""
    cited = _Citations(p, f)
    blocks = [
        f.bold(p.name) + "\n" + f.text(f"{p.institution} · {p.location}"),
        f.text(f"{verdict_sign(p)} For IMG graduates: {p.verdict}"),
        *(_offering(o, cited, f) for o in p.offerings),
        _article(p, cited, f),
        cited.listing(),
    ]
    return join(blocks)


def _card_facts(p: Program) -> list[tuple[Offering, str, Fact]]:
    """Facts of the offerings open to graduates first, most weighed keys first."""

    def rank(item: tuple[Offering, str, Fact]) -> tuple[int, int]:
        offering, key, _ = item
        for_graduates = bool(GRADUATE_AUDIENCES & set(offering.audience))
        return (0 if for_graduates else 1, CARD_FACT_ORDER.index(key))

    return sorted(p.facts(), key=rank)


def _known_anywhere(p: Program, key: str) -> bool:
    return any(key in o.facts for o in p.offerings)


def _plain_len(marked_up: str) -> int:
    """Characters a reader sees: markup and escapes do not count."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", marked_up)))


def fact_lines(p: Program, key: str, f: Format, limit: int = 3) -> list[str]:
    """A program's facts of one kind, offerings for graduates first, each with its source."""
    found = [(o, fact) for o, k, fact in _card_facts(p) if k == key][:limit]
    return [
        f.text(f"• {o.kind.capitalize()} ({o.name}): {fact.text}")
        + f.text(" (uncertain) " if fact.uncertain else " ")
        + f.link("source", p.source(fact.source).url)
        for o, fact in found
    ]


def brief(text: str, sentences: int = 2) -> str:
    """The first sentences of an answer: the direct answer comes first in every entry."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:sentences])


def verdict_sign(p: Program) -> str:
    return WARNING if p.excludes_typical_user else VERDICT_SIGNS.get(p.verdict_level, WARNING)


def faq_card(q: Faq, f: Format) -> str:
    return join([f.bold(q.question), f.text(q.answer), sources(q.sources, f)])


def card(entry: Entry, f: Format) -> str:
    return program_card(entry, f) if isinstance(entry, Program) else faq_card(entry, f)


def details(entry: Entry, f: Format) -> str:
    return program_details(entry, f) if isinstance(entry, Program) else faq_card(entry, f)


def sources(items: Sequence[Source], f: Format) -> str:
    lines = [f.text("• ") + source_line(s, f) for s in items]
    return f.italic("Sources:") + "".join("\n" + line for line in lines)


def source_line(s: Source, f: Format) -> str:
    """A source as a link, with when it was read and the year its page shows."""
    shown = f", page dated {s.shown}" if s.shown else ", page undated"
    return f.link(s.title, s.url) + f.text(f" (read {month(s.read)}{shown})")


def month(year_month: str) -> str:
    """ "2026-11" -> "Nov 2026"."""
    year, number = year_month.split("-")
    return f"{calendar.month_abbr[int(number)]} {year}"


def program_line(p: Program, f: Format) -> str:
    return f.text("• ") + f.bold(p.name) + f.text(f" — {p.location}")


def join(blocks: Sequence[str]) -> str:
    return "\n\n".join(b for b in blocks if b)


class _Citations:
    """Numbers sources in the order facts cite them; the listing shows only those cited."""

    def __init__(self, program: Program, f: Format) -> None:
        self.program, self.f = program, f
        self.order: list[str] = []

    def __call__(self, source_id: str) -> str:
        if source_id not in self.order:
            self.order.append(source_id)
        source = self.program.source(source_id)
        return self.f.cite(self.order.index(source_id) + 1, source.url)

    def listing(self) -> str:
        f = self.f
        lines = [
            f.text(f"[{n}] ") + source_line(self.program.source(sid), f)
            for n, sid in enumerate(self.order, 1)
        ]
        return f.italic("Sources:") + "".join("\n" + line for line in lines)


def _offering(o: Offering, cite: _Citations, f: Format) -> str:
    manner = KIND_LABELS[o.hands_on]
    head = f.bold(o.name) + f.text(f" ({o.kind}{', ' + manner if manner else ''})")
    if o.url:
        head += f.text(" · ") + f.link("official page", o.url)
    lines = [head]
    if o.who:
        lines.append(f.text(f"Who: {o.who}"))
    for key in (k for k in FACT_LABELS if k in o.facts):
        fact = o.facts[key]
        flag = " (uncertain)" if fact.uncertain else ""
        lines.append(f.text(f"{FACT_LABELS[key]}: {fact.text}{flag} ") + cite(fact.source))
    return "\n".join(lines)


def _article(p: Program, cite: _Citations, f: Format) -> str:
    article = next((s.id for s in p.sources if s.publisher == "article"), None)
    lines = [f.bold("What the article claims (not checked with the institution)")]
    lines.append(f.text(p.article.summary) + (" " + cite(article) if article else ""))
    lines += [f.text(f"• {b}") for b in p.article.benefits]
    for c in p.contradictions:
        refs = " ".join(cite(ref) for ref in c.sources)
        lines.append(f.text(f"{WARNING} Contradiction: {c.text} ") + refs)
    return "\n".join(lines)
