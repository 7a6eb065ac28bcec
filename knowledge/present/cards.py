"""Program cards and FAQ answers, written once for every format."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.present.formats import Format
from knowledge.schema import FACT_LABELS, Entry, Faq, Program, Source

NOT_LISTED = "not listed: check with the program"


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
    return join(lines)


def faq_card(q: Faq, f: Format) -> str:
    return join([f.bold(q.question), f.text(q.answer), sources(q.sources, f)])


def card(entry: Entry, f: Format) -> str:
    return program_card(entry, f) if isinstance(entry, Program) else faq_card(entry, f)


def sources(items: Sequence[Source], f: Format) -> str:
    shown = [f.link(s.title, s.url) if s.url else f.text(s.title) for s in items]
    return f.italic("Sources:") + "".join("\n" + f.text("• ") + s for s in shown)


def program_line(p: Program, f: Format) -> str:
    return f.text("• ") + f.bold(p.name) + f.text(f" — {p.location}")


def join(blocks: Sequence[str]) -> str:
    return "\n\n".join(b for b in blocks if b)
