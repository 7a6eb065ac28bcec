"""`imgbot eval`: accuracy per kind of question for the engine and two baselines, in one run.

Rules match ../shared/eval/score.py: name/attr/faq need the right entry first, list needs every
expected id in the top three, ood must not be answered. Baselines, over the same knowledge base:
BM25 alone (best entry by BM25, answered when any word matched) and dense-only (one vector per
entry's whole text, top-1 always answered). "no-BM25" is the engine without lexical fusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import yaml

from embeddings.index import VectorIndex, normalize
from knowledge.answer.corpus import document
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer, Mode
from knowledge.answer.text import clean, folded
from knowledge.present.formats import TEXT
from knowledge.present.replies import Presenter
from knowledge.schema import Asked

KINDS = ("name", "attr", "list", "faq", "ood")
# Bands of cosine between two in-scope questions' sentence vectors, best first, for
# `label_agreement`; the first includes 1.
AGREEMENT_BANDS = ((0.95, 1.0), (0.9, 0.95), (0.85, 0.9), (0.8, 0.85))


class EvalFileError(Exception):
    """An evaluation file is missing or not in the expected format."""


@dataclass(frozen=True)
class Case:
    kind: str
    q: str
    expect: tuple[str, ...] = ()
    source: str = ""  # the address the question was read at


@dataclass(frozen=True)
class Outcome:
    answered: bool
    ids: tuple[str, ...]
    top_score: float = 0.0


@dataclass
class Tally:
    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, ok: bool) -> None:
        self.total[kind] = self.total.get(kind, 0) + 1
        self.right[kind] = self.right.get(kind, 0) + ok

    def accuracy(self, kinds: Sequence[str]) -> float:
        n = sum(self.total.get(k, 0) for k in kinds)
        return sum(self.right.get(k, 0) for k in kinds) / n if n else float("nan")


def load_cases(paths: Sequence[Path | str]) -> list[Case]:
    cases: list[Case] = []
    for path in paths:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
            for item in data["cases"]:
                kind = str(item["kind"])
                if kind not in KINDS:
                    raise ValueError(f"unknown kind {kind!r}")
                expect = tuple(item.get("expect") or ())
                cases.append(Case(kind, str(item["q"]), expect, str(item.get("source") or "")))
        except OSError as exc:
            raise EvalFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
        except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise EvalFileError(f"{path}: not an evaluation file ({exc})") from None
    return cases


def site(address: str) -> str:
    """The site a page is on: its host, without "www."."""
    return urlparse(address).netloc.lower().removeprefix("www.")


def from_same_sites(cases: Sequence[Case], asked: Sequence[Asked]) -> list[str]:
    """The asked questions read on a site any of these cases was read on: left out too, a set
    is measured as if its sites had never been seen (their pages ask alike)."""
    sites = {site(c.source) for c in cases if c.source}
    return [a.q for a in asked if site(a.source) in sites]


def correct(case: Case, outcome: Outcome) -> bool:
    if case.kind == "ood":
        return not outcome.answered
    if not outcome.answered or not outcome.ids:
        return False
    if case.kind == "list":
        return all(e in outcome.ids[:3] for e in case.expect)
    return outcome.ids[0] in case.expect


def engine_outcomes(engine: AnswerEngine, cases: Sequence[Case]) -> list[Outcome]:
    answers = engine.answer_many([c.q for c in cases])
    return [Outcome(a.answered, tuple(r.id for r in a.results)) for a in answers]


def bm25_outcomes(engine: AnswerEngine, cases: Sequence[Case]) -> list[Outcome]:
    out = []
    for case in cases:
        tokenizer = engine.retriever.lexicon.tokenizer
        scores = engine.retriever.bm25.scores(tokenizer.content_terms(clean(case.q)))
        order = np.argsort(-scores, kind="stable")[:3]
        ids = tuple(engine.entries[i].id for i in order)
        out.append(Outcome(bool(scores.max() > 0), ids, float(scores.max())))
    return out


def dense_outcomes(engine: AnswerEngine, cases: Sequence[Case]) -> list[Outcome]:
    index = VectorIndex(engine.encoder.encode([document(e) for e in engine.entries]))
    vectors = engine.encoder.encode([clean(c.q) or " " for c in cases])
    out = []
    for vector in vectors:
        hits = index.search(vector, 3)
        out.append(Outcome(True, tuple(engine.entries[h.row].id for h in hits), hits[0].score))
    return out


def report(engine: AnswerEngine, cases: Sequence[Case]) -> str:
    """The printed report."""
    answers = engine.answer_many([c.q for c in cases])  # kept whole: misses show mode and scores
    no_bm25 = engine.with_thresholds(replace(engine.thresholds, lexical_weight=0.0))
    systems = {
        "engine": [Outcome(a.answered, tuple(r.id for r in a.results)) for a in answers],
        "no-BM25": engine_outcomes(no_bm25, cases),
        "dense-only": dense_outcomes(engine, cases),
        "BM25": bm25_outcomes(engine, cases),
    }
    tallies = {name: Tally() for name in systems}
    for name, outcomes in systems.items():
        for case, outcome in zip(cases, outcomes, strict=True):
            tallies[name].add(case.kind, correct(case, outcome))
    lines = [
        f"{len(cases)} questions",
        "",
        f"{'kind':10s}{'n':>5s}" + "".join(f"{name:>12s}" for name in systems),
    ]
    kinds = [k for k in KINDS if k in tallies["engine"].total]
    for kind in kinds:
        row = f"{kind:10s}{tallies['engine'].total[kind]:5d}"
        row += "".join(f"{tallies[name].accuracy([kind]):12.3f}" for name in systems)
        lines.append(row)
    in_domain = [k for k in kinds if k != "ood"]
    for label, group in (("in-domain", in_domain), ("out-of-domain rejected", ["ood"])):
        row = f"{label:15s}" + "".join(f"{tallies[n].accuracy(group):12.3f}" for n in systems)
        lines.append(row)
    presenter = Presenter(engine.kb, TEXT)
    wrong, near = tap_away(presenter, cases, answers)
    lines += ["", f"in scope answered with another entry first: {wrong}; the right one offered"]
    lines += [f"under that answer, a tap away: {near}"]
    sent, offered = tap_away(presenter, cases, answers, declined=True)
    lines += [f"in scope sent to the scope note: {sent}; the right one offered under it: {offered}"]
    lines += ["", "misses (engine):"]
    for case, answer, outcome in zip(cases, answers, systems["engine"], strict=True):
        if not correct(case, outcome):
            got = ", ".join(f"{r.id} {r.score:.2f}" for r in answer.results[:3])
            lines.append(
                f"  {case.kind:5s} {case.q[:70]!r} expected {list(case.expect) or 'no answer'}"
                f" got {answer.mode} [{got}]"
            )
    lines += ["", *distribution(engine, cases)]
    return "\n".join(lines)


def tap_away(
    presenter: Presenter, cases: Sequence[Case], answers: Sequence[Answer], declined: bool = False
) -> tuple[int, int]:
    """In-scope questions answered with a wrong entry first (with `declined`: sent to the scope
    note instead), and how many of those replies offer a right entry among their buttons (the
    entry that came next, related ones; under the scope note, the closest FAQ)."""
    wrong = near = 0
    for case, answer in zip(cases, answers, strict=True):
        first = answer.results[0].id if answer.results else None
        if case.kind in ("ood", "list"):
            continue
        if declined and answer.mode is not Mode.BEYOND_SCOPE:
            continue
        if not declined and (not answer.answered or first in case.expect):
            continue
        wrong += 1
        near += any(a.arg in case.expect for a in presenter.reply(answer).opens)
    return wrong, near


def each_file(
    engine: AnswerEngine,
    sets: Sequence[tuple[str, list[Case]]],
    unseen: bool,
    same_sites: bool,
    seeds: int = 1,
) -> str:
    """The engine's right answers per named set of cases (one per file) and in all: in scope,
    and out of scope declined. With `unseen`, each set is scored by an engine refitted without
    that set's questions alone (and, with `same_sites`, without those learned from its sites):
    the measure a round tunes on. With `seeds` above one, the totals again with the ranker
    refitted under each of that many seeds, the engine's own first: a change worth keeping
    gains under every seed, not only under the one shipped."""
    tallies = _tallies(engine, sets, unseen, same_sites)
    lines = [header("file"), *(row(name, tally) for name, tally in tallies)]
    if seeds > 1:
        lines += ["", header("ranker seed")]
        first = engine.thresholds.adapter_seed
        lines.append(row(str(first), tallies[-1][1]))
        for seed in range(first + 1, first + seeds):
            drawn = engine.with_thresholds(replace(engine.thresholds, adapter_seed=seed))
            if not unseen:
                drawn = drawn.without_examples([])  # refits the ranker with the seed
            lines.append(row(str(seed), _tallies(drawn, sets, unseen, same_sites)[-1][1]))
    return "\n".join(lines)


def _tallies(
    engine: AnswerEngine, sets: Sequence[tuple[str, list[Case]]], unseen: bool, same_sites: bool
) -> list[tuple[str, Tally]]:
    """Each set's tally, then all of them as "all"."""
    tallies = []
    total = Tally()
    for name, cases in sets:
        scorer = scorer_of(engine, cases, unseen, same_sites)
        tally = Tally()
        for case, outcome in zip(cases, engine_outcomes(scorer, cases), strict=True):
            scope, right = "ood" if case.kind == "ood" else "in", correct(case, outcome)
            tally.add(scope, right)
            total.add(scope, right)
        tallies.append((name, tally))
    return [*tallies, ("all", total)]


def scorer_of(
    engine: AnswerEngine, cases: Sequence[Case], unseen: bool, same_sites: bool
) -> AnswerEngine:
    """The engine a set is scored by: with `unseen`, refitted without the set's questions (and,
    with `same_sites`, without those learned from its sites)."""
    if not unseen:
        return engine
    extra = from_same_sites(cases, engine.kb.asked) if same_sites else []
    return engine.without_examples([c.q for c in cases] + extra)


def header(first: str) -> str:
    return f"{first:24s}{'in scope':>14s}{'out of scope':>16s}"


def row(name: str, tally: Tally) -> str:
    return f"{name:24s}{_count(tally, 'in'):>14s}{_count(tally, 'ood'):>16s}"


@dataclass(frozen=True)
class Agreement:
    low: float
    high: float
    pairs: int
    agreed: int  # pairs whose labels each accept the other's first entry


def label_agreement(
    cases: Sequence[Case],
    vectors: np.ndarray,
    bands: Sequence[tuple[float, float]] = AGREEMENT_BANDS,
) -> list[Agreement]:
    """How often two in-scope questions that read alike (their vectors' cosine in a band) carry
    labels accepting each other's first entry: a ceiling on what any ranking can score on
    questions this close. Questions written the same are not compared."""
    rows = [i for i, case in enumerate(cases) if _labelled_in_scope(case)]
    unit = normalize(vectors[rows])
    sims = unit @ unit.T
    texts = [folded(clean(cases[i].q)) for i in rows]
    labels = [cases[i].expect for i in rows]
    first, second = np.triu_indices(len(rows), k=1)
    pairs = [
        (float(sims[a, b]), labels[a][0] in labels[b] and labels[b][0] in labels[a])
        for a, b in zip(first, second, strict=True)
        if texts[a] != texts[b]
    ]
    out = []
    for low, high in bands:
        inside = [agreed for sim, agreed in pairs if low <= sim and (sim < high or high >= 1.0)]
        out.append(Agreement(low, high, len(inside), sum(inside)))
    return out


def agreement(engine: AnswerEngine, cases: Sequence[Case]) -> str:
    """`label_agreement` over the engine's sentence vectors, as printed by `imgbot eval`; only
    the in-scope questions are encoded."""
    ours = [case for case in cases if _labelled_in_scope(case)]
    texts = [clean(case.q) for case in ours]
    vectors = engine.encoder.encode(texts) if texts else np.zeros((0, 1), np.float32)
    lines = ["in-scope questions that read alike: pairs, and those whose first labels agree"]
    for band in label_agreement(ours, vectors):
        share = f"({band.agreed / band.pairs:.2f})" if band.pairs else ""
        lines.append(
            f"cosine {band.low:.2f}-{band.high:.2f}  {band.pairs:5d} pairs"
            f"  {band.agreed:5d} agree {share}"
        )
    return "\n".join(lines)


def _labelled_in_scope(case: Case) -> bool:
    return case.kind != "ood" and bool(case.expect)


def _count(tally: Tally, kind: str) -> str:
    right, n = tally.right.get(kind, 0), tally.total.get(kind, 0)
    return f"{right}/{n} {right / n:.3f}" if n else "-"


def distribution(engine: AnswerEngine, cases: Sequence[Case]) -> list[str]:
    """Best-entry cosine of in-domain against out-of-domain questions, to place thresholds."""
    scores = engine.top_similarities([c.q for c in cases])
    groups = {
        "in-domain": [s for c, s in zip(cases, scores, strict=True) if c.kind != "ood"],
        "out-of-domain": [s for c, s in zip(cases, scores, strict=True) if c.kind == "ood"],
    }
    edges = [round(x, 2) for x in np.arange(0.0, 1.01, 0.1)]
    header = f"{'':15s}" + "".join(f"{e:>6.1f}" for e in edges[:-1]) + "   (bucket start)"
    lines = ["best-entry cosine (small talk and empty questions left out):", header]
    for label, values in groups.items():
        kept = [v for v in values if v is not None]
        counts, _ = np.histogram(kept, bins=edges)
        lines.append(f"{label:15s}" + "".join(f"{c:6d}" for c in counts))
    threshold = engine.thresholds.dense
    lines.append(f"presentation threshold: cosine >= {threshold:.2f}")
    return lines
