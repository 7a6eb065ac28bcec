"""The vocabulary file compiled for matching: word sets in the same stemmed form as questions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from knowledge.answer.text import Token, Tokenizer, stem
from knowledge.schema import Vocabulary

# A focus phrase describes a sought program when a program noun follows within this many words
# ("low cost [private] externship")...
NOUN_AFTER = 2
# ...or when a program noun comes at most this many words before it, joined by a linking word
# ("program that focuses on family medicine").
NOUN_BEFORE = 6
# A definition's opener may follow this many words ("so, what is…", "ok so what is…").
OPENER_WITHIN = 2
# Words a how-question's verb may come after its "how" ("how does an IMG find …").
VERB_WITHIN = 5


T = TypeVar("T")


@dataclass(frozen=True)
class FocusSpan:
    tag: str
    start: int  # word positions in the question
    end: int


@dataclass(frozen=True)
class Lexicon:
    tokenizer: Tokenizer
    program_words: frozenset[str]  # the question is about finding a program
    program_nouns: frozenset[str]
    link_words: frozenset[str]
    choice_words: frozenset[str]  # "research or observership": no description
    domain_words: frozenset[str]  # not unknown, though no entry uses them
    experience_words: frozenset[str]  # clinical experience before residency: in scope
    medical_words: frozenset[str]  # without any of these (or a name or place): off topic
    residency_words: frozenset[str]  # the residency stage itself: beyond scope
    experience_phrases: tuple[tuple[str, ...], ...]  # "clinical experience", as words
    residency_phrases: tuple[tuple[str, ...], ...]  # "your residency program", as words
    residency_pairs: tuple[tuple[frozenset[str], frozenset[str]], ...]  # "sponsor" + "visa"
    residency_unless: tuple[tuple[frozenset[str], frozenset[str]], ...]  # "ERAS", no letter
    other_fields: tuple[tuple[str, ...], ...]  # other professions, as word sequences
    other_readers: tuple[tuple[str, ...], ...]  # other readers' needs, as word sequences
    physician_trainee_words: frozenset[str]  # a doctor trained abroad: other fields stay ours
    other_language_words: frozenset[str]  # other languages' own short words, as written
    reference_words: frozenset[str]  # point back to what was just discussed
    comparison_words: frozenset[str]  # compare
    compared_things: frozenset[str]  # what a comparison of programs names
    aspect_words: dict[str, str]  # stem -> the kind of fact it asks for
    question_starts: frozenset[str]  # start a new question inside a message
    filler: frozenset[str]  # add no topic to a program's name
    definition_openers: tuple[tuple[str, ...], ...]  # as word sequences: "whats" is no "what"
    definition_modifiers: frozenset[str]
    procedure_openers: frozenset[str]
    procedure_objects: frozenset[str]  # the words of clinical experience, and "experience"
    value_openers: tuple[tuple[str, ...], ...]  # as word sequences, like definition openers
    value_asks: tuple[tuple[str, ...], ...]  # openers, as word sequences
    value_words: frozenset[str]
    value_skips: frozenset[str]
    offer_openers: tuple[tuple[str, ...], ...]
    offer_skips: frozenset[str]
    generic_name_words: frozenset[str]
    institution_words: frozenset[str]
    institution_qualifiers: frozenset[str]
    focus: dict[str, list[list[str]]]  # tag -> its phrases as stem sequences
    selective: frozenset[str]  # tags that pick programs out

    @classmethod
    def compile(cls, vocabulary: Vocabulary) -> Lexicon:
        tokenizer = Tokenizer(vocabulary.expansions, vocabulary.stopwords)

        def terms(words: list[str]) -> frozenset[str]:
            return frozenset(tokenizer.content_terms(" ".join(words)))

        def stems(words: list[str]) -> frozenset[str]:
            return frozenset(tokenizer.stems(" ".join(words)))

        def phrases(written: list[str]) -> tuple[tuple[str, ...], ...]:
            return tuple(tuple(tokenizer.words(p)) for p in written)

        focus = {
            tag: [tokenizer.stems(p) for p in spec.phrases]
            for tag, spec in vocabulary.focus.items()
        }
        focus_words = frozenset(t for phrases in focus.values() for p in phrases for t in p)
        program_words = terms(vocabulary.program_words)
        return cls(
            tokenizer=tokenizer,
            program_words=program_words,
            program_nouns=frozenset(stem(w) for w in vocabulary.program_nouns),
            link_words=frozenset(stem(w) for w in vocabulary.link_words),
            choice_words=frozenset(stem(w) for w in vocabulary.choice_words),
            domain_words=terms(vocabulary.domain_words),
            experience_words=stems(vocabulary.experience_words),
            medical_words=stems(vocabulary.medical_words),
            residency_words=stems(vocabulary.residency_words),
            experience_phrases=phrases(vocabulary.experience_phrases),
            residency_phrases=phrases(vocabulary.residency_phrases),
            residency_pairs=tuple((stems(a), stems(b)) for a, b in vocabulary.residency_pairs),
            residency_unless=tuple((stems(a), stems(b)) for a, b in vocabulary.residency_unless),
            other_fields=phrases(vocabulary.other_fields),
            other_readers=phrases(vocabulary.other_readers),
            physician_trainee_words=stems(vocabulary.physician_trainee_words),
            other_language_words=frozenset(w.casefold() for w in vocabulary.other_language_words),
            reference_words=frozenset(vocabulary.reference_words),
            comparison_words=stems(vocabulary.comparison_words),
            compared_things=stems(vocabulary.compared_things),
            aspect_words={
                t: key for key, words in vocabulary.aspect_words.items() for t in stems(words)
            },
            question_starts=frozenset(vocabulary.question_starts),
            filler=program_words | focus_words | terms(vocabulary.filler_words),
            definition_openers=phrases(vocabulary.definition_openers),
            definition_modifiers=stems(vocabulary.definition_modifiers),
            procedure_openers=frozenset(vocabulary.procedure_openers),
            procedure_objects=stems(vocabulary.experience_words)
            | stems(vocabulary.procedure_objects),
            value_openers=phrases(vocabulary.value_openers),
            value_asks=phrases(vocabulary.value_asks),
            value_words=stems(vocabulary.value_words),
            value_skips=stems(vocabulary.value_skips),
            offer_openers=phrases(vocabulary.offer_openers),
            offer_skips=stems(vocabulary.offer_skips),
            generic_name_words=frozenset(vocabulary.generic_name_words),
            institution_words=frozenset(tokenizer.words(" ".join(vocabulary.institution_words))),
            institution_qualifiers=frozenset(
                tokenizer.words(" ".join(vocabulary.institution_qualifiers))
            ),
            focus=focus,
            selective=frozenset(t for t, spec in vocabulary.focus.items() if spec.selective),
        )

    @property
    def focus_words(self) -> frozenset[str]:
        return frozenset(t for phrases in self.focus.values() for p in phrases for t in p)

    def defined(self, tokens: Sequence[Token], terms: Mapping[str, T]) -> T | None:
        """What a definition question asks the meaning of: "what is an observership?" names
        the observership term; "what is the best observership?" asks something else."""
        words = [t.word for t in tokens]
        for start in range(min(OPENER_WITHIN + 1, len(words))):
            for opener in self.definition_openers:
                if tuple(words[start : start + len(opener)]) != opener:
                    continue
                for token in tokens[start + len(opener) :]:
                    if token.stem in terms:
                        return terms[token.stem]
                    if not (token.stop or token.stem in self.definition_modifiers):
                        break
        return None

    def procedure(self, tokens: Sequence[Token], verbs: Mapping[str, T]) -> T | None:
        """What a how-question asks to obtain: "how do I get an observership?" and "how does an
        IMG find US clinical experience?" ask for a kind of clinical experience (the verb's object,
        past stopwords and definition modifiers); "how do I get a letter during my rotation?" and
        "how do I get the best rotation?" do not."""
        openers = [i for i, t in enumerate(tokens) if t.word in self.procedure_openers]
        for start in openers:
            window = range(start + 1, min(start + 1 + VERB_WITHIN, len(tokens)))
            verb = next((i for i in window if tokens[i].stem in verbs), None)
            if verb is None:
                continue
            for word in tokens[verb + 1 :]:
                if word.stem in self.procedure_objects:
                    return verbs[tokens[verb].stem]
                if not (word.stop or word.stem in self.definition_modifiers):
                    break
        return None

    def valued(self, tokens: Sequence[Token], terms: Mapping[str, T]) -> T | None:
        """What a question of worth asks about: "should I do an away rotation?", "do I need
        USCE?" and "is an observership important?" ask whether the rotation, USCE or the
        observership is worth it; "do I need a visa for an observership?" and "is an
        observership paid?" ask something else, and so does "when should I do an away
        rotation?": a question word before the opener asks its own question."""
        words = [t.word for t in tokens]
        for start in range(min(OPENER_WITHIN + 1, len(words))):
            if start and words[start - 1] in self.question_starts:
                break
            for opener in self.value_openers:
                if tuple(words[start : start + len(opener)]) != opener:
                    continue
                rest = tokens[start + len(opener) :]
                term = self._term_after(rest, self.value_skips)
                if term is None or term.stem not in terms:
                    continue
                if opener in self.value_asks and not any(t.stem in self.value_words for t in rest):
                    continue
                return terms[term.stem]
        return None

    def offered(self, tokens: Sequence[Token], verbs: Mapping[str, T]) -> T | None:
        """Where a kind of clinical experience is found, when a question opens by asking whether
        we offer one: "do you offer externships?" and "does the hospital offer any clinical
        electives?" (we are no host); "do you offer housing?" and "do you have to do an
        observership?" ask something else."""
        words = [t.word for t in tokens]
        for opener in self.offer_openers:
            n = len(opener)
            if tuple(words[:n]) != opener or len(tokens) <= n or tokens[n].stem not in verbs:
                continue
            rest = tokens[n + 1 :]
            term = self._term_after(rest, self.offer_skips)
            if term is not None and term.stem in self.procedure_objects:
                return verbs[tokens[n].stem]
        return None

    def _term_after(self, tokens: Sequence[Token], skips: frozenset[str]) -> Token | None:
        """The first word past definition modifiers and a role's `skips`. Not past any stopword:
        "should I have all my rotations done before…?" asks when, and "do you have to do an
        observership?" whether to do one."""
        return next(
            (t for t in tokens if t.stem not in self.definition_modifiers and t.stem not in skips),
            None,
        )

    def focus_spans(self, stems: Sequence[str]) -> list[FocusSpan]:
        """Every focus phrase in a stemmed word sequence."""
        spans = []
        for tag, phrases in self.focus.items():
            for phrase in phrases:
                n = len(phrase)
                for i in range(len(stems) - n + 1):
                    if phrase and list(stems[i : i + n]) == phrase:
                        spans.append(FocusSpan(tag, i, i + n))
        return spans

    def described(self, stems: Sequence[str], spans: Sequence[FocusSpan]) -> set[str]:
        """Selective tags used to describe a sought program: "low cost externship" or "program
        … for family medicine". "are externships cheap" asks about cost and matches neither."""
        return {
            s.tag
            for s in spans
            if s.tag in self.selective
            and (self._noun_follows(stems, s) or self._noun_leads(stems, s))
        }

    def _noun_follows(self, stems: Sequence[str], span: FocusSpan) -> bool:
        after = stems[span.end : span.end + NOUN_AFTER]
        if after and after[0] in self.choice_words:
            return False  # "research or observership?" weighs one against the other
        return any(w in self.program_nouns for w in after)

    def _noun_leads(self, stems: Sequence[str], span: FocusSpan) -> bool:
        for p in range(max(0, span.start - NOUN_BEFORE), span.start):
            between = stems[p + 1 : span.start]
            if stems[p] in self.program_nouns and any(w in self.link_words for w in between):
                return True
        return False
