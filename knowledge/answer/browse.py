"""Browsing the knowledge base without a question: filters, similar programs, names typed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from knowledge.answer.evidence import Retriever
from knowledge.answer.places import Place
from knowledge.loader import KnowledgeBase
from knowledge.schema import Faq, Program

LOOSE_NAME = 60.0  # name similarity worth offering as a suggestion, never as an answer
MAX_SUGGESTIONS = 5
SIMILAR = 3


class Browser:
    def __init__(self, kb: KnowledgeBase, retriever: Retriever) -> None:
        self.kb = kb
        self.retriever = retriever
        rows = {e.id: i for i, e in enumerate(retriever.entries)}
        matrix = retriever.index.matrix
        self._vectors = {
            p.id: _mean_row(matrix[retriever.owners == rows[p.id]]) for p in kb.programs
        }

    def programs_in(self, places: Sequence[Place]) -> list[Program]:
        """Programs whose own location lies in any of `places`, in knowledge-base order."""
        return [program for _, program in self.retriever.programs_in(places)]

    def similar_programs(self, program: Program, k: int = SIMILAR) -> list[Program]:
        """Programs sharing the most focus tags, then the closest texts."""
        me = self._vectors[program.id]

        def closeness(other: Program) -> tuple[int, float]:
            shared = len(set(program.focus) & set(other.focus))
            return shared, float(self._vectors[other.id] @ me)

        others = [p for p in self.kb.programs if p.id != program.id]
        return sorted(others, key=closeness, reverse=True)[:k]

    def questions_to_ask(self) -> list[Faq]:
        """Questions worth asking about any program: the FAQ behind each kind of fact (cost,
        visa, …), whether or not this program's pages give it, then the general follow-ups."""
        roles = self.kb.meta.roles
        ids = [*roles.fact_faqs.values(), *roles.card_followups]
        return [f for f in (self.kb.faq(i) for i in dict.fromkeys(ids)) if f is not None]

    def programs_matching(self, text: str) -> list[Program]:
        """Programs for a /programs filter: a place, a focus word, or words of their fields;
        every program for an empty filter."""
        if not text.strip():
            return list(self.kb.programs)
        tokenizer = self.retriever.lexicon.tokenizer
        tokens = tokenizer.tokens(text)
        places = self.retriever.gazetteer.find(text, tokens)
        if places:
            return self.programs_in(places)
        spans = self.retriever.lexicon.focus_spans([t.stem for t in tokens])
        wanted = {s.tag for s in spans}
        if wanted:
            return [p for p in self.kb.programs if wanted & set(p.focus)]
        needle = " ".join(t.word for t in tokens)
        return [p for p in self.kb.programs if needle and needle in self._searchable(p)]

    def find_program(self, name: str) -> tuple[list[Program], list[Program]]:
        """(confident matches, looser suggestions) for a program name the user typed."""
        words = self.retriever.lexicon.tokenizer.words(name)
        names = self.retriever.names
        strong = [m.named for m in names.match(words, partial=True)]
        if strong:
            return strong, []
        loose = [m.named for m in names.match(words, threshold=LOOSE_NAME, partial=True)]
        return [], loose[:MAX_SUGGESTIONS]

    def _searchable(self, program: Program) -> str:
        fields = [program.name, program.institution, program.location, program.short]
        text = " ".join([*fields, *program.aliases, *program.focus])
        return " ".join(self.retriever.lexicon.tokenizer.words(text))


def _mean_row(rows: np.ndarray) -> np.ndarray:
    mean: np.ndarray = rows.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean
