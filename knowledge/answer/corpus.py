"""The texts an entry is found by: passages to embed, and one document for lexical search."""

from __future__ import annotations

from knowledge.schema import Entry, Faq


def passages(entry: Entry) -> list[str]:
    """The texts embedded for an entry; an entry scores by its best-matching text (measured:
    adding FAQ answer texts as passages changed no result)."""
    if isinstance(entry, Faq):
        return [entry.question, *entry.alternates]
    return [
        entry.name,
        f"{entry.name} ({entry.institution}), {entry.location}",
        f"{entry.name}: {entry.summary}",
        f"{entry.kind} focused on {', '.join(entry.focus)}. " + " ".join(entry.benefits),
    ]


def document(entry: Entry) -> str:
    """All of an entry's words, for lexical search."""
    if isinstance(entry, Faq):
        return " ".join([entry.question, *entry.alternates, entry.answer])
    facts = " ".join(v for v in entry.facts().values() if v)
    return " ".join(
        [
            entry.name,
            entry.institution,
            *entry.aliases,
            entry.location,
            entry.kind,
            *entry.focus,
            entry.summary,
            *entry.benefits,
            facts,
        ]
    )
