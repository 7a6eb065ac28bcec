"""Evidence for one question, gathered in one pass over its tokens: program names, US places,
focus words, dense similarity to every entry, BM25, and the share of words unknown to us."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.classifier import LinearClassifier
from embeddings.grouped import GroupedIndex
from embeddings.index import VectorIndex, top_rows
from knowledge.answer.institutions import capitalised, foreign, other_institution
from knowledge.answer.language import other_language
from knowledge.answer.lexical import BM25, NearWords
from knowledge.answer.names import NameMatch, NameMatcher
from knowledge.answer.places import Gazetteer, Place
from knowledge.answer.scope import ScopeModel, ScopeOdds
from knowledge.answer.text import Token, stem
from knowledge.answer.vocabulary import Lexicon
from knowledge.schema import Entry, NameTrap, Program

Trap = tuple[Program, NameTrap]
Campus = tuple[Program, str]  # a program, and the other campus of its name asked about

# An unknown word this long may be a typo of a known one (one edit; two from TWO_TYPOS_CHARS).
ONE_TYPO_CHARS = 5
TWO_TYPOS_CHARS = 9
# Above the size where the dense search turns approximate (embeddings/grouped.py), the entries
# this many best by BM25 (of the question, and of its topic's words) are always scored exactly
# as well: their words can carry them to the top of the fused score whatever their summary says.
SURFACED_BY_WORDS = 64


@dataclass(frozen=True)
class Weights:
    lexical: float  # weight of max-normalized BM25 added to the cosine
    focus_bonus: float  # per focus tag a program shares with a program-seeking question
    learned: float = 0.0  # weight of the topic classifier's probability


@dataclass(frozen=True)
class Scope:
    experience: frozenset[str]  # words of clinical experience before residency
    medical: frozenset[str]  # words of medicine or of programs at all
    residency: frozenset[str]  # words of the residency stage itself
    other_field: bool  # names another profession or stage ("dental", "pre-med")
    other_reader: bool  # names another reader's need ("F-1", "travel insurance", "shadowing")
    other_language: bool  # written in a language other than English
    trainee: frozenset[str]  # words marking a doctor trained abroad

    @property
    def off_topic(self) -> bool:
        return not (self.experience or self.medical or self.residency)

    @property
    def other_profession(self) -> bool:
        """About another profession's or stage's placements, not a doctor trained abroad."""
        return self.other_field and not self.trainee

    @property
    def other_reader_only(self) -> bool:
        """About another reader's need (a degree student's visa, a tourist's insurance, a
        pre-med's shadowing), not clinical experience nor a doctor trained abroad."""
        return self.other_reader and not self.experience and not self.trainee

    @property
    def residency_only(self) -> bool:
        return bool(self.residency) and not self.experience


@dataclass(frozen=True)
class Evidence:
    names: list[Program]
    trap: Trap | None  # another institution the question names, confusable with a program
    places: list[Place]
    focus: set[str]
    described: set[str]  # selective focus tags describing a sought program
    dense: np.ndarray  # best cosine per entry
    fused: np.ndarray  # cosine + weighted max-normalized BM25 + focus bonus
    unknown_share: float
    topic: np.ndarray  # cosine + BM25 of the words beyond names, places and program nouns
    scope: Scope  # which stage of an IMG's path the words speak of
    refers_back: bool  # "it", "they", "that one": about what was just discussed
    compares: bool  # "which is cheaper", "best"
    seeks_program: bool  # names programs in general ("which program", "which one")
    aspect_hints: tuple[str, ...]  # kinds of fact the words ask for ("cheaper" -> "fee")
    learned: np.ndarray  # the topic classifier's probability per entry (zeros without one)
    learned_off_topic: float  # its probability that the question is off topic
    uses_term: bool  # uses a term an FAQ defines ("ESTA", "VSLO"): a term of ours
    # Row of the FAQ a question's form asks for: defining the term of a "what is …?" question,
    # saying how to obtain what a "how do I get …?" question names, whether what a question of
    # worth names is worth doing, or where what "do you offer …?" names is found.
    defines: int | None
    weighs_worth: bool  # asks whether an experience is worth doing ("do I need an away?")
    scope_odds: ScopeOdds | None = None  # the scope model's judgement (None without one)
    elsewhere: str | None = None  # an institution named that is none of ours, as written
    campus: Campus | None = None  # a program's name written with a place it is not in


