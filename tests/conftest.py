from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.answer.engine import AnswerEngine
from knowledge.loader import KnowledgeBase, load
from tests.fake_telegram import FakeTelegram
from tests.fakes import FakeEncoder
from tests.pg_server import PgServer, find_bindir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The bot's store (SQLite by default) writes to a throwaway directory, never the project's .data.
os.environ.setdefault("IMGBOT_STATE_DIR", tempfile.mkdtemp(prefix="imgbot-state-"))
FIXTURES = Path(__file__).parent / "fixtures"
EVAL_DIR = Path(__file__).parent / "eval"


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test's bot starts with an empty store: no context, votes or flood counts carried
    over from another test that used the same chat and user ids."""
    monkeypatch.setenv("IMGBOT_STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load()


@pytest.fixture(scope="session")
def fake_engine(kb: KnowledgeBase) -> AnswerEngine:
    return AnswerEngine(kb, FakeEncoder())


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1 for one test."""
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def vectors_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real engine's embedding cache, for tests that build another engine over the same
    texts (a reload) and test its logic, not how fast this machine embeds them all again."""
    return tmp_path_factory.mktemp("emb")


@pytest.fixture(scope="session")
def real_engine(kb: KnowledgeBase, vectors_dir: Path) -> AnswerEngine:
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    from embeddings.cache import EmbeddingCache
    from embeddings.encoder import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder()
    return AnswerEngine(kb, encoder, EmbeddingCache(vectors_dir, encoder.identity))


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's request layer (httpx) may reach only this machine: nothing leaves for Telegram."""
    import httpx

    original = httpx.AsyncClient.send

    async def loopback_only(self: httpx.AsyncClient, request: httpx.Request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if request.url.host not in LOOPBACK:
            raise httpx.ConnectError(f"tests may not reach {request.url.host}", request=request)
        return await original(self, request, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", loopback_only)


# -- a real PostgreSQL for the store's second backend (started once per session) ----------------


@pytest.fixture(scope="session")
def pg_bindir() -> Path:
    bindir = find_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: "
            "install Debian's `postgresql` package to run the PostgreSQL half"
        )
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason + " (CI=true: not skipping)")
        pytest.skip(reason)
    return bindir


@pytest.fixture(scope="session")
def pg_server(pg_bindir: Path) -> Iterator[PgServer]:
    server = PgServer(pg_bindir).init().start()
    yield server
    server.remove()
