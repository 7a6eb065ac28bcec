"""The answer engine: question in, ranked program cards and FAQ answers out. Knows no transport.

Evidence is gathered in one pass (see evidence.py) and a short cascade decides what to present.
Anything below the calibrated thresholds comes back unanswered, with suggestions, not a guess.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from embeddings.adapter import LinearAdapter
from embeddings.cache import EmbeddingCache, EmbedStats, embed
from embeddings.classifier import LinearClassifier
from embeddings.encoder import Encoder
from embeddings.index import VectorIndex, top_rows
from knowledge.answer.browse import Browser
from knowledge.answer.corpus import document, passages, phrasings
from knowledge.answer.evidence import Evidence, Retriever, Trap, Weights
from knowledge.answer.lexical import BM25
from knowledge.answer.model import Answer, Context, Mode, Result
from knowledge.answer.names import NameMatcher
from knowledge.answer.parts import split_parts
from knowledge.answer.places import Gazetteer, Place
from knowledge.answer.reading import Reading
from knowledge.answer.scope import ScopeExamples, ScopeModel
from knowledge.answer.smalltalk import kind_of, strip_small_talk
from knowledge.answer.text import clean, folded
from knowledge.answer.vocabulary import Lexicon
from knowledge.loader import KnowledgeBase
from knowledge.schema import Entry, Faq, Program, ScopeLabel

MAX_RESULTS = 5
CHOICES = 3  # candidates offered when unsure
MAX_TOPICS = 3  # topics answered in one reply to a message asking several
# Above this many entries no topic classifier is fitted (it would take minutes at start): FAQs
# are then ranked by their phrasings' cosine and BM25 alone, and off topic is judged by words.
MAX_LEARNED_ENTRIES = 2000
OFF_TOPIC = -1  # the classifier's label for the off-topic examples
NOT_CANDIDATE = -2.0  # a fused score below any entry's (cosines are at least -1)


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the evaluation set's score distributions (see `imgbot eval`)."""

    dense: float = 0.45  # cosine the best entry needs to be presented
    lexical_weight: float = 0.15  # weight of max-normalized BM25 added to the cosine
    margin: float = 0.01  # a closer runner-up (another entry, fused score) makes it a choice
    topic: float = 0.45  # a FAQ's topic score (cosine + BM25 of the residue) to follow a card
    focus_bonus: float = 0.10  # per focus tag a program shares with a program-seeking question
    learned_weight: float = 0.3  # weight of the topic classifier's probability, FAQ entries only
    learned_strength: float = 16.0  # inverse L2 penalty of the topic classifier
    # Below `dense`, an entry is still shown when its cosine reaches `dense_floor` and the topic
    # classifier gives it at least `learned_sure`: a wording no phrasing anticipated; or when a
    # role names it (a definition, how-question, question of worth or offer: its wording says
    # what is asked).
    dense_floor: float = 0.30
    learned_sure: float = 0.5
    off_topic_odds: float = 1.5  # how many times likelier than any entry off topic must be
    # The scope model (scope.py) declines a question it finds less likely than this to be ours;
    # chosen on the spent real sets, each scored unseen (`imgbot eval --unseen`); low on purpose:
    # a wrong decline costs a user more than a wrong "not sure".
    in_scope_floor: float = 0.1
    scope_strength: float = 8.0  # inverse L2 penalty of the scope model
    # Above this probability of being ours, a question whose nearest entry is the residency
    # stage's ("how vital are electives for residency?") gets the next entry instead: the scope
    # model weighs the whole question, likeness only its nearest wording.
    in_scope_sure: float = 0.65
    unknown_terms: float = 0.5  # share of words unknown to the knowledge base that rejects
    # The ranker (see AnswerEngine.ranker): passes of a linear map over the sentence vectors,
    # fitted at start on the passages and the labelled real questions (0: no ranker).
    adapter_epochs: int = 20
    adapter_rate: float = 1e-3
    # Its draw of batches and partners: another seed moves the spent sets' totals by several
    # questions (`imgbot eval --each --seeds`), more than most single changes do.
    adapter_seed: int = 0

    @property
    def weights(self) -> Weights:
        return Weights(
            lexical=self.lexical_weight, focus_bonus=self.focus_bonus, learned=self.learned_weight
        )