class Retriever:
    """Scores a question against every entry; holds the index, BM25 and the matchers."""

    def __init__(
        self,
        entries: Sequence[Entry],
        owners: np.ndarray,
        index: VectorIndex,
        bm25: BM25,
        names: NameMatcher[Program],
        traps: NameMatcher[Trap],
        gazetteer: Gazetteer,
        lexicon: Lexicon,
        definitions: Mapping[str, str] | None = None,
        procedures: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
        offers: Mapping[str, str] | None = None,
        topics: LinearClassifier | None = None,
        scope: ScopeModel | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.owners = owners  # entry row of each embedded passage
        self.index = index
        self.passages = GroupedIndex(index, owners, len(self.entries))
        self._row = {e.id: i for i, e in enumerate(self.entries)}
        self._defining = self._rows_of(definitions)  # terms a definition asks the meaning of
        self._procedures = self._rows_of(procedures)  # a how-question's verbs
        self._values = self._rows_of(values)  # terms a question of worth asks about
        self._offers = self._rows_of(offers)  # verbs asking whether we offer an experience
        self.topics = topics
        self.scope = scope
        # Programs are picked out by names, places and focus words; the classifier's probability
        # only ranks FAQ entries (1 for an FAQ row, 0 for a program's).
        self._faq = np.array([not isinstance(e, Program) for e in self.entries], np.float32)
        self.bm25 = bm25
        self.names = names
        self.traps = traps
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.vocabulary = (
            bm25.vocabulary | lexicon.program_words | lexicon.domain_words | lexicon.focus_words
        )
        self._near = NearWords(self.vocabulary, (ONE_TYPO_CHARS, TWO_TYPOS_CHARS))
        self._not_distinctive = (
            lexicon.institution_words | lexicon.institution_qualifiers | gazetteer.words
        )
        self._near_generic = NearWords(self._not_distinctive, (ONE_TYPO_CHARS, TWO_TYPOS_CHARS))
        # "externship" ends no campus's name; "clinic" may ("Cleveland Clinic Florida").
        self._campus_generic = lexicon.generic_name_words - lexicon.institution_words
        # Each program's own location, by state: a program is "in" a place asked for only if
        # its state is that place's.
        self._located: dict[str, list[tuple[int, Program, Place]]] = {}
        self._location: dict[str, Place] = {}  # by program id
        tokenizer = lexicon.tokenizer
        for row, entry in enumerate(self.entries):
            if isinstance(entry, Program):
                found = gazetteer.find(entry.location, tokenizer.tokens(entry.location))
                if len(found) == 1:
                    self._located.setdefault(found[0].state, []).append((row, entry, found[0]))
                    self._location[entry.id] = found[0]
        # The entries carrying each focus tag: a sparse tag x entry matrix, one row per tag.
        tagged: dict[str, list[int]] = {}
        for row, entry in enumerate(self.entries):
            if isinstance(entry, Program):
                for tag in dict.fromkeys(entry.focus):
                    tagged.setdefault(tag, []).append(row)
        self._tagged = {tag: np.array(rows) for tag, rows in tagged.items()}

    def _rows_of(self, words: Mapping[str, str] | None) -> dict[str, int]:
        """A role's words by stem ("observerships" and "getting" ask what "observership" and "get"
        do), to the rows of their entries."""
        return {stem(w): self._row[i] for w, i in (words or {}).items() if i in self._row}

    def gather(
        self, text: str, vector: np.ndarray, weights: Weights, read: str | None = None
    ) -> Evidence:
        """`read` is the text as the sentence model reads it (reading.py): BM25 ranks its words,
        so a user's "away rotation" weighs as the entries' "externship" there too, not as the
        rotations some entries mention in passing. Everything else reads `text`."""
        tokens = self.lexicon.tokenizer.tokens(text)
        stems = [t.stem for t in tokens]
        terms = [t.stem for t in tokens if not t.stop]
        words = [t.word for t in tokens]
        names = self.names.match(words)
        trap = self._trap(words, names)
        name_words = frozenset().union(*(m.words for m in names))
        places = self._places(text, tokens, name_words)
        meaningful = self._meaningful(terms, name_words, bool(places))
        spans = self.lexicon.focus_spans(stems)
        focus = {s.tag for s in spans}
        program_intent = bool(set(terms) & self.lexicon.program_words)
        ranked = terms
        if read is not None and read != text:
            ranked = [t.stem for t in self.lexicon.tokenizer.tokens(read) if not t.stop]
        lexical = self.bm25.scores(ranked)
        bonus = self._focus_bonus(focus, program_intent, weights.focus_bonus)
        residue = [t for t in meaningful if t not in self.lexicon.filler]
        topical = self.bm25.scores(residue) if residue else None
        surfaced = None  # needed only where the dense search is approximate
        if self.passages.approximate:
            surfaced = self._surfaced(names, places, (lexical, topical), bonus)
        dense = self.dense(vector, surfaced)
        learned, off = self.learned(vector)
        fused = (
            dense
            + weights.lexical * max_normalized(lexical)
            + bonus
            + weights.learned * learned * self._faq
        )
        unknown = [t for t in meaningful if not self.known(t)]
        worth = self.lexicon.valued(tokens, self._values)
        return Evidence(
            names=[m.named for m in names],
            trap=trap,
            places=places,
            focus=focus,
            described=self.lexicon.described(stems, spans),
            dense=dense,
            fused=fused,
            unknown_share=len(unknown) / len(meaningful) if meaningful else 0.0,
            topic=self._topic(dense, topical, weights.lexical),
            scope=self._scope(text, stems, words),
            refers_back=bool(set(words) & self.lexicon.reference_words),
            compares=bool(set(stems) & self.lexicon.comparison_words),
            seeks_program=bool(set(stems) & self.lexicon.compared_things),
            aspect_hints=tuple(
                dict.fromkeys(a for t in stems if (a := self.lexicon.aspect_words.get(t)))
            ),
            uses_term=bool(set(stems) & self._defining.keys()),
            defines=self.lexicon.defined(tokens, self._defining)
            or self.lexicon.procedure(tokens, self._procedures)
            or worth
            or self.lexicon.offered(tokens, self._offers),
            weighs_worth=worth is not None,
            learned=learned,
            learned_off_topic=off,
            scope_odds=self.scope.odds([text], vector[None, :])[0] if self.scope else None,
            elsewhere=None
            if names or trap
            else other_institution(
                text, tokens, self.lexicon.institution_words, self._distinctive, self._strange
            ),
            campus=None if trap else self._other_campus(text, tokens, names, places),
        )

    def with_scope(self, scope: ScopeModel | None) -> Retriever:
        """The same retriever with another scope model."""
        twin = copy.copy(self)
        twin.scope = scope
        return twin

    def learned(self, vector: np.ndarray) -> tuple[np.ndarray, float]:
        """The topic classifier's probability per entry, and that of off topic (zeros without a
        classifier). Its labels are entry rows, and a negative label for off topic."""
        out = np.zeros(len(self.entries), dtype=np.float32)
        if self.topics is None:
            return out, 0.0
        probs = self.topics.probabilities(vector[None, :])[0]
        rows = self.topics.labels >= 0
        out[self.topics.labels[rows]] = probs[rows]
        return out, float(probs[~rows].sum())

    def _scope(self, text: str, stems: list[str], words: list[str]) -> Scope:
        present = frozenset(stems)
        lexicon = self.lexicon
        return Scope(
            experience=present & lexicon.experience_words
            | {" ".join(p) for p in lexicon.experience_phrases if _positions(words, p)},
            medical=present & lexicon.medical_words,
            residency=(present & lexicon.residency_words)
            | {" ".join(p) for p in lexicon.residency_phrases if _positions(words, p)}
            | {
                word
                for a, b in lexicon.residency_pairs
                if present & a and present & b
                for word in present & (a | b)
            }
            | {
                word for a, b in lexicon.residency_unless if not present & b for word in present & a
            },
            other_field=any(_positions(words, field) for field in lexicon.other_fields),
            other_reader=any(_positions(words, need) for need in lexicon.other_readers),
            other_language=other_language(
                text, lexicon.other_language_words, lexicon.tokenizer.stopwords
            ),
            trainee=present & lexicon.physician_trainee_words,
        )

    def _trap(self, words: list[str], names: list[NameMatch[Program]]) -> Trap | None:
        """A name trap wins over its program when it matches at least as well and explains at
        least the words the program's match used ("Mount Sinai Miami Beach" is not the New York
        system; "American Medical Student Association" is not the Asian one)."""
        for match in self.traps.match(words):
            program, _ = match.named
            own = [m for m in names if m.named.id == program.id]
            if not own or (own[0].words <= match.words and own[0].score <= match.score):
                return match.named
        return None

    def _other_campus(
        self,
        text: str,
        tokens: Sequence[Token],
        names: Sequence[NameMatch[Program]],
        places: Sequence[Place],
    ) -> Campus | None:
        """Another campus of a program's name, as written, which its card does not cover: a
        US place written against the name that is not where the program is ("Cleveland Clinic
        Florida", "Florida Cleveland Clinic"), or capitalised words right after the name that are
        none of ours, no place and no typo ("Cleveland Clinic Abu Dhabi"). "Is Cleveland Clinic
        in Florida?" is not one."""
        words = [t.word for t in tokens]
        for match in names:
            first = next((i for i, w in enumerate(words) if w in match.words), None)
            if first is None:
                continue
            end = first + 1  # the name as matched
            while end < len(words) and words[end] in match.words:
                end += 1
            shown = end  # without a generic word at its end
            while shown - 1 > first and words[shown - 1] in self._campus_generic:
                shown -= 1
            name = text[tokens[first].start : tokens[shown - 1].end]
            program = match.named
            home = self._location.get(program.id)
            for place in places:
                if home is None or self.gazetteer.contains(home, place):
                    continue
                for start in _positions(words, place.words):
                    written = text[tokens[start].start : tokens[start + len(place.words) - 1].end]
                    if start + len(place.words) == first:
                        return program, f"{written} {name}"
                    if start == end:
                        return program, f"{name} {written}"
            stop = end
            # After a possessive ("Cleveland Clinic's CME conferences") comes something of the
            # institution's own, not another campus.
            owned = end < len(tokens) and any(
                c in text[tokens[end - 1].end : tokens[end].start] for c in "'’"
            )
            while not owned and stop < len(tokens) and capitalised(tokens[stop]):
                if not foreign(tokens[stop], self._strange):
                    break
                stop += 1
            if stop > end:
                return program, f"{name} {text[tokens[end].start : tokens[stop - 1].end]}"
        return None

    def dense(self, vector: np.ndarray, surfaced: np.ndarray | None = None) -> np.ndarray:
        """Best cosine per entry over its passages; above the size where the search turns
        approximate, exact for the entries it finds best and the `surfaced` ones, a lower bound
        for the rest (see embeddings/grouped.py)."""
        return self.passages.best(vector, surfaced)

    def _surfaced(
        self,
        names: Sequence[NameMatch[Program]],
        places: Sequence[Place],
        lexical: tuple[np.ndarray, np.ndarray | None],
        bonus: np.ndarray,
    ) -> np.ndarray:
        """The entries a question's names, places, focus words and best BM25 hits point at."""
        rows = [self._row[m.named.id] for m in names]
        rows += [row for row, _ in self.programs_in(places)]
        found = [np.array(rows, dtype=np.int64), np.flatnonzero(bonus)]
        for scores in lexical:
            if scores is not None:
                best = top_rows(scores, SURFACED_BY_WORDS)
                found.append(best[scores[best] > 0])
        return np.concatenate(found)

    def programs_in(self, places: Sequence[Place]) -> list[tuple[int, Program]]:
        """(row, program) of the programs whose own location lies in any of `places`, in entry
        order."""
        found: dict[int, Program] = {}
        for want in places:
            for row, program, at in self._located.get(want.state, ()):
                if self.gazetteer.contains(at, want):
                    found[row] = program
        return sorted(found.items())

    def exactly(self) -> Retriever:
        """The same retriever scoring every passage at any size, to measure recall."""
        twin = copy.copy(self)
        twin.passages = self.passages.exactly()
        return twin

    def _distinctive(self, word: str) -> bool:
        """A word that can pick out an institution none of our entries mentions: neither a
        kind of institution ("teaching"), a place, nor a word of our knowledge."""
        return word not in self._not_distinctive and stem(word) not in self.vocabulary

    def _strange(self, word: str) -> bool:
        """Distinctive, and not even a typo of a word we know ("mayo", not "privat")."""
        return (
            self._distinctive(word)
            and not self.known(stem(word))
            and not self._near_generic.near(word)
        )

    def known(self, term: str) -> bool:
        """In the domain's vocabulary, allowing a typo in longer words."""
        if term in self.vocabulary or term.isdigit():
            return True
        return self._near.near(term)

    def _places(
        self, text: str, tokens: Sequence[Token], name_words: frozenset[str]
    ) -> list[Place]:
        """Places, leaving out those that are part of a program's name ("U of Miami")."""
        found = self.gazetteer.find(text, tokens)
        return [p for p in found if not (name_words and set(p.words) <= name_words)]

    def _meaningful(
        self, terms: list[str], name_words: frozenset[str], has_places: bool
    ) -> list[str]:
        """The terms beyond the program names (and place words, when a place was named)."""
        skipped = name_words | self.gazetteer.words if has_places else name_words
        # Terms are stemmed, so the words to leave out must be too ("johns" -> "john").
        skip = {stem(w) for w in skipped}
        return [t for t in terms if t not in skip]

    def _topic(
        self, dense: np.ndarray, residue_bm25: np.ndarray | None, lexical_weight: float
    ) -> np.ndarray:
        """Scores of the topic a question asks about once names and places are set aside
        ("cleveland clinic usmle" -> USMLE); zero when nothing is left ("externships in Boston")."""
        if residue_bm25 is None:
            return np.zeros_like(dense)
        return dense + lexical_weight * max_normalized(residue_bm25)

    def _focus_bonus(self, focus: set[str], program_intent: bool, per_tag: float) -> np.ndarray:
        bonus = np.zeros(len(self.entries), dtype=np.float32)
        if focus and program_intent:
            shared = np.zeros(len(self.entries), dtype=np.int64)  # tags shared, per entry
            for tag in focus & self._tagged.keys():
                shared[self._tagged[tag]] += 1
            bonus[:] = per_tag * shared
        return bonus


def _positions(words: Sequence[str], phrase: Sequence[str]) -> list[int]:
    """Where `phrase` starts in `words`."""
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if list(words[i : i + n]) == list(phrase)]


def max_normalized(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores
