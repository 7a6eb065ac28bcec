"""The answer engine: question in, ranked program cards and FAQ answers out. Knows no transport.

Evidence is gathered in one pass (see evidence.py) and a short cascade decides what to present.
Anything below the calibrated thresholds comes back unanswered, with suggestions, not a guess.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.cache import EmbeddingCache, EmbedStats, embed
from embeddings.encoder import Encoder
from embeddings.index import VectorIndex
from knowledge.answer.browse import Browser
from knowledge.answer.corpus import document, passages
from knowledge.answer.evidence import Evidence, Retriever, Trap, Weights
from knowledge.answer.lexical import BM25
from knowledge.answer.model import Answer, Mode, Result
from knowledge.answer.names import NameMatcher
from knowledge.answer.places import Gazetteer
from knowledge.answer.smalltalk import strip_small_talk
from knowledge.answer.text import clean
from knowledge.answer.vocabulary import Lexicon
from knowledge.loader import KnowledgeBase
from knowledge.schema import Entry, Faq, Program

MAX_RESULTS = 5
CHOICES = 3  # candidates offered when unsure


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the evaluation set's score distributions (see `imgbot eval`)."""

    dense: float = 0.45  # cosine the best entry needs to be presented
    lexical_weight: float = 0.15  # weight of max-normalized BM25 added to the cosine
    margin: float = 0.01  # a closer runner-up (another entry, fused score) makes it a choice
    topic: float = 0.45  # a FAQ's topic score (cosine + BM25 of the residue) to follow a card
    focus_bonus: float = 0.10  # per focus tag a program shares with a program-seeking question
    unknown_terms: float = 0.5  # share of words unknown to the knowledge base that rejects

    @property
    def weights(self) -> Weights:
        return Weights(lexical=self.lexical_weight, focus_bonus=self.focus_bonus)


