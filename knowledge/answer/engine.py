"""The answer engine: question in, ranked program cards and FAQ answers out. Knows no transport.

Evidence is gathered in one pass — program names, US places, focus words, dense similarity to
every FAQ phrasing and program text, BM25 — and a short cascade decides what to present. Anything
below the calibrated thresholds comes back unanswered, with suggestions instead of a guess.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from embeddings.cache import EmbeddingCache, EmbedStats, embed
from embeddings.encoder import Encoder
from embeddings.index import VectorIndex
from knowledge.lexical import BM25
from knowledge.loader import KnowledgeBase
from knowledge.names import NameMatcher
from knowledge.places import PLACE_NAMES, PLACE_WORDS, Place, contains, find_places
from knowledge.schema import Entry, Faq, Program
from knowledge.smalltalk import strip_small_talk
from knowledge.text import clean, content_terms, stem, words


class Mode(StrEnum):
    PROGRAM = "program"  # one program card (maybe with a related FAQ after it)
    FAQ = "faq"  # one FAQ answer
    LIST = "list"  # several programs (named together, or sharing a place or focus)
    CHOICES = "choices"  # a near tie: not answered, the candidates offered as choices
    UNKNOWN = "unknown"  # nothing confident: suggestions only
    SMALL_TALK = "small_talk"
    EMPTY = "empty"


ANSWERED = frozenset({Mode.PROGRAM, Mode.FAQ, Mode.LIST})


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the evaluation set's score distributions (see `imgbot eval`)."""

    dense: float = 0.45  # cosine the best entry needs to be presented
    lexical_weight: float = 0.15  # weight of max-normalized BM25 added to the cosine
    margin: float = 0.01  # a closer runner-up (another entry, fused score) makes it a choice
    topic: float = 0.45  # a FAQ's topic score (cosine + BM25 of the residue) to follow a card
    focus_bonus: float = 0.10  # per focus tag a program shares with a program-seeking question
    unknown_terms: float = 0.5  # share of words unknown to the knowledge base that rejects


@dataclass(frozen=True)
class Result:
    entry: Entry
    score: float

    @property
    def kind(self) -> str:
        return self.entry.entry_kind

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.entry.title


@dataclass(frozen=True)
class Answer:
    question: str
    mode: Mode
    results: tuple[Result, ...] = ()
    note: str = ""
    places: tuple[Place, ...] = ()

    @property
    def answered(self) -> bool:
        return self.mode in ANSWERED

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "mode": str(self.mode),
            "results": [
                {"kind": r.kind, "id": r.id, "title": r.title, "score": round(r.score, 4)}
                for r in self.results
            ],
        }


