"""`imgbot bench`: speed and memory, measured side by side in one run (numbers, not a test).

Section 3 is the scaling figure: `answer()` end to end (real question encoding, retrieval,
decision) over synthetic knowledge bases of 100, 10 000 and 100 000 entries. Each holds the real
knowledge base's entries (so the bench questions still find their answers) plus generated FAQ
entries with ~10 phrasings each and some programs with aliases, words drawn with a seeded RNG;
the synthetic passages get seeded random unit vectors, since what they mean does not change what
they cost. Above ~20 000 passages the dense search is approximate (embeddings/grouped.py); the
section also measures what that changes: each sample question is answered again by the same engine
scoring every passage exactly, and the share of unchanged top entries and whole answers printed.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from embeddings.encoder import Encoder
from embeddings.index import VectorIndex
from knowledge.answer.build import build_engine
from knowledge.answer.corpus import passages
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.settings import EngineSettings
from knowledge.loader import KnowledgeBase
from knowledge.schema import Claims, Entry, Faq, Program

BARE_START = """
import time, sys
t = time.perf_counter()
from sentence_transformers import SentenceTransformer
from embeddings.encoder import default_model
model = SentenceTransformer(sys.argv[1] if len(sys.argv) > 1 else default_model(), device="cpu")
model.encode(["how do I apply"])
"""
ENGINE_START = """
from knowledge.answer.build import build_engine
from knowledge.answer.settings import EngineSettings
build_engine(EngineSettings.from_env()).answer("how do I apply")
"""

SIZES = (100, 10_000, 100_000)
GOAL_RATIO = 2.0  # p50 of answer() at the largest size over p50 at the smallest
SCALING_QUESTIONS = 150  # the same seeded sample of the bench questions at every size
QUICK_SCALING_QUESTIONS = 60
MEMORY_QUESTIONS = 20  # answers traced with tracemalloc, for the per-answer peak
PROGRAM_SHARE = 0.05  # synthetic programs per entry; the rest are FAQ entries
ALTERNATES = (8, 13)  # alternates per synthetic FAQ: 8 to 12, ~10 on average
SYLLABLES = (
    "ba ce di fo gu ka le mi no pu ra se ti vo zu bra cle dri fro glu kra pla stri tro vla "
    "an el in on un ar er ir or ur ast elm ing ost und"
).split()


def run(
    settings: EngineSettings,
    *,
    quick: bool,
    out: TextIO,
    as_json: bool = False,
    sizes: Sequence[int] = SIZES,
) -> dict[str, Any]:
    """Run the bench; human-readable lines go to `out` (to stderr with `as_json`, when `out`
    receives one JSON object and nothing else). Returns the figures."""
    log = sys.stderr if as_json else out
    with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
        report = _measure(settings, quick=quick, sizes=sorted(sizes), log=log)
    if as_json:
        out.write(json.dumps(report) + "\n")
        out.flush()
    return report


def _measure(
    settings: EngineSettings, *, quick: bool, sizes: list[int], log: TextIO
) -> dict[str, Any]:
    def say(line: str = "") -> None:
        log.write(line + "\n")
        log.flush()

    report: dict[str, Any] = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    report["load_average_at_start"] = _load_average()
    rounds = 1 if quick else 3
    say(
        f"imgbot bench — {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {report['load_average_at_start']} (other work skews every figure)"
    )
    start = time.perf_counter()
    engine = build_engine(settings)
    report["engine_build_s"] = round(time.perf_counter() - start, 3)
    report["embedding_cache"] = {"encoded": engine.stats.encoded, "reused": engine.stats.reused}
    say(
        f"engine built in {report['engine_build_s']:.2f} s; embedding cache: "
        f"encoded {engine.stats.encoded}, reused {engine.stats.reused}"
    )
    questions = _questions(engine.kb)
    say(
        f"\n1. Per-question latency over {len(questions)} questions x {rounds} rounds "
        "(interleaved, single question at a time)"
    )
    engine.answer("warm up")
    # The same engine without its ranker, interleaved: what the ranker adds, side by side.
    single = engine.alone()
    answer_ms, single_ms, encode_ms = [], [], []
    for _ in range(rounds):
        for q in questions:
            answer_ms.append(_ms(partial(engine.answer, q)))
            single_ms.append(_ms(partial(single.answer, q)))
            encode_ms.append(_ms(partial(engine.encoder.encode, [q])))
    a50, a99 = np.percentile(answer_ms, [50, 99])
    s50, s99 = np.percentile(single_ms, [50, 99])
    e50, e99 = np.percentile(encode_ms, [50, 99])
    say(f"   answer()        p50 {a50:7.2f} ms   p99 {a99:7.2f} ms")
    say(f"   without ranker  p50 {s50:7.2f} ms   p99 {s99:7.2f} ms")
    say(f"   bare encode     p50 {e50:7.2f} ms   p99 {e99:7.2f} ms")
    say(f"   ratio           p50 {a50 / e50:7.2f} x    p99 {a99 / e99:7.2f} x   (goal <= 1.3 x)")
    report["latency"] = {
        "questions": len(questions),
        "rounds": rounds,
        "answer_p50_ms": _round(a50),
        "answer_p99_ms": _round(a99),
        "without_ranker_p50_ms": _round(s50),
        "without_ranker_p99_ms": _round(s99),
        "encode_p50_ms": _round(e50),
        "encode_p99_ms": _round(e99),
        "ratio_p50": _round(a50 / e50),
        "ratio_p99": _round(a99 / e99),
    }

    say(f"\n2. Cold start, median of {rounds} alternating runs (process start to first answer)")
    bare: list[float] = []
    full: list[float] = []
    for _ in range(rounds):
        bare.append(_process_seconds(BARE_START, settings))
        full.append(_process_seconds(ENGINE_START, settings))
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    b, f = float(np.median(bare)), float(np.median(full))
    say(f"   bare import + model load + one encode  {b:6.2f} s")
    say(f"   engine start + first answer            {f:6.2f} s")
    say(f"   ratio                                  {f / b:6.2f} x   (goal <= 1.5 x)")
    restart = build_engine(settings)
    say(f"   second start with unchanged knowledge: encoded {restart.stats.encoded} texts")
    report["cold_start"] = {
        "bare_s": _round(b),
        "engine_s": _round(f),
        "ratio": _round(f / b),
        "restart_encoded": restart.stats.encoded,
    }
    del restart

    report.update(_answer_scaling(engine, questions, sizes, rounds, quick, say))

    say("\n4. Component only: the bare vector index (384-d random rows, top 5; not answer())")
    index_report: dict[str, dict[str, float]] = {}
    for n in sizes:
        build, search = _index_scaling(n)
        index_report[str(n)] = {"build_ms": _round(build), "search_p50_ms": _round(search, 4)}
        say(f"   {n:>7,} rows: build {build:8.1f} ms   search p50 {search:7.3f} ms")
    report["vector_index"] = index_report

    report["load_average_at_end"] = _load_average()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["peak_rss_mb"] = round(rss)
    report["cold_start_child_peak_rss_mb"] = round(child_rss)
    say(
        f"\n5. Peak RSS: this process {rss:.0f} MB (includes every synthetic engine); "
        f"a cold-start child {child_rss:.0f} MB"
    )
    return report


# -- 3. answer() over synthetic knowledge bases -------------------------------------------------


@dataclass
class _Scaled:
    size: int
    engine: AnswerEngine
    passages: int
    build_s: float
    rss_mb: float
    answer_ms: list[float] = field(default_factory=list)
    encode_ms: list[float] = field(default_factory=list)
    traced_peak_mb: float = 0.0
    recall: dict[str, float] | None = None  # None where the dense search is exact


def _answer_scaling(
    real: AnswerEngine,
    questions: list[str],
    sizes: list[int],
    rounds: int,
    quick: bool,
    say: Callable[[str], None],
) -> dict[str, Any]:
    count = QUICK_SCALING_QUESTIONS if quick else SCALING_QUESTIONS
    rng = np.random.default_rng(0)
    sample = [questions[i] for i in sorted(rng.choice(len(questions), count, replace=False))]
    say(
        f"\n3. answer() end to end over synthetic knowledge ({PROGRAM_SHARE:.0%} programs, the "
        f"rest FAQs with {ALTERNATES[0]}-{ALTERNATES[1] - 1} phrasings;\n   real question "
        f"encoding), {count} questions x {rounds} rounds, each question to every size in turn"
    )
    known = _real_vectors(real)
    scaled: list[_Scaled] = []
    for n in sizes:
        before = _rss_mb()
        t = time.perf_counter()
        kb = synthetic_kb(real.kb, n, seed=n)
        encoder = _SyntheticEncoder(real.encoder, known, seed=n)
        engine = AnswerEngine(kb, encoder, None, real.thresholds)
        encoder.building = False  # from here on, questions go to the real encoder
        build_s = time.perf_counter() - t
        held = _rss_mb() - before
        count_passages = len(engine.retriever.owners)
        scaled.append(_Scaled(n, engine, count_passages, build_s, held))
        say(
            f"   built {n:>7,} entries ({len(kb.programs):,} programs, {len(kb.faqs):,} FAQs, "
            f"{count_passages:,} passages) in {build_s:5.1f} s, holding {held:6.0f} MB"
        )
        engine.answer("warm up")
    # Each question goes to every size in turn (the order rotating), so that other load on the
    # machine, which comes and goes, falls on all sizes alike.
    for _ in range(rounds):
        for i, q in enumerate(sample):
            for s in scaled[i % len(scaled) :] + scaled[: i % len(scaled)]:
                s.answer_ms.append(_ms(partial(s.engine.answer, q)))
                s.encode_ms.append(_ms(partial(s.engine.encoder.encode, [q])))
    for s in scaled:
        s.traced_peak_mb = _traced_peak_mb(s.engine, sample[:MEMORY_QUESTIONS])
        s.recall = _recall(s.engine, sample)
    base = float(np.percentile(scaled[0].answer_ms, 50))
    answer_ms: dict[str, dict[str, float]] = {}
    detail: dict[str, dict[str, Any]] = {}
    for s in scaled:
        p50, p99 = np.percentile(s.answer_ms, [50, 99])
        e50 = float(np.percentile(s.encode_ms, 50))
        answer_ms[str(s.size)] = {"p50": _round(p50), "p99": _round(p99)}
        detail[str(s.size)] = {
            "programs": len(s.engine.kb.programs),
            "faqs": len(s.engine.kb.faqs),
            "passages": s.passages,
            "build_s": _round(s.build_s),
            "encode_p50_ms": _round(e50),
            "beyond_encode_p50_ms": _round(p50 - e50),
            "rss_delta_mb": round(s.rss_mb, 1),
            "answer_tracemalloc_peak_mb": round(s.traced_peak_mb, 2),
            "dense_search": "approximate" if s.recall else "exact",
            **({"recall_vs_exact": s.recall} if s.recall else {}),
        }
        say(
            f"   {s.size:>7,} entries: answer() p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
            f"({p50 / base:5.2f} x at {scaled[0].size:,})  encode p50 {e50:5.2f} ms  "
            f"memory {s.rss_mb:6.0f} MB RSS + {s.traced_peak_mb:5.1f} MB per answer"
        )
        if s.recall:
            say(
                f"   {'':>7} approximate dense search against scoring every passage: top entry "
                f"unchanged {s.recall['top_entry_unchanged']:.1%}, whole answer unchanged "
                f"{s.recall['answer_unchanged']:.1%} of {count} questions"
            )
    ratio = float(np.percentile(scaled[-1].answer_ms, 50)) / base
    say(
        f"   ratio p50({scaled[-1].size:,}) / p50({scaled[0].size:,}) = {ratio:.2f} x   "
        f"(goal <= {GOAL_RATIO:g} x)"
    )
    return {
        "answer_ms": answer_ms,
        "answer_scaling": detail,
        "answer_ratio_p50": _round(ratio),
        "answer_ratio_goal": GOAL_RATIO,
        "answer_recall_vs_exact": {str(s.size): s.recall for s in scaled if s.recall},
        "answer_questions": count,
        "answer_rounds": rounds,
    }


def _recall(engine: AnswerEngine, questions: list[str]) -> dict[str, float] | None:
    """Where the dense search is approximate: the share of questions whose top entry, and whose
    whole answer (mode and every result, in order), equal the same engine's scoring every
    passage exactly."""
    if not engine.retriever.passages.approximate:
        return None
    exact = engine.exactly()
    top = whole = 0
    for q in questions:
        got, want = engine.answer(q), exact.answer(q)
        ids, exact_ids = [r.id for r in got.results], [r.id for r in want.results]
        top += ids[:1] == exact_ids[:1]
        whole += (got.mode, ids) == (want.mode, exact_ids)
    n = len(questions)
    return {"top_entry_unchanged": _round(top / n), "answer_unchanged": _round(whole / n)}


def _traced_peak_mb(engine: AnswerEngine, questions: list[str]) -> float:
    """The largest tracemalloc peak over single answers (memory an answer allocates)."""
    peak = 0
    tracemalloc.start()
    try:
        for q in questions:
            tracemalloc.reset_peak()
            engine.answer(q)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    return peak / 2**20


class _SyntheticEncoder:
    """While an engine is built: the real vectors for the real knowledge's passages and seeded
    random unit vectors for the synthetic ones. Afterwards: the real encoder, as in production."""

    def __init__(self, real: Encoder, known: dict[str, np.ndarray], seed: int) -> None:
        self.real = real
        self.known = known
        self.dim = len(next(iter(known.values())))
        self.rng = np.random.default_rng(seed)
        self.building = True

    @property
    def identity(self) -> str:
        return f"{self.real.identity}+synthetic"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not self.building:
            return self.real.encode(texts)
        out = self.rng.standard_normal((len(texts), self.dim), dtype=np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        for row, text in enumerate(texts):
            vector = self.known.get(text)
            if vector is not None:
                out[row] = vector
        return out


def _real_vectors(engine: AnswerEngine) -> dict[str, np.ndarray]:
    """The real encoder's vectors for the real knowledge's passages, encoded once per run."""
    texts = list(dict.fromkeys(t for e in engine.entries for t in passages(e)))
    return dict(zip(texts, engine.encoder.encode(texts), strict=True))


def synthetic_kb(real: KnowledgeBase, size: int, seed: int) -> KnowledgeBase:
    """The real knowledge base (vocabulary, places, meta and entries) grown to `size` entries:
    programs up to PROGRAM_SHARE of them, then FAQ entries, words drawn with a seeded RNG."""
    with _no_gc():  # the collector's passes over millions of new objects cost more than they free
        return _grown(real, size, np.random.default_rng(seed))


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _grown(real: KnowledgeBase, size: int, rng: np.random.Generator) -> KnowledgeBase:
    words = _WordPool(real, rng, pseudo=max(1_000, size // 2))
    programs_wanted = max(len(real.programs), round(size * PROGRAM_SHARE))
    extra = max(0, size - len(real.entries))
    new_programs = min(max(0, programs_wanted - len(real.programs)), extra)
    programs = [*real.programs, *_programs(real, words, rng, new_programs)]
    faqs = [*real.faqs, *_faqs(real, words, rng, extra - new_programs)]
    entries: list[Entry] = [*programs, *faqs]
    by_id = {e.id: e for e in entries}
    return KnowledgeBase(
        tuple(programs), tuple(faqs), real.meta, real.vocabulary, real.places, by_id, real.off_topic
    )


class _WordPool:
    """The real knowledge's words (most frequent first), then pronounceable made-up words for
    the long tail; drawn with Zipf-like weights."""

    def __init__(self, real: KnowledgeBase, rng: np.random.Generator, pseudo: int) -> None:
        seen: dict[str, None] = {}
        for entry in real.entries:
            texts = [*passages(entry), entry.answer if isinstance(entry, Faq) else entry.verdict]
            for text in texts:
                for word in text.lower().split():
                    word = word.strip(".,;:()?!\"'")
                    if word.isalpha():
                        seen[word] = None
        made: dict[str, None] = {}
        while len(made) < pseudo:
            parts = rng.integers(0, len(SYLLABLES), size=(pseudo, 4))
            lengths = rng.integers(2, 5, size=pseudo)
            for row, n in zip(parts.tolist(), lengths.tolist(), strict=True):
                word = "".join(SYLLABLES[i] for i in row[:n])
                if word not in seen:
                    made[word] = None
        self.made = list(made)[:pseudo]
        self.words = np.array([*seen, *self.made], dtype=object)
        weights = 1.0 / (np.arange(len(self.words)) + 10.0)
        self.cdf = np.cumsum(weights / weights.sum())
        self.rng = rng

    def draw(self, n: int) -> list[str]:
        rows = np.searchsorted(self.cdf, self.rng.random(n), side="right")
        drawn: list[str] = self.words[np.minimum(rows, len(self.words) - 1)].tolist()
        return drawn


OPENERS = ("how", "what", "can", "is", "do", "where", "when", "which", "should")


def _faqs(real: KnowledgeBase, words: _WordPool, rng: np.random.Generator, n: int) -> list[Faq]:
    """FAQ entries on four topic words each; every phrasing has three of them (rotating, after
    an opener) and a few other words."""
    template = real.faqs[0]
    counts = (rng.integers(*ALTERNATES, size=n) + 1).tolist()
    lengths = rng.integers(40, 80, size=n).tolist()
    extras, starts, openers = (
        a.tolist() for a in rng.integers((2, 0, 0), (6, 4, len(OPENERS)), (sum(counts), 3)).T
    )
    drawn = words.draw(4 * n + sum(extras) + sum(lengths))
    out: list[Faq] = []
    at = row = 0
    for i in range(n):
        topic = drawn[at : at + 4] * 2
        at += 4
        phrasings = []
        for _ in range(counts[i]):
            start, extra = starts[row], extras[row]
            opener = OPENERS[openers[row]]
            phrasings.append(" ".join([opener, *topic[start : start + 3], *drawn[at : at + extra]]))
            at += extra
            row += 1
        answer = " ".join([*topic[:4], *drawn[at : at + lengths[i]]])
        at += lengths[i]
        update = {
            "id": f"synthetic-faq-{i}",
            "question": phrasings[0].capitalize() + "?",
            "short": f"Synthetic FAQ {i}",
            "alternates": phrasings[1:],
            "answer": answer.capitalize() + ".",
            "related": [],
        }
        out.append(template.model_copy(update=update))
    return out


def _programs(
    real: KnowledgeBase, words: _WordPool, rng: np.random.Generator, n: int
) -> list[Program]:
    template = real.programs[0]
    pick = random.Random(int(rng.integers(2**32)))
    cities = list(real.places.cities.items())
    tags = list(real.vocabulary.focus)
    kinds = ("Medical Center", "University Hospital", "Health System", "Clinic")
    used: set[str] = set()
    out: list[Program] = []
    for i in range(n):
        core = ""
        while not core or core in used:
            core = " ".join(w.capitalize() for w in pick.sample(words.made, 2))
        used.add(core)
        kind = pick.choice(kinds)
        city, state = pick.choice(cities)
        acronym = "".join(w[0] for w in f"{core} {kind}".split()).upper()
        summary = " ".join(words.draw(pick.randint(20, 40)))
        benefits = [" ".join(words.draw(pick.randint(8, 16))) for _ in range(2)]
        update = {
            "id": f"synthetic-program-{i}",
            "name": f"{core} {kind} Externship Program",
            "short": f"Synthetic program {i}",
            "institution": f"{core} {kind}",
            "aliases": [core, f"{core} {kind}", acronym, f"{core} externship"],
            "location": f"{city.title()}, {state}",
            "focus": sorted(pick.sample(tags, pick.randint(1, 3))),
            "article": Claims(summary=summary, benefits=benefits),
            "name_traps": [],
        }
        out.append(template.model_copy(update=update))
    return out


def _rss_mb() -> float:
    """Current resident set size (MB), after handing freed heap back to the system where the C
    library can (glibc), so that a delta counts what is held; the peak so far without /proc."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- helpers --------------------------------------------------------------------------------------


