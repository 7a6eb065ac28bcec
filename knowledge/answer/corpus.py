"""The texts an entry is found by: passages to embed, and one document for lexical search."""

from __future__ import annotations

from knowledge.schema import Entry, Faq


def phrasings(entry: Faq) -> list[str]:
    """The ways of asking an FAQ entry's question: what the topic classifier learns from."""
    return [entry.question, *entry.alternates]


def passages(entry: Entry) -> list[str]:
    """The texts embedded for an entry; an entry scores by its best-matching text. An FAQ's
    phrasings come first, in order."""
    if isinstance(entry, Faq):
        # The answer too: real questions often use its words rather than any phrasing's.
        return [*phrasings(entry), f"{entry.question} {entry.answer}"]
    offered = "; ".join(f"{o.name} ({o.kind})" for o in entry.offerings)
    return [
        entry.name,
        f"{entry.name} ({entry.institution}), {entry.location}",
        f"{entry.name}: {entry.article.summary}",
        f"{entry.short}: {entry.verdict}. {offered}",
        f"Focused on {', '.join(entry.focus)}. " + " ".join(entry.article.benefits),
    ]


def document(entry: Entry) -> str:
    """All of an entry's words, for lexical search."""
    if isinstance(entry, Faq):
        return " ".join([entry.question, *entry.alternates, entry.answer])
    return " ".join(
        [
            entry.name,
            entry.institution,
            *entry.aliases,
            entry.location,
            *entry.focus,
            entry.verdict,
            entry.article.summary,
            *entry.article.benefits,
            *(f"{o.name} {o.kind} {o.who or ''}" for o in entry.offerings),
            *(fact.text for _, _, fact in entry.facts()),
        ]
    )
