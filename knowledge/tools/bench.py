"""`imgbot bench`: speed and memory, measured side by side in one run (numbers, not a test)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO

import numpy as np

from embeddings.encoder import Encoder
from embeddings.index import VectorIndex
from knowledge.answer.build import build_engine
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.settings import EngineSettings

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


def run(settings: EngineSettings, *, quick: bool, out: TextIO) -> None:
    def say(line: str = "") -> None:
        out.write(line + "\n")
        out.flush()

    rounds = 1 if quick else 3
    say(f"imgbot bench — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    start = time.perf_counter()
    engine = build_engine(settings)
    say(
        f"engine built in {time.perf_counter() - start:.2f} s; embedding cache: "
        f"encoded {engine.stats.encoded}, reused {engine.stats.reused}"
    )
    questions = _questions(engine)
    say(
        f"\n1. Per-question latency over {len(questions)} questions x {rounds} rounds "
        "(interleaved, single question at a time)"
    )
    engine.answer("warm up")
    answer_ms, encode_ms = [], []
    for _ in range(rounds):
        for q in questions:
            answer_ms.append(_ms(partial(engine.answer, q)))
            encode_ms.append(_ms(partial(engine.encoder.encode, [q])))
    a50, a99 = np.percentile(answer_ms, [50, 99])
    e50, e99 = np.percentile(encode_ms, [50, 99])
    say(f"   answer()        p50 {a50:7.2f} ms   p99 {a99:7.2f} ms")
    say(f"   bare encode     p50 {e50:7.2f} ms   p99 {e99:7.2f} ms")
    say(f"   ratio           p50 {a50 / e50:7.2f} x    p99 {a99 / e99:7.2f} x   (goal <= 1.3 x)")

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

    say("\n3. Vector index with synthetic entries (384-d, top 5)")
    base = 0.0
    for n in (100, 10_000, 100_000):
        build, search, query = _index_scaling(n, engine.encoder, questions[:100])
        base = base or query
        say(
            f"   {n:>7,} entries: build {build:8.1f} ms   search p50 {search:7.3f} ms   "
            f"encode+search p50 {query:6.2f} ms ({query / base:4.2f} x at 100)"
        )
    say("   (goal: a query at 100 000 entries <= 2 x a query at 100)")

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(
        f"\n4. Peak RSS: this process {rss:.0f} MB (includes the 100 000-entry index); "
        f"a cold-start child {child_rss:.0f} MB"
    )


def _index_scaling(n: int, encoder: Encoder, questions: list[str]) -> tuple[float, float, float]:
    """Build time, bare search p50 and encode+search p50 (ms) for an index of n random rows."""
    rng = np.random.default_rng(n)
    vectors = rng.standard_normal((n, 384), dtype=np.float32)
    t = time.perf_counter()
    index = VectorIndex(vectors)
    build = (time.perf_counter() - t) * 1000
    queries = rng.standard_normal((200, 384), dtype=np.float32)
    search = [_ms(partial(index.search, q, 5)) for q in queries]
    full = [_ms(partial(_encode_and_search, index, encoder, q)) for q in questions]
    return build, float(np.median(search)), float(np.median(full))


def _encode_and_search(index: VectorIndex, encoder: Encoder, question: str) -> None:
    index.search(encoder.encode([question])[0], 5)


def _questions(engine: AnswerEngine) -> list[str]:
    """The bench's own inputs: every FAQ phrasing and program alias, as users would type them
    (lowercase), so the bench needs no evaluation files."""
    kb = engine.kb
    texts = [t for f in kb.faqs for t in (f.question, *f.alternates)]
    texts += [a for p in kb.programs for a in p.aliases]
    return [t.lower() for t in texts]


def _ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _process_seconds(code: str, settings: EngineSettings) -> float:
    args = [sys.executable, "-c", code]
    if code is BARE_START and settings.model:
        args.append(settings.model)
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1")}
    t = time.perf_counter()
    subprocess.run(args, check=True, env=env, cwd=Path.cwd(), capture_output=True)
    return time.perf_counter() - t