class AnswerEngine:
    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: Encoder,
        cache: EmbeddingCache | None = None,
        thresholds: Thresholds | None = None,
        adapter: LinearAdapter | None = None,
        embedded: np.ndarray | None = None,
    ) -> None:
        """`adapter` makes this engine a ranker (its vectors are the encoder's, mapped by it);
        `embedded` holds the encoder's vectors of its texts when already at hand (a ranker's,
        from its engine), so nothing is embedded or written to the cache twice."""
        self.kb = kb
        self.encoder = encoder
        self.thresholds = thresholds or Thresholds()
        self.adapter = adapter
        self.reading = Reading.compile(kb.vocabulary.model_synonyms)
        self.entries: tuple[Entry, ...] = kb.entries
        self._row = {e.id: i for i, e in enumerate(self.entries)}
        texts, owners, learn = [], [], []
        for i, entry in enumerate(self.entries):
            # The classifier learns from how questions are asked (an FAQ's phrasings, not its
            # answer) and from everything a program is found by.
            found_by = passages(entry)
            ways = len(phrasings(entry)) if isinstance(entry, Faq) else len(found_by)
            for n, text in enumerate(found_by):
                texts.append(text)
                owners.append(i)
                learn.append(n < ways)
        asked = [clean(a.q) for a in kb.asked]
        # Off-topic examples and asked questions are embedded with the rest (and cached) but
        # are no passage.
        every = [*texts, *kb.off_topic, *asked]
        if embedded is None:
            embedded, self.embed_stats = embed(encoder, self.reading.all(every), cache)
        else:
            self.embed_stats = EmbedStats(encoded=0, reused=len(every))
        # The ranker is fitted on the encoder's own vectors, before any mapping.
        self._encoded, self._owners = embedded, np.array(owners)
        self.ranker = None if adapter else self._ranker()
        embedded = adapter.apply(embedded) if adapter else embedded
        vectors = embedded[: len(texts)]
        ours = len(texts) + len(kb.off_topic)
        labels = np.array([*owners, *[OFF_TOPIC] * len(kb.off_topic)])
        taught = np.array([*learn, *[True] * len(kb.off_topic)])
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
            kb.meta.roles.definitions,
            kb.meta.roles.procedures,
            kb.meta.roles.values,
            kb.meta.roles.offers,
            _topic_classifier(embedded[:ours][taught], labels[taught], self.thresholds),
            self._scope_model(every, owners, learn, embedded),
        )
        self.browse = Browser(kb, self.retriever)
        self._is_faq = np.array([isinstance(e, Faq) for e in self.entries])
        self._faq_rows = np.flatnonzero(self._is_faq)

    def _scope_model(
        self, every: list[str], owners: list[int], learn: list[bool], embedded: np.ndarray
    ) -> ScopeModel | None:
        """The scope model, fitted on the FAQ phrasings (the beyond-scope entry's as the
        residency stage), the programs' names, the off-topic examples and the asked questions;
        none above MAX_LEARNED_ENTRIES entries, like the topic classifier."""
        if not self.thresholds.in_scope_floor or len(self.entries) > MAX_LEARNED_ENTRIES:
            return None
        beyond = self.kb.meta.roles.beyond_scope
        rows: list[int] = []
        labels: list[ScopeLabel] = []
        for row, (owner, taught) in enumerate(zip(owners, learn, strict=True)):
            entry = self.entries[owner]
            # An FAQ's phrasings; a program by its name, its first text.
            first = row == 0 or owners[row - 1] != owner
            if (taught and isinstance(entry, Faq)) or (first and isinstance(entry, Program)):
                rows.append(row)
                labels.append("beyond_scope" if entry.id == beyond else "in_scope")
        # Then every off-topic example and asked question, embedded after the passages.
        rows += range(len(owners), len(every))
        off: list[ScopeLabel] = ["off_topic"] * len(self.kb.off_topic)
        labels += [*off, *(a.scope for a in self.kb.asked)]
        examples = ScopeExamples(tuple(every[r] for r in rows), embedded[rows], tuple(labels))
        return ScopeModel.fitted(examples, self.thresholds.scope_strength)

    def _ranker(self, leave_out: frozenset[str] = frozenset()) -> AnswerEngine | None:
        """The same engine over vectors mapped by an adapter fitted on the passages (each with
        its entry's others) and the asked questions labelled with the entry that answers them,
        less those left out (folded); none without labelled questions or above
        MAX_LEARNED_ENTRIES entries."""
        t = self.thresholds
        passages = len(self._owners)
        first = passages + len(self.kb.off_topic)  # asked questions follow the off-topic examples
        kept = [
            (row, a)
            for row, a in enumerate(self.kb.asked, start=first)
            if folded(clean(a.q)) not in leave_out
        ]
        labelled = [(row, self._row[a.expect[0]]) for row, a in kept if a.expect]
        if not t.adapter_epochs or not labelled or len(self.entries) > MAX_LEARNED_ENTRIES:
            return None
        rows, groups = (np.array(column) for column in zip(*labelled, strict=True))
        adapter = LinearAdapter.fitted(
            self._encoded[:passages],
            self._owners,
            self._encoded[rows],
            groups,
            epochs=t.adapter_epochs,
            rate=t.adapter_rate,
            seed=t.adapter_seed,
        )
        kb = replace(self.kb, asked=tuple(a for _, a in kept))
        embedded = self._encoded[[*range(first), *(row for row, _ in kept)]]
        return AnswerEngine(kb, self.encoder, None, t, adapter, embedded)

    def without_examples(self, questions: Sequence[str]) -> AnswerEngine:
        """The same engine with its scope model and its ranker fitted without these questions:
        to measure a set of questions it learned from as if it had never seen them."""
        twin = copy.copy(self)
        twin.retriever = self.retriever.with_scope(
            self.retriever.scope.without([clean(q) for q in questions])
            if self.retriever.scope
            else None
        )
        if self.ranker is not None:
            twin.ranker = self._ranker(frozenset(folded(clean(q)) for q in questions))
        return twin

    def alone(self) -> AnswerEngine:
        """The same engine without its ranker: to measure what the ranker adds."""
        twin = copy.copy(self)
        twin.ranker = None
        return twin

    @property
    def stats(self) -> EmbedStats:
        return self.embed_stats

    def with_thresholds(self, thresholds: Thresholds) -> AnswerEngine:
        """The same engine (sharing its index) with other thresholds, for calibration."""
        twin = copy.copy(self)
        twin.thresholds = thresholds
        if self.ranker is not None:
            twin.ranker = self.ranker.with_thresholds(thresholds)
        return twin

    def exactly(self) -> AnswerEngine:
        """The same engine scoring every passage exactly at any size, to measure what the
        approximate dense search of large knowledge bases changes (see embeddings/grouped.py)."""
        twin = copy.copy(self)
        twin.retriever = self.retriever.exactly()
        if self.ranker is not None:
            twin.ranker = self.ranker.exactly()
        return twin

    def answer(self, question: str, context: Context | None = None) -> Answer:
        return self.answer_many([question], [context])[0]

    def answer_many(
        self, questions: Sequence[str], contexts: Sequence[Context | None] | None = None
    ) -> list[Answer]:
        """Answers in order, each in its conversation's context (none by default); every
        question, and each part of a message holding several, is encoded once, in one batch.
        With a ranker, this engine decides whether to answer; when both would, the ranker's
        answer is shown (it ranks real questions better; alone, it declines too little)."""
        contexts = contexts or [None] * len(questions)
        cleaned = [clean(q) for q in questions]
        rests = [strip_small_talk(c) for c in cleaned]
        starts = self.retriever.lexicon.question_starts
        parts = [split_parts(r, starts) if _has_words(r) else [] for r in rests]
        texts = [t for r, ps in zip(rests, parts, strict=True) if _has_words(r) for t in (r, *ps)]
        encoded = self._encode(texts)
        answers = self._answers(questions, contexts, cleaned, rests, parts, encoded)
        if self.ranker is None:
            return answers
        ranked = self.ranker._answers(questions, contexts, cleaned, rests, parts, encoded)
        return [self._shown(a, r) for a, r in zip(answers, ranked, strict=True)]

    def _shown(self, plain: Answer, ranked: Answer) -> Answer:
        """The ranker's answer where this engine would answer too, or where this engine only
        hesitates between entries of ours (choices without the residency stage's): the ranker
        breaks the tie. Otherwise this engine's: it is the one that declines."""
        if not ranked.answered:
            return plain
        if plain.by_role and plain.asked == 1:
            # What a role named ("what is an observership?") is what was asked, however the
            # ranker's map moves it; the ranker still orders what is offered after it.
            first = plain.results[0]
            rest = tuple(r for r in ranked.results if r.id != first.id)
            return replace(plain, results=(first, *rest)[: len(plain.results)])
        if plain.answered:
            return ranked
        beyond = self.kb.meta.roles.beyond_scope
        torn = plain.mode is Mode.CHOICES and all(r.id != beyond for r in plain.results)
        return ranked if torn else plain

    def _answers(
        self,
        questions: Sequence[str],
        contexts: Sequence[Context | None],
        cleaned: list[str],
        rests: list[str],
        parts: list[list[str]],
        encoded: np.ndarray,
    ) -> list[Answer]:
        """Answers from the encoder's vectors of every question and part, in order."""
        vectors = iter(self.adapter.apply(encoded) if self.adapter else encoded)
        answers = []
        for question, c, rest, pieces, context in zip(
            questions, cleaned, rests, parts, contexts, strict=True
        ):
            if not _has_words(c):
                answers.append(Answer(question, Mode.EMPTY))
            elif not _has_words(rest):
                answers.append(Answer(question, Mode.SMALL_TALK, small_talk=kind_of(c)))
            else:
                whole = self._gather(rest, next(vectors))
                each = [self._gather(p, next(vectors)) for p in pieces]
                answers.append(self._with_parts(self._decide(question, whole, context), each))
        return answers

    def _gather(self, text: str, vector: np.ndarray) -> Evidence:
        return self.retriever.gather(text, vector, self.thresholds.weights, self.reading(text))

    def top_similarities(self, questions: Sequence[str]) -> list[float | None]:
        """Best-entry cosine per question (None for small talk and empty ones), for calibration."""
        rests = [strip_small_talk(clean(q)) for q in questions]
        vectors = self._encode([r for r in rests if _has_words(r)])
        best = iter(float(self.retriever.index.scores(v).max()) for v in vectors)
        return [next(best) if _has_words(r) else None for r in rests]

    def _encode(self, texts: list[str]) -> np.ndarray:
        return (
            self.encoder.encode(self.reading.all(texts)) if texts else np.zeros((0, 0), np.float32)
        )

    # -- decision ---------------------------------------------------------------------------

    def _decide(self, question: str, ev: Evidence, context: Context | None = None) -> Answer:
        if ev.trap is not None:
            return self._name_trap(question, ev.trap)
        if ev.campus is not None:
            return self._other_campus(question, *ev.campus)
        if ev.scope.other_language and not ev.names:
            # "¿Cuánto cuesta una observership?": every word list and the sentence model are
            # English, so its words are no evidence; a program named still gets its card.
            return Answer(question, Mode.OTHER_LANGUAGE)
        followed = self._follow_up(question, ev, context)
        if followed is not None:
            return followed
        if ev.scope.other_profession:
            # "What is a dental observership?": another profession's placements, whatever
            # program or topic its other words are close to.
            return Answer(question, Mode.OFF_TOPIC)
        if ev.scope.other_reader_only and not ev.names:
            # "May I work part time on my F-1?", "does travel insurance cover a lost bag?":
            # another reader's need, however close an entry reads ("my F-1 and an
            # observership", "as an IMG, should I shadow?" stay).
            return Answer(question, Mode.OFF_TOPIC)
        if not ev.names and not ev.places:
            # No word of medicine, and far from every entry or using words we do not know.
            far = ev.dense.max() < self.thresholds.dense or ev.unknown_share > 0
            if ev.scope.off_topic and far:
                return Answer(question, Mode.OFF_TOPIC)
            if self._learned_off_topic(ev):
                return Answer(question, Mode.OFF_TOPIC)
            if ev.scope.residency_only:
                return self._beyond_scope(question, ev)
            out = self._learned_out_of_scope(ev)
            if out == "beyond_scope":
                return self._beyond_scope(question, ev)
            if out == "off_topic":
                return Answer(question, Mode.OFF_TOPIC)
        if len(ev.names) >= 2:
            return self._listed(question, ev.names, ev)
        if ev.names:
            return self._about(question, ev.names[0], ev)
        if self._compares_programs(ev):
            # "which program is the cheapest?": the ten side by side on what was asked.
            return self._listed(question, list(self.kb.programs), ev)
        if ev.places:
            return self._by_place(question, ev)
        if ev.elsewhere:
            return self._elsewhere(question, ev.elsewhere, ev)
        if (
            ev.described
            and ev.unknown_share < self.thresholds.unknown_terms
            and not ev.weighs_worth
        ):
            # "do I need an away rotation for family medicine?" asks whether one is worth doing
            # for the specialty it names, not for a program described by it.
            return self._by_focus(question, ev)
        return self._by_similarity(question, ev)

    def _learned_off_topic(self, ev: Evidence) -> bool:
        """The classifier finds the question likelier off topic than any entry while an in-scope
        topic reads closest ("can I work on a tourist visa?" is no externship question); a word
        of clinical experience, a described program, a term we define, or a scope model sure the
        question is ours keeps it ours."""
        ours = ev.described or ev.scope.experience or ev.defines is not None or ev.uses_term
        if ours or self._surely_ours(ev):
            return False
        nearest = self.entries[int(np.argmax(ev.fused))]
        if not isinstance(nearest, Faq) or nearest.id == self.kb.meta.roles.beyond_scope:
            return False  # a program, or the residency stage, whose note says where to ask
        return ev.learned_off_topic > float(ev.learned.max()) * self.thresholds.off_topic_odds

    def _learned_out_of_scope(self, ev: Evidence) -> ScopeLabel | None:
        """Which way out of scope the scope model finds a question with no name or place, when
        it finds it unlikely to be ours: the residency stage, or off topic when no word of
        medicine is used."""
        odds = ev.scope_odds
        if odds is None or odds.in_scope >= self.thresholds.in_scope_floor:
            return None
        if odds.out_label == "off_topic" and ev.scope.medical:
            # A question in words of medicine ("how do I pick a program?") asked of this
            # assistant is most likely ours, whatever other sites' study-abroad questions say.
            return None
        return odds.out_label

    def _surely_ours(self, ev: Evidence) -> bool:
        """The scope model is sure the question is ours (before residency)."""
        odds = ev.scope_odds
        return odds is not None and odds.in_scope >= self.thresholds.in_scope_sure

    def _beyond_scope(self, question: str, ev: Evidence, program: Program | None = None) -> Answer:
        """Residency-stage questions get the entry saying where to ask instead, unanswered; one
        about a program's residency says what we cover of it, its card a tap away; any other,
        the closest FAQ of ours a tap away, in case it asked about clinical experience."""
        beyond = self.kb.meta.roles.beyond_scope
        entry = self.kb.get(beyond)
        offered = program or self._closest_faq(ev, without=beyond)
        results = ((Result(entry, 0.0),) if entry else ()) + (
            (Result(offered, 0.0),) if offered else ()
        )
        note = (
            f"We cover {program.short} only for clinical experience before residency."
            if program
            else ""
        )
        return Answer(question, Mode.BEYOND_SCOPE, results, note)

    def _closest_faq(self, ev: Evidence, without: str) -> Faq | None:
        """The FAQ scored highest for the question, other than `without`."""
        rows = self._faq_rows[self._faq_rows != self._row.get(without, -1)]
        if not len(rows):
            return None
        entry = self.entries[int(rows[np.argmax(ev.fused[rows])])]
        return entry if isinstance(entry, Faq) else None

    def _name_trap(self, question: str, trap: Trap) -> Answer:
        """Say plainly that the institution asked about is not the program it resembles."""
        program, confused = trap
        where = "; ".join(program.source(ref).url for ref in confused.sources)
        note = f"{confused.name} is not {program.institution}. {confused.note} (Source: {where})"
        return Answer(question, Mode.UNKNOWN, (Result(program, 0.0),), note)

    def _other_campus(self, question: str, program: Program, asked: str) -> Answer:
        """Another campus of a program's name: we say what our card covers, never pass it off
        as the campus asked about."""
        note = (
            f"We have nothing checked on {asked}. Our {program.short} card is for "
            f"{program.location} only."
        )
        return Answer(question, Mode.UNKNOWN, (Result(program, 0.0),), note)

    def _elsewhere(self, question: str, institution: str, ev: Evidence) -> Answer:
        """An institution we do not cover: said plainly, and the topic asked answered in
        general when an FAQ is close enough; never the card of a program that reads alike."""
        note = f"{institution} is not one of the {len(self.kb.programs)} programs we cover."
        return self._in_general(question, note, ev)

    def _in_general(
        self, question: str, note: str, ev: Evidence, places: tuple[Place, ...] = ()
    ) -> Answer:
        """The note, then the topic asked answered in general when an FAQ is close enough;
        else the note with the ways to find other programs."""
        faqs_only = replace(ev, fused=np.where(self._is_faq, ev.fused, NOT_CANDIDATE))
        general = self._by_similarity(question, faqs_only)
        if general.mode is Mode.FAQ:
            kept = tuple(r for r in general.results if isinstance(r.entry, Faq))
            return replace(general, results=kept, note=f"{note} In general:", places=places)
        return Answer(question, Mode.UNKNOWN, self._fallbacks(), note, places)

    def _fallbacks(self) -> tuple[Result, ...]:
        """The FAQs offered when the place or institution asked about has no program of ours."""
        found = (self.kb.get(i) for i in self.kb.meta.roles.place_fallbacks)
        return tuple(Result(e, 0.0) for e in found if e is not None)

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
        if ev.scope.residency_only:
            # "residency programs in California": the residency stage wherever it is asked.
            return self._beyond_scope(question, ev)
        here = self.browse.programs_in(ev.places)
        places = tuple(ev.places)
        if not here:
            labels = ", ".join(p.label for p in ev.places)
            note = f"None of the programs we cover is in {labels}."
            if self._topic_of(ev) is None:  # "externships in Texas": only programs asked for
                return Answer(question, Mode.UNKNOWN, self._fallbacks(), note, places)
            # "If I don't reside in Houston, is lodging provided?" asks about housing too,
            # answered in general.
            return self._in_general(question, note, ev, places)
        here.sort(key=lambda p: -self._focus_score(p, ev) - ev.dense[self._row[p.id]])
        if ev.unknown_share >= self.thresholds.unknown_terms and not ev.scope.experience:
            # "weather in Boston": a place, but nothing else in it is about externships (an
            # observership asked about is, whatever place names we do not know come with it).
            return Answer(question, Mode.OFF_TOPIC, places=places)
        return self._listed(question, here, ev, places)

    def _by_similarity(self, question: str, ev: Evidence) -> Answer:
        t = self.thresholds
        order = top_rows(ev.fused, MAX_RESULTS)
        results = tuple(Result(self.entries[i], float(ev.fused[i])) for i in order)
        top = results[0]
        defining = self._defining(ev)
        if defining is not None:
            # "what is an observership?" is answered by the entry defining it, however close
            # another entry's wording comes.
            first = Result(defining, float(ev.fused[self._row[defining.id]]))
            rest = tuple(r for r in results if r.id != defining.id)
            return Answer(question, Mode.FAQ, (first, *rest), by_role=True)
        if not self._close_enough(ev, int(order[0])):
            return Answer(question, Mode.UNKNOWN, results[:CHOICES])
        if len(results) > 1 and top.score - results[1].score < t.margin:
            return Answer(question, Mode.CHOICES, results[:CHOICES])
        if top.id == self.kb.meta.roles.beyond_scope:
            if self._surely_ours(ev):
                beyond = self._row[top.id]
                return self._by_similarity(question, replace(ev, fused=_without(ev.fused, beyond)))
            return self._beyond_scope(question, ev)
        if isinstance(top.entry, Faq):
            return Answer(question, Mode.FAQ, results)
        if ev.unknown_share > 0:
            # A program found by likeness, not by name, while a word we do not know may name
            # another institution ("stanford visiting student elective" read as Northwestern's
            # visiting students): offered, never a confident card.
            return Answer(question, Mode.UNKNOWN, results[:CHOICES])
        peers = self._focus_peers(top.entry, ev)
        if len(peers) > 1:
            return Answer(question, Mode.LIST, tuple(Result(p, self._fused(p, ev)) for p in peers))
        return Answer(question, Mode.PROGRAM, results)

    def _about(
        self, question: str, program: Program, ev: Evidence, topic: Faq | None = None
    ) -> Answer:
        """A program's card; for a mixed question ("visa for Cleveland Clinic?") the topic is
        answered for that program from its facts, with the general FAQ right after it."""
        topic = topic or self._topic_of(ev)
        if ev.scope.residency_only or (topic and topic.id == self.kb.meta.roles.beyond_scope):
            # "Does UCLA sponsor H-1B visas for residents?": its residency, not what we cover.
            return self._beyond_scope(question, ev, program)
        results = (Result(program, 1.0),) + ((Result(topic, 1.0),) if topic else ())
        return Answer(question, Mode.PROGRAM, results, aspects=self._aspects(topic))

    def _listed(
        self,
        question: str,
        programs: Sequence[Program],
        ev: Evidence,
        places: tuple[Place, ...] = (),
        topic: Faq | None = None,
    ) -> Answer:
        """Several programs (or a place's only one), with the topic asked about, if any."""
        topic = topic or self._topic_of(ev)
        results = tuple(Result(p, 1.0) for p in programs)
        results += (Result(topic, 1.0),) if topic else ()
        return Answer(question, Mode.LIST, results, places=places, aspects=self._aspects(topic))

    def _topic_of(self, ev: Evidence) -> Faq | None:
        """The FAQ on what the question asks beyond names and places, when confident; else
        the FAQ behind a kind of fact its words ask for ("which is cheaper?" -> cost)."""
        # Vectorized: a Python max over every FAQ row cost 38 ms at 100 000 entries.
        row = int(self._faq_rows[np.argmax(ev.topic[self._faq_rows])])
        entry = self.entries[row]
        if ev.topic[row] >= self.thresholds.topic and isinstance(entry, Faq):
            return entry
        fact_faqs = self.kb.meta.roles.fact_faqs
        hinted = [self.kb.faq(fact_faqs[a]) for a in ev.aspect_hints if a in fact_faqs]
        return next((f for f in hinted if f is not None), None)

    def _aspects(self, *topics: Faq | None) -> tuple[str, ...]:
        """The kinds of fact the topics ask about ("cost" -> "fee")."""
        by_faq = {faq: key for key, faq in self.kb.meta.roles.fact_faqs.items()}
        return tuple(by_faq[t.id] for t in topics if t is not None and t.id in by_faq)

    def _compares_programs(self, ev: Evidence) -> bool:
        """A comparison of programs on a kind of fact, with no program or place named."""
        if not (ev.compares and ev.seeks_program and not ev.places):
            return False
        return bool(self._aspects(self._topic_of(ev)))

    def _follow_up(self, question: str, ev: Evidence, context: Context | None) -> Answer | None:
        """Questions about what was just discussed: "how long is it?" after a card, "which one
        is cheaper?" after a list, "and at Hopkins?" after a topic."""
        if context is None or ev.trap is not None:
            return None
        topic = self._topic_of(ev)
        if not ev.names and not ev.places and ev.refers_back:
            listed = [p for p in (self.kb.program(i) for i in context.programs) if p]
            if ev.compares and len(listed) > 1:
                return self._resolved(self._listed(question, listed, ev, topic=topic))
            program = self.kb.program(context.program) if context.program else None
            if program is not None and self._aspects(topic):
                return self._resolved(self._about(question, program, ev, topic))
        last = self.kb.faq(context.topic) if context.topic else None
        if ev.names and topic is None and last is not None and self._aspects(last):
            if len(ev.names) == 1:
                return self._about(question, ev.names[0], ev, last)
            return self._listed(question, ev.names, ev, topic=last)
        return None

    @staticmethod
    def _resolved(answer: Answer) -> Answer:
        return replace(answer, resolved=True)

    def _with_parts(self, answer: Answer, parts: list[Evidence]) -> Answer:
        """Every topic a multi-part message asks, up to three, in the order asked."""
        if not parts or answer.mode not in (Mode.PROGRAM, Mode.LIST, Mode.FAQ, Mode.CHOICES):
            return answer
        pick = self._topic_of if answer.mode in (Mode.PROGRAM, Mode.LIST) else self._part_topic
        # Topics in the order asked; the whole message's topic, when no part names it, last.
        whole = answer.topics[:1]
        asked = [t for ev in parts if (t := pick(ev)) is not None]
        found = [*asked, *whole]
        topics = list({t.id: t for t in found}.values())[:MAX_TOPICS]
        if answer.mode in (Mode.PROGRAM, Mode.LIST):
            kept = [r for r in answer.results if isinstance(r.entry, Program)]
            results = (*kept, *(Result(t, 1.0) for t in topics))
            return replace(answer, results=results, aspects=self._aspects(*topics))
        if len(topics) < 2:
            return answer
        results = tuple(Result(t, 1.0) for t in topics)
        return replace(answer, mode=Mode.FAQ, results=results, asked=len(topics))

    def _close_enough(self, ev: Evidence, row: int) -> bool:
        """Whether the entry at `row` may be presented: close by cosine, or fairly close and
        the classifier's clear choice, and the question not mostly words we do not know."""
        t = self.thresholds
        if ev.unknown_share > t.unknown_terms:
            return False
        if ev.dense[row] >= t.dense:
            return True
        return bool(ev.dense[row] >= t.dense_floor and ev.learned[row] >= t.learned_sure)

    def _defining(self, ev: Evidence) -> Faq | None:
        """The FAQ a role names (the term a definition question asks about, the experience a
        how-question, a question of worth or an offer asks after), when close enough: the role's
        wording is evidence of its own, so the floor is `dense_floor`, not `dense`."""
        if ev.defines is None or ev.dense[ev.defines] < self.thresholds.dense_floor:
            return None
        entry = self.entries[ev.defines]
        return entry if isinstance(entry, Faq) else None

    def _part_topic(self, ev: Evidence) -> Faq | None:
        """A part's topic: the FAQ defining what it asks the meaning of, or else its best FAQ
        when confident and not a near tie."""
        defining = self._defining(ev)
        if defining is not None:
            return defining
        order = top_rows(ev.fused, 2)
        best = self.entries[order[0]]
        if not isinstance(best, Faq) or best.id == self.kb.meta.roles.beyond_scope:
            return None
        clear = len(order) < 2 or ev.fused[order[0]] - ev.fused[order[1]] >= self.thresholds.margin
        return best if clear and self._close_enough(ev, int(order[0])) else None

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


def _topic_classifier(
    vectors: np.ndarray, labels: np.ndarray, thresholds: Thresholds
) -> LinearClassifier | None:
    """A classifier of questions into entries (and off topic), fitted on what they are found by;
    none when it has no weight, fewer than two labels, or more than MAX_LEARNED_ENTRIES entries
    (fitting grows with entries x texts)."""
    entries = np.unique(labels[labels != OFF_TOPIC])
    fitted = thresholds.learned_weight and len(np.unique(labels)) > 1
    if not fitted or len(entries) > MAX_LEARNED_ENTRIES:
        return None
    return LinearClassifier(vectors, labels, thresholds.learned_strength)


def _without(scores: np.ndarray, row: int) -> np.ndarray:
    """The scores with one row ruled out."""
    kept = scores.copy()
    kept[row] = NOT_CANDIDATE
    return kept


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