# Words that show a question is about finding a program, not about a general topic.
PROGRAM_WORDS = frozenset(
    content_terms(
        "externship externships observership observerships program programs rotation rotations "
        "elective electives placement placements hospital hospitals clinic internship "
        "clerkship opportunity opportunities option options anything something somewhere place "
        "places one ones where which recommend suggest best good"
    )
)
# General words of the domain that the entries happen not to use; they are not "unknown".
DOMAIN_WORDS = frozenset(
    content_terms(
        "img imgs fmg doctor doctors physician physicians resident residents residency match "
        "usmle step ecfmg eras nrmp medical medicine student students graduate graduated graduates "
        "school college intern internship clinical experience usce rotation attending attendings "
        "specialty specialties internal surgery surgical pediatrics psychiatry neurology "
        "cardiology "
        "radiology anesthesiology oncology obgyn gynecology emergency dermatology pathology "
        "family ophthalmology urology nephrology hospitalist inpatient outpatient usa "
        "america american united states country abroad foreign international"
    )
)
# Focus tags and the words users say for them.
FOCUS_WORDS: dict[str, tuple[str, ...]] = {
    "research": ("research", "researcher", "science", "scientific", "publication"),
    "primary care": (
        "primary care",
        "family medicine",
        "family practice",
        "pcp",
        "gp",
        "general practice",
    ),
    "technology": ("technology", "tech", "digital", "innovation", "innovative", "informatics"),
    "affordable": (
        "affordable",
        "cheap",
        "cheapest",
        "low cost",
        "inexpensive",
        "budget",
        "low fee",
        "cheaper",
        "not expensive",
        "less expensive",
        "budget friendly",
    ),
    "rural": ("rural", "countryside", "small town"),
    "urban": ("urban", "big city", "city"),
    "mentorship": ("mentor", "mentorship", "mentoring", "mentors"),
    "shadowing": ("shadow", "shadowing"),
    "hands on": ("hands on", "hands-on", "practical", "direct patient"),
    "diversity": ("diverse", "diversity", "multicultural", "culturally"),
    "community": ("community",),
    "residency application support": (
        "application support",
        "help with residency",
        "residency application",
    ),
    "specialty care": ("specialty care", "specialist", "subspecialty"),
    "teamwork": ("teamwork", "care team", "team"),
    "patient care": ("patient care",),
    "communication": ("communication",),
    "professionalism": ("professionalism",),
    "workshops": ("workshop", "workshops"),
    "networking": ("networking", "connections", "network"),
}
# Tags that pick programs out. The others (mentorship, hands on, shadowing, networking…) are FAQ
# topics as well, so they only nudge the ranking: "mentoring during externship" is a question
# about support, not a request for the programs that mention mentors.
SELECTIVE_TAGS = frozenset(
    {
        "research",
        "primary care",
        "technology",
        "affordable",
        "rural",
        "urban",
        "community",
        "residency application support",
        "specialty care",
        "diversity",
        "communication",
        "professionalism",
    }
)
# Words naming what is sought, and words linking it to a description ("program WITH …").
PROGRAM_NOUNS = frozenset(
    stem(w)
    for w in "externship externships observership observerships program programs "
    "rotation rotations placement placements option options hospital hospitals elective "
    "electives internship internships opportunity opportunities clerkship one ones".split()
)
LINK_WORDS = frozenset(
    stem(w)
    for w in "with for in on that which focused focusing focus emphasizing emphasizes "
    "emphasises offering offers good best about has have help helps who want wants where "
    "strong known".split()
)
_FOCUS_TERMS = {
    tag: [[stem(w) for w in words(p)] for p in phrases] for tag, phrases in FOCUS_WORDS.items()
}
_FOCUS_VOCABULARY = frozenset(t for phrases in _FOCUS_TERMS.values() for p in phrases for t in p)
# Words that add no FAQ topic to a program's name: generic ones ("UCLA for IMGs", "FIU program
# details") and focus words, which the program's card itself answers ("JHU research").
FILLER = (
    PROGRAM_WORDS
    | _FOCUS_VOCABULARY
    | frozenset(content_terms("img imgs fmg foreign graduate detail details overview info review"))
)
MAX_RESULTS = 5
LOOSE_NAME = 60.0  # name similarity worth offering as a suggestion, never as an answer
# The FAQ that explains each fact a program card shows.
FACT_FAQS = {
    "cost": "cost",
    "duration": "duration",
    "eligibility": "eligibility",
    "visa": "visa",
    "how_to_apply": "how-to-apply",
}


@dataclass(frozen=True)
class _Evidence:
    names: list[Program]
    places: list[Place]
    focus: set[str]
    described: set[str]  # selective focus tags describing a sought program
    dense: np.ndarray  # best cosine per entry
    fused: np.ndarray  # cosine + weighted max-normalized BM25 + focus bonus
    unknown_share: float
    topic: np.ndarray  # cosine + BM25 of the words beyond names, places and program nouns


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
        self.index = VectorIndex(vectors)
        self._owners = np.array(owners)
        self._faq_rows = [i for i, e in enumerate(self.entries) if isinstance(e, Faq)]
        self.bm25 = BM25([content_terms(document(e)) for e in self.entries])
        self.vocabulary = self.bm25.vocabulary | PROGRAM_WORDS | DOMAIN_WORDS | _FOCUS_VOCABULARY
        self._vocabulary_list = sorted(self.vocabulary)
        self.names = NameMatcher(kb.programs, protected=PLACE_NAMES)
        self._program_places = {p.id: _program_place(p) for p in kb.programs}
        self._program_vectors = {
            p.id: _mean_row(self.index.matrix[self._owners == self._row[p.id]]) for p in kb.programs
        }

    # -- browsing ---------------------------------------------------------------------------

    def similar_programs(self, program: Program, k: int = 3) -> list[Program]:
        """Programs sharing the most focus tags, then the closest texts."""
        me = self._program_vectors[program.id]

        def closeness(other: Program) -> tuple[int, float]:
            shared = len(set(program.focus) & set(other.focus))
            return shared, float(self._program_vectors[other.id] @ me)

        others = [p for p in self.kb.programs if p.id != program.id]
        return sorted(others, key=closeness, reverse=True)[:k]

    def related_faqs(self, program: Program) -> list[Faq]:
        """The FAQ entries behind a card's facts (cost, visa, …), most of which it cannot give."""
        ids = [FACT_FAQS[key] for key, value in program.facts().items() if key in FACT_FAQS]
        ids += ["choosing-a-program", "scams"]
        return [f for f in (self.kb.faq(i) for i in dict.fromkeys(ids)) if f is not None]

    def programs_matching(self, text: str) -> list[Program]:
        """Programs for a /programs filter: a place, a focus word, or words of their fields;
        every program for an empty filter."""
        if not text.strip():
            return list(self.kb.programs)
        places = find_places(text)
        if places:
            return [
                p
                for p in self.kb.programs
                if (at := self._program_places[p.id]) and any(contains(at, w) for w in places)
            ]
        wanted = {tag for tag, _, _ in _focus_spans([stem(w) for w in words(text)])}
        if wanted:
            return [p for p in self.kb.programs if wanted & set(p.focus)]
        needle = " ".join(words(text))
        return [p for p in self.kb.programs if needle and needle in _searchable(p)]

    def find_program(self, name: str) -> tuple[list[Program], list[Program]]:
        """(confident matches, looser suggestions) for a program name the user typed."""
        strong = [m.program for m in self.names.match(name)]
        if strong:
            return strong, []
        loose = [m.program for m in self.names.match(name, threshold=LOOSE_NAME)]
        return [], loose[:MAX_RESULTS]

    def with_thresholds(self, thresholds: Thresholds) -> AnswerEngine:
        """The same engine (sharing its index) with other thresholds, for calibration."""
        twin = copy.copy(self)
        twin.thresholds = thresholds
        return twin

    @property
    def stats(self) -> EmbedStats:
        return self.embed_stats

    def answer(self, question: str) -> Answer:
        return self.answer_many([question])[0]

    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        """Answers in order; questions are encoded in batches, once each."""
        cleaned = [clean(q) for q in questions]
        rests = [strip_small_talk(c) for c in cleaned]
        to_encode = [r for r in rests if _has_words(r)]
        vectors = self.encoder.encode(to_encode) if to_encode else np.zeros((0, 0), np.float32)
        answers, j = [], 0
        for question, c, rest in zip(questions, cleaned, rests, strict=True):
            if not _has_words(c):
                answers.append(Answer(question, Mode.EMPTY))
            elif not _has_words(rest):
                answers.append(Answer(question, Mode.SMALL_TALK))
            else:
                answers.append(self._decide(question, self._evidence(rest, vectors[j])))
                j += 1
        return answers

    def top_similarities(self, questions: Sequence[str]) -> list[float | None]:
        """Best-entry cosine per question (None for small talk and empty ones), for calibration."""
        rests = [strip_small_talk(clean(q)) for q in questions]
        kept = [r for r in rests if _has_words(r)]
        vectors = self.encoder.encode(kept) if kept else np.zeros((0, 0), np.float32)
        best = iter(float(self.index.scores(v).max()) for v in vectors)
        return [next(best) if _has_words(r) else None for r in rests]

    # -- evidence ---------------------------------------------------------------------------

    def _evidence(self, text: str, vector: np.ndarray) -> _Evidence:
        names = self.names.match(text)
        name_words = frozenset().union(*(m.words for m in names)) if names else frozenset()
        places = [p for p in find_places(text) if not _covered(p, name_words)]
        scores = self.index.scores(vector)
        dense = np.full(len(self.entries), -1.0, dtype=np.float32)
        np.maximum.at(dense, self._owners, scores)
        terms = content_terms(text)
        sequence = [stem(w) for w in words(text)]
        spans = _focus_spans(sequence)
        # Terms are stemmed, so the words to leave out must be too ("johns" -> "john").
        skip = {stem(w) for w in (name_words | PLACE_WORDS if places else name_words)}
        meaningful = [t for t in terms if t not in skip]
        unknown = [t for t in meaningful if not self._known(t)]
        lexical = self.bm25.scores(terms)
        focus = {tag for tag, _, _ in spans}
        program_intent = bool(set(terms) & PROGRAM_WORDS)
        return _Evidence(
            names=[m.program for m in names],
            places=places,
            focus=focus,
            described=_described(sequence, spans),
            dense=dense,
            fused=dense
            + self.thresholds.lexical_weight * _max_normalized(lexical)
            + self._focus_bonus(focus, program_intent),
            unknown_share=len(unknown) / len(meaningful) if meaningful else 0.0,
            topic=self._topic_scores(dense, [t for t in meaningful if t not in FILLER]),
        )

    # -- decision ---------------------------------------------------------------------------

    def _decide(self, question: str, ev: _Evidence) -> Answer:
        if len(ev.names) >= 2:
            return Answer(question, Mode.LIST, tuple(Result(p, 1.0) for p in ev.names))
        if ev.names:
            return Answer(question, Mode.PROGRAM, self._card_and_topic(ev.names[0], ev))
        if ev.places:
            return self._by_place(question, ev)
        if ev.described and ev.unknown_share < self.thresholds.unknown_terms:
            return self._by_focus(question, ev)
        return self._by_similarity(question, ev)

    def _by_focus(self, question: str, ev: _Evidence) -> Answer:
        """Programs carrying the most of the described tags, best fused score first."""
        count = {p.id: len(ev.described & set(p.focus)) for p in self.kb.programs}
        best = max(count.values())
        if not best:
            return self._by_similarity(question, ev)
        top = [p for p in self.kb.programs if count[p.id] == best]
        top.sort(key=lambda p: -ev.fused[self._row[p.id]])
        results = tuple(Result(p, float(ev.fused[self._row[p.id]])) for p in top[:MAX_RESULTS])
        return Answer(question, Mode.PROGRAM if len(results) == 1 else Mode.LIST, results)

    def _by_place(self, question: str, ev: _Evidence) -> Answer:
        here = [
            p
            for p in self.kb.programs
            if (at := self._program_places[p.id]) and any(contains(at, want) for want in ev.places)
        ]
        labels = ", ".join(p.label for p in ev.places)
        if not here:
            note = f"None of the programs we cover is in {labels}."
            suggestions = [self._result("finding-more-programs"), self._result("amsa")]
            return Answer(
                question, Mode.UNKNOWN, tuple(r for r in suggestions if r), note, tuple(ev.places)
            )
        ranked = sorted(here, key=lambda p: -self._focus_score(p, ev) - ev.dense[self._row[p.id]])
        results = tuple(Result(p, 1.0) for p in ranked)
        if ev.unknown_share >= self.thresholds.unknown_terms:
            # "weather in Boston": a place, but nothing else in it is about externships.
            return Answer(question, Mode.UNKNOWN, results, places=tuple(ev.places))
        if len(results) == 1:
            return Answer(
                question, Mode.PROGRAM, self._card_and_topic(ranked[0], ev), places=tuple(ev.places)
            )
        return Answer(question, Mode.LIST, results, places=tuple(ev.places))

    def _by_similarity(self, question: str, ev: _Evidence) -> Answer:
        t = self.thresholds
        order = np.argsort(-ev.fused, kind="stable")[:MAX_RESULTS]
        results = tuple(Result(self.entries[i], float(ev.fused[i])) for i in order)
        top = results[0]
        if ev.dense[order[0]] < t.dense or ev.unknown_share > t.unknown_terms:
            return Answer(question, Mode.UNKNOWN, results[:3])
        if len(results) > 1 and top.score - results[1].score < t.margin:
            return Answer(question, Mode.CHOICES, results[:3])
        if isinstance(top.entry, Faq):
            return Answer(question, Mode.FAQ, results)
        peers = self._focus_peers(top.entry, ev)
        if len(peers) > 1:
            return Answer(
                question,
                Mode.LIST,
                tuple(Result(p, float(ev.fused[self._row[p.id]])) for p in peers),
            )
        return Answer(question, Mode.PROGRAM, results)

    # -- helpers ----------------------------------------------------------------------------

    def _card_and_topic(self, program: Program, ev: _Evidence) -> tuple[Result, ...]:
        """A program's card first; for a mixed question ("visa for Chicago?") the FAQ on its
        topic right after, one tap away."""
        row = max(self._faq_rows, key=lambda r: ev.topic[r])
        if ev.topic[row] >= self.thresholds.topic:
            return Result(program, 1.0), Result(self.entries[row], float(ev.topic[row]))
        return (Result(program, 1.0),)

    def _topic_scores(self, dense: np.ndarray, residue: list[str]) -> np.ndarray:
        """Scores of the topic a question asks about once names and places are set aside
        ("cleveland clinic usmle" -> USMLE); zero when nothing is left ("externships in Boston")."""
        if not residue:
            return np.zeros_like(dense)
        lexical = self.bm25.scores(residue)
        return dense + self.thresholds.lexical_weight * _max_normalized(lexical)

    def _known(self, term: str) -> bool:
        """In the domain's vocabulary, allowing a typo in longer words."""
        if term in self.vocabulary or term.isdigit():
            return True
        allowed = 1 if len(term) >= 5 else 0
        allowed += len(term) >= 9
        return bool(allowed) and bool(
            process.extractOne(
                term, self._vocabulary_list, scorer=Levenshtein.distance, score_cutoff=allowed
            )
        )

    def _focus_score(self, program: Program, ev: _Evidence) -> int:
        return len(ev.focus & set(program.focus))

    def _focus_peers(self, top: Program, ev: _Evidence) -> list[Program]:
        """Programs matching as many of the question's focus tags as the best one, best first."""
        wanted = self._focus_score(top, ev)
        if not wanted:
            return [top]
        peers = [p for p in self.kb.programs if self._focus_score(p, ev) == wanted]
        return sorted(peers, key=lambda p: -ev.fused[self._row[p.id]])[:MAX_RESULTS]

    def _focus_bonus(self, focus: set[str], program_intent: bool) -> np.ndarray:
        bonus = np.zeros(len(self.entries), dtype=np.float32)
        if focus and program_intent:
            for i, entry in enumerate(self.entries):
                if isinstance(entry, Program):
                    bonus[i] = self.thresholds.focus_bonus * len(focus & set(entry.focus))
        return bonus

    def _result(self, entry_id: str) -> Result | None:
        entry = self.kb.get(entry_id)
        return Result(entry, 0.0) if entry else None


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