def _index_scaling(n: int) -> tuple[float, float]:
    """Build time and bare search p50 (ms) for an index of n random rows."""
    rng = np.random.default_rng(n)
    vectors = rng.standard_normal((n, 384), dtype=np.float32)
    t = time.perf_counter()
    index = VectorIndex(vectors)
    build = (time.perf_counter() - t) * 1000
    queries = rng.standard_normal((200, 384), dtype=np.float32)
    search = [_ms(partial(index.search, q, 5)) for q in queries]
    return build, float(np.median(search))


def _questions(kb: KnowledgeBase) -> list[str]:
    """The bench's own inputs: every FAQ phrasing and program alias, as users would type them
    (lowercase), so the bench needs no evaluation files."""
    texts = [t for f in kb.faqs for t in (f.question, *f.alternates)]
    texts += [a for p in kb.programs for a in p.aliases]
    return [t.lower() for t in texts]


def _ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _load_average() -> float | None:
    """The system's one-minute load average, where the platform reports one."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _round(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _process_seconds(code: str, settings: EngineSettings) -> float:
    args = [sys.executable, "-c", code]
    if code is BARE_START and settings.model:
        args.append(settings.model)
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1")}
    t = time.perf_counter()
    subprocess.run(args, check=True, env=env, cwd=Path.cwd(), capture_output=True)
    return time.perf_counter() - t
