"""Building the engine from settings: the one place that wires knowledge, model and cache."""

from __future__ import annotations

from embeddings.cache import EmbeddingCache
from embeddings.encoder import EncoderError, SentenceTransformerEncoder
from embeddings.threads import keep_blas_single_threaded
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.settings import EngineSettings
from knowledge.loader import KnowledgeError, load

# What can stop an engine from being built: invalid knowledge, or a model that will not load.
BUILD_ERRORS = (KnowledgeError, EncoderError)


def rebuild_engine(old: AnswerEngine, settings: EngineSettings) -> AnswerEngine:
    """A new engine over freshly loaded knowledge, reusing the loaded model (and the cache, so
    only changed texts are encoded). Raises KnowledgeError, leaving `old` untouched."""
    kb = load(settings.data_dir)
    cache = EmbeddingCache(settings.cache_dir, old.encoder.identity)
    return AnswerEngine(kb, old.encoder, cache, old.thresholds)


def build_engine(settings: EngineSettings) -> AnswerEngine:
    """Validate the knowledge first (cheap, and the engine refuses invalid knowledge), then load
    the model and embed what the cache does not already hold."""
    kb = load(settings.data_dir)
    keep_blas_single_threaded()
    encoder = SentenceTransformerEncoder(settings.model)
    return AnswerEngine(kb, encoder, EmbeddingCache(settings.cache_dir, encoder.identity))