class AnswerEngine:
    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: Encoder,
        cache: EmbeddingCache | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.kb = kb
        self.encoder = encoder
        self.thresholds = thresholds or Thresholds()
        self.entries: tuple[Entry, ...] = kb.entries
        self._row = {e.id: i for i, e in enumerate(self.entries)}
        texts, owners = [], []
        for i, entry in enumerate(self.entries):
            for text in passages(entry):
                texts.append(text)
                owners.append(i)
        vectors, self.embed_stats = embed(encoder, texts, cache)
        lexicon = Lexicon.compile(kb.vocabulary)
        gazetteer = Gazetteer(kb.places, lexicon.tokenizer)
        self.retriever = Retriever(
            self.entries,
            np.array(owners),
            VectorIndex(vectors),
            BM25([lexicon.tokenizer.content_terms(document(e)) for e in self.entries]),
            NameMatcher(
                [(p, [p.name, *p.aliases]) for p in kb.programs],
                lexicon.tokenizer.words,
                lexicon.generic_name_words,
                protected=gazetteer.names,
            ),
            NameMatcher(
                [((p, t), [t.name, *t.aliases]) for p in kb.programs for t in p.name_traps],
                lexicon.tokenizer.words,
                lexicon.generic_name_words,
                protected=gazetteer.names,
            ),
            gazetteer,
            lexicon,
        )
        self.browse = Browser(kb, self.retriever)
        self._faq_rows = [i for i, e in enumerate(self.entries) if isinstance(e, Faq)]

    @property
    def stats(self) -> EmbedStats:
        return self.embed_stats

    def with_thresholds(self, thresholds: Thresholds) -> AnswerEngine:
        """The same engine (sharing its index) with other thresholds, for calibration."""
        twin = copy.copy(self)
        twin.thresholds = thresholds
        return twin

    def answer(self, question: str) -> Answer:
        return self.answer_many([question])[0]

    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        """Answers in order; questions are encoded in batches, once each."""
        cleaned = [clean(q) for q in questions]
        rests = [strip_small_talk(c) for c in cleaned]
        vectors = self._encode([r for r in rests if _has_words(r)])
        answers, j = [], 0
        for question, c, rest in zip(questions, cleaned, rests, strict=True):
            if not _has_words(c):
                answers.append(Answer(question, Mode.EMPTY))
            elif not _has_words(rest):
                answers.append(Answer(question, Mode.SMALL_TALK))
            else:
                evidence = self.retriever.gather(rest, vectors[j], self.thresholds.weights)
                answers.append(self._decide(question, evidence))
                j += 1
        return answers

    def top_similarities(self, questions: Sequence[str]) -> list[float | None]:
        """Best-entry cosine per question (None for small talk and empty ones), for calibration."""
        rests = [strip_small_talk(clean(q)) for q in questions]
        vectors = self._encode([r for r in rests if _has_words(r)])
        best = iter(float(self.retriever.index.scores(v).max()) for v in vectors)
        return [next(best) if _has_words(r) else None for r in rests]

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts) if texts else np.zeros((0, 0), np.float32)

    # -- decision ---------------------------------------------------------------------------

    def _decide(self, question: str, ev: Evidence) -> Answer:
        if ev.trap is not None:
            return self._name_trap(question, ev.trap)
        if len(ev.names) >= 2:
            return Answer(question, Mode.LIST, tuple(Result(p, 1.0) for p in ev.names))
        if ev.names:
            return Answer(question, Mode.PROGRAM, self._card_and_topic(ev.names[0], ev))
        if ev.places:
            return self._by_place(question, ev)
        if ev.described and ev.unknown_share < self.thresholds.unknown_terms:
            return self._by_focus(question, ev)
        return self._by_similarity(question, ev)

    def _name_trap(self, question: str, trap: Trap) -> Answer:
        """Say plainly that the institution asked about is not the program it resembles."""
        program, confused = trap
        where = "; ".join(program.source(ref).url for ref in confused.sources)
        note = f"{confused.name} is not {program.institution}. {confused.note} (Source: {where})"
        return Answer(question, Mode.UNKNOWN, (Result(program, 0.0),), note)

    def _by_focus(self, question: str, ev: Evidence) -> Answer:
        """Programs carrying the most of the described tags, best fused score first."""
        count = {p.id: len(ev.described & set(p.focus)) for p in self.kb.programs}
        best = max(count.values())
        if not best:
            return self._by_similarity(question, ev)
        top = [p for p in self.kb.programs if count[p.id] == best]
        top.sort(key=lambda p: -self._fused(p, ev))
        results = tuple(Result(p, self._fused(p, ev)) for p in top[:MAX_RESULTS])
        return Answer(question, Mode.PROGRAM if len(results) == 1 else Mode.LIST, results)

    def _by_place(self, question: str, ev: Evidence) -> Answer:
        here = self.browse.programs_in(ev.places)
        places = tuple(ev.places)
        if not here:
            labels = ", ".join(p.label for p in ev.places)
            fallbacks = (self.kb.get(i) for i in self.kb.meta.roles.place_fallbacks)
            results = tuple(Result(e, 0.0) for e in fallbacks if e is not None)
            note = f"None of the programs we cover is in {labels}."
            return Answer(question, Mode.UNKNOWN, results, note, places)
        here.sort(key=lambda p: -self._focus_score(p, ev) - ev.dense[self._row[p.id]])
        results = tuple(Result(p, 1.0) for p in here)
        if ev.unknown_share >= self.thresholds.unknown_terms:
            # "weather in Boston": a place, but nothing else in it is about externships.
            return Answer(question, Mode.UNKNOWN, results, places=places)
        if len(results) == 1:
            return Answer(question, Mode.PROGRAM, self._card_and_topic(here[0], ev), places=places)
        return Answer(question, Mode.LIST, results, places=places)

    def _by_similarity(self, question: str, ev: Evidence) -> Answer:
        t = self.thresholds
        order = np.argsort(-ev.fused, kind="stable")[:MAX_RESULTS]
        results = tuple(Result(self.entries[i], float(ev.fused[i])) for i in order)
        top = results[0]
        if ev.dense[order[0]] < t.dense or ev.unknown_share > t.unknown_terms:
            return Answer(question, Mode.UNKNOWN, results[:CHOICES])
        if len(results) > 1 and top.score - results[1].score < t.margin:
            return Answer(question, Mode.CHOICES, results[:CHOICES])
        if isinstance(top.entry, Faq):
            return Answer(question, Mode.FAQ, results)
        peers = self._focus_peers(top.entry, ev)
        if len(peers) > 1:
            return Answer(question, Mode.LIST, tuple(Result(p, self._fused(p, ev)) for p in peers))
        return Answer(question, Mode.PROGRAM, results)

    def _card_and_topic(self, program: Program, ev: Evidence) -> tuple[Result, ...]:
        """A program's card first; for a mixed question ("visa for Chicago?") the FAQ on its
        topic right after, one tap away."""
        row = max(self._faq_rows, key=lambda r: ev.topic[r])
        if ev.topic[row] >= self.thresholds.topic:
            return Result(program, 1.0), Result(self.entries[row], float(ev.topic[row]))
        return (Result(program, 1.0),)

    def _fused(self, program: Program, ev: Evidence) -> float:
        return float(ev.fused[self._row[program.id]])

    def _focus_score(self, program: Program, ev: Evidence) -> int:
        return len(ev.focus & set(program.focus))

    def _focus_peers(self, top: Program, ev: Evidence) -> list[Program]:
        """Programs matching as many of the question's focus tags as the best one, best first."""
        wanted = self._focus_score(top, ev)
        if not wanted:
            return [top]
        peers = [p for p in self.kb.programs if self._focus_score(p, ev) == wanted]
        return sorted(peers, key=lambda p: -self._fused(p, ev))[:MAX_RESULTS]


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