def _program_place(program: Program) -> Place | None:
    found = find_places(program.location)
    return found[0] if len(found) == 1 else None


def _covered(place: Place, name_words: frozenset[str]) -> bool:
    return bool(name_words) and set(place.words) <= name_words


def _focus_spans(sequence: list[str]) -> list[tuple[str, int, int]]:
    """(tag, start, end) of every focus phrase in a stemmed word sequence."""
    spans = []
    for tag, phrases in _FOCUS_TERMS.items():
        for phrase in phrases:
            n = len(phrase)
            for i in range(len(sequence) - n + 1):
                if phrase and sequence[i : i + n] == phrase:
                    spans.append((tag, i, i + n))
    return spans


def _described(sequence: list[str], spans: list[tuple[str, int, int]]) -> set[str]:
    """Selective tags used to describe a sought program: "low cost externship" (the phrase
    before a program noun, one word between at most) or "program … for family medicine" (a
    program noun shortly before, joined by a linking word). "are externships cheap" asks about
    cost and matches neither."""
    found = set()
    for tag, start, end in spans:
        if tag not in SELECTIVE_TAGS:
            continue
        if any(w in PROGRAM_NOUNS for w in sequence[end : end + 2]):
            found.add(tag)
            continue
        for p in range(max(0, start - 6), start):
            between = sequence[p + 1 : start]
            if sequence[p] in PROGRAM_NOUNS and any(w in LINK_WORDS for w in between):
                found.add(tag)
                break
    return found


def _searchable(program: Program) -> str:
    fields = [program.name, program.institution, program.location, program.kind]
    return " ".join(words(" ".join([*fields, *program.aliases, *program.focus])))


def _mean_row(rows: np.ndarray) -> np.ndarray:
    mean: np.ndarray = rows.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean


def _max_normalized(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
