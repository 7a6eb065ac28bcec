"""The store: every SQL test runs on SQLite and on a real PostgreSQL this file starts itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import User

from bot import feedback, keys
from bot.views import Rate
from knowledge.store import (
    AnswerRef,
    Outcome,
    SafeStore,
    SqlStore,
    Store,
    StoreSettings,
    StoreUnavailable,
    Vote,
)
from knowledge.store.migrate import current_revision, head_revision, migrate
from knowledge.store.settings import PROJECT_DIR, to_asyncpg_url
from knowledge.store.tables import metadata
from tests.fakes_store import FakeStore
from tests.pg_server import PgServer

SQL_BACKENDS = ["sqlite", "postgresql"]
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # on a 10 s boundary: flood windows start here


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> StoreSettings:
    if backend == "sqlite":
        return StoreSettings(state_dir=tmp_path / "state")
    server: PgServer = request.getfixturevalue("pg_server")
    # As an operator writes it: libpq's URL with the socket directory in `host`.
    return StoreSettings.from_env(
        {"DATABASE_URL": server.create_database(), "IMGBOT_STATE_DIR": str(tmp_path)}
    )


@pytest.fixture(params=SQL_BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSettings:
    return _settings(request.param, request, tmp_path)


@pytest.fixture
async def store(settings: StoreSettings, clock: FakeClock) -> AsyncIterator[SqlStore]:
    opened = await SqlStore.open(settings, clock=clock)
    yield opened
    await opened.close()


@pytest.fixture(params=[*SQL_BACKENDS, "fake"])
async def any_store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Store]:
    """The contract tests run on both databases and on the fake, which must behave the same."""
    if request.param == "fake":
        yield FakeStore(clock=clock)
        return
    opened = await SqlStore.open(_settings(request.param, request, tmp_path), clock=clock)
    yield opened
    await opened.close()


def answer(answer_id: str = "a1", entry_id: str | None = "faq-visa") -> AnswerRef:
    return AnswerRef(answer_id, "Do I need a visa?", "faq", entry_id, 0.71)


# -- settings ----------------------------------------------------------------------------------


def test_settings_from_env() -> None:
    default = StoreSettings.from_env({})
    assert default.database_url is None
    assert default.sqlite_path == PROJECT_DIR / ".data" / "imgbot.sqlite3"
    assert default.retention == timedelta(days=180)
    assert default.timeout == 1.5
    custom = StoreSettings.from_env(
        {
            "DATABASE_URL": "postgresql://bot:hunter2@db.internal:5433/imgbot",
            "IMGBOT_STATE_DIR": "/var/lib/imgbot",
            "IMGBOT_RETENTION_DAYS": "30",
            "IMGBOT_STORE_TIMEOUT": "0.5",
        }
    )
    assert custom.state_dir == Path("/var/lib/imgbot")
    assert custom.retention == timedelta(days=30)
    assert custom.timeout == 0.5
    assert "hunter2" not in repr(custom) and "db.internal" not in repr(custom)
    assert custom.describe() == "postgresql+asyncpg://bot:***@db.internal:5433/imgbot"


def test_libpq_urls_become_asyncpg_urls() -> None:
    tcp = to_asyncpg_url("postgresql://bot@localhost:5432/imgbot")
    assert tcp.render_as_string() == "postgresql+asyncpg://bot@localhost:5432/imgbot"
    socket = to_asyncpg_url("postgresql://bot@/imgbot?host=/run/postgresql")
    assert socket.drivername == "postgresql+asyncpg"
    assert (socket.host, socket.database, socket.query["host"]) == (
        None,
        "imgbot",
        "/run/postgresql",
    )
    heroku = to_asyncpg_url("postgres://u:p@h/d?sslmode=require&connect_timeout=5")
    assert heroku.drivername == "postgresql+asyncpg"
    assert dict(heroku.query) == {"ssl": "require", "timeout": "5"}
    with pytest.raises(ValueError, match="postgresql://"):
        to_asyncpg_url("mysql://u@h/d")


# -- the contract: SQLite, PostgreSQL and the fake ----------------------------------------------


async def test_vote_upsert_up_then_down(any_store: Store) -> None:
    await any_store.record_feedback(1, answer(), Vote.UP)
    assert [(v.entry_id, v.up, v.down) for v in (await any_store.stats()).votes] == [
        ("faq-visa", 1, 0)
    ]
    await any_store.record_feedback(1, answer(), Vote.DOWN)
    stats = await any_store.stats()
    assert [(v.entry_id, v.up, v.down) for v in stats.votes] == [("faq-visa", 0, 1)]
    negative = (await any_store.report_rows()).negative
    assert [(n.kind, n.answer_id, n.question, n.mode, n.score) for n in negative] == [
        ("down", "a1", "Do I need a visa?", "faq", 0.71)
    ]


async def test_concurrent_duplicate_presses_are_stored_once(any_store: Store) -> None:
    await asyncio.gather(*(any_store.record_feedback(1, answer(), Vote.DOWN) for _ in range(10)))
    await asyncio.gather(*(any_store.record_feedback(2, answer(), Vote.UP) for _ in range(10)))
    votes = (await any_store.stats()).votes
    assert [(v.up, v.down) for v in votes] == [(1, 1)]
    assert len((await any_store.report_rows()).negative) == 1


async def test_a_write_landing_late_never_replaces_one_cast_after_it(
    any_store: Store, clock: FakeClock
) -> None:
    earlier = clock()
    clock.advance(seconds=5)
    await any_store.record_feedback(1, answer(), Vote.DOWN)
    await any_store.record_report(1, answer(), "the later report")
    # A retry, or a call that outlived its timeout, of what was cast 5 s before.
    await any_store.record_feedback(1, answer(), Vote.UP, at=earlier)
    await any_store.record_report(1, answer(), "the earlier report", at=earlier)
    assert [(v.up, v.down) for v in (await any_store.stats()).votes] == [(0, 1)]
    reports = [r.message for r in (await any_store.report_rows()).negative if r.kind == "report"]
    assert reports == ["the later report"]


async def test_report_keeps_the_message(any_store: Store, clock: FakeClock) -> None:
    await any_store.record_report(1, answer(), "The deadline is March, not May")
    await any_store.record_report(2, answer("a2", None), "wrong program")
    clock.advance(minutes=1)
    await any_store.record_report(1, answer(), "The deadline is in March, not in May")
    rows = (await any_store.report_rows()).negative
    assert [(r.kind, r.answer_id, r.entry_id, r.message) for r in rows] == [
        ("report", "a2", None, "wrong program"),
        ("report", "a1", "faq-visa", "The deadline is in March, not in May"),
    ]
    assert rows[1].at == T0 + timedelta(minutes=1)
    assert (await any_store.stats()).reports == 2


async def test_unanswered_questions_with_candidates(any_store: Store, clock: FakeClock) -> None:
    first = await any_store.record_question(
        1, "externship in Ohio?", "unknown", Outcome.UNANSWERED, [("p-ohio", 0.41), ("p-oh", 0.3)]
    )
    clock.advance(hours=1)
    await any_store.record_question(2, "externship in Ohio?", "unknown", Outcome.UNANSWERED)
    clock.advance(minutes=1)
    await any_store.record_question(1, "visa or not", "choices", Outcome.LOW_CONFIDENCE)
    await any_store.record_question(1, "Mayo Clinic", "program", Outcome.ANSWERED, [("p", 0.9)])

    grouped = await any_store.unanswered()
    assert [(u.text, u.count, u.first_asked, u.last_asked) for u in grouped] == [
        ("externship in Ohio?", 2, T0, T0 + timedelta(hours=1)),
        ("visa or not", 1, T0 + timedelta(minutes=61), T0 + timedelta(minutes=61)),
    ]
    assert [u.text for u in await any_store.unanswered(since=T0 + timedelta(minutes=1))] == [
        "visa or not",  # a tie on count: the latest first
        "externship in Ohio?",
    ]
    rows = (await any_store.report_rows()).unanswered
    assert rows[0].question_id == first
    assert rows[0].candidates == (("p-ohio", 0.41), ("p-oh", 0.3))
    assert rows[0].asked_at == T0 and rows[0].mode == "unknown"
    # The answered question is counted but not listed as unanswered.
    assert [r.outcome for r in rows] == [Outcome.UNANSWERED] * 2 + [Outcome.LOW_CONFIDENCE]
    plain = (await any_store.report_rows()).to_plain()
    assert plain["unanswered"][0]["candidates"] == [["p-ohio", 0.41], ["p-oh", 0.3]]
    assert plain["unanswered"][0]["asked_at"] == "2025-03-01T12:00:00+00:00"


async def test_an_answer_is_found_again_for_feedback(any_store: Store, clock: FakeClock) -> None:
    kept = await any_store.record_question(
        1, "Mayo Clinic fee?", "program", Outcome.ANSWERED, [("p-mayo", 0.82), ("p-x", 0.4)]
    )
    missed = await any_store.record_question(1, "Ohio?", "unknown", Outcome.UNANSWERED)
    assert await any_store.answer_ref(kept) == AnswerRef(
        kept, "Mayo Clinic fee?", "program", "p-mayo", 0.82
    )
    assert await any_store.answer_ref(missed) == AnswerRef(missed, "Ohio?", "unknown", None, None)
    assert await any_store.answer_ref("no-such-answer") is None
    # Past the feedback window an answered question keeps only its counts; an unanswered one
    # keeps its text for the maintainers until the retention window.
    clock.advance(days=8)
    await any_store.purge()
    assert await any_store.answer_ref(kept) == AnswerRef(kept, "", "program", None, None)
    assert (await any_store.answer_ref(missed) or answer()).question == "Ohio?"
    assert (await any_store.stats()).asked == 2


async def test_stats_numbers(any_store: Store, clock: FakeClock) -> None:
    for outcome, n in ((Outcome.ANSWERED, 3), (Outcome.LOW_CONFIDENCE, 1), (Outcome.UNANSWERED, 2)):
        for i in range(n):
            await any_store.record_question(i, f"q{i}", "faq", outcome)
    await any_store.record_feedback(1, answer("a1", "faq-visa"), Vote.UP)
    await any_store.record_feedback(2, answer("a2", "faq-visa"), Vote.DOWN)
    await any_store.record_feedback(3, answer("a3", "faq-visa"), Vote.DOWN)
    await any_store.record_feedback(1, answer("a4", "p-mayo"), Vote.UP)
    await any_store.record_feedback(1, answer("a5", None), Vote.UP)  # no entry: not per entry
    await any_store.record_report(1, answer("a1"), "typo")
    stats = await any_store.stats()
    assert (stats.asked, stats.answered, stats.low_confidence, stats.unanswered) == (6, 3, 1, 2)
    assert stats.share_answered == 0.5
    assert stats.reports == 1
    assert [(v.entry_id, v.up, v.down) for v in stats.votes] == [
        ("faq-visa", 1, 2),
        ("p-mayo", 1, 0),
    ]
    clock.advance(days=1)
    await any_store.record_question(9, "later", "faq", Outcome.ANSWERED)
    later = await any_store.stats(since=T0 + timedelta(hours=1))
    assert (later.asked, later.answered, later.reports, later.votes) == (1, 1, 0, ())


async def test_forget_deletes_one_user_only(any_store: Store) -> None:
    for user in (1, 2):
        await any_store.record_question(user, f"where {user}", "unknown", Outcome.UNANSWERED)
        await any_store.record_question(user, "answered", "faq", Outcome.ANSWERED)
        await any_store.record_feedback(user, answer(f"a{user}"), Vote.DOWN)
        await any_store.record_report(user, answer(f"a{user}"), f"report {user}")
        await any_store.set_context(str(user), {"program": f"p{user}"}, timedelta(hours=1))
        await any_store.hit(str(user), 60, 10)

    deleted = await any_store.forget(1)

    assert deleted == 6  # 2 questions, 1 vote, 1 report, 1 context, 1 flood counter
    stats = await any_store.stats()
    assert (stats.asked, stats.reports) == (2, 1)
    report = await any_store.report_rows()
    assert [r.text for r in report.unanswered] == ["where 2"]
    assert {(n.kind, n.answer_id) for n in report.negative} == {("down", "a2"), ("report", "a2")}
    assert await any_store.get_context("1") is None
    assert await any_store.get_context("2") == {"program": "p2"}
    assert await any_store.hit("1", 60, 10) == 1  # the counter started over
    assert await any_store.hit("2", 60, 10) == 2
    assert await any_store.forget(1) == 1  # only the counter just made


async def test_purge_by_age(any_store: Store, clock: FakeClock) -> None:
    await any_store.record_question(1, "old", "unknown", Outcome.UNANSWERED)
    await any_store.record_feedback(1, answer("a-old"), Vote.DOWN)
    await any_store.record_report(1, answer("a-old"), "old report")
    await any_store.set_context("1", {"topic": "t"}, timedelta(hours=1))
    clock.advance(days=100)
    await any_store.record_question(1, "new", "unknown", Outcome.UNANSWERED)
    await any_store.record_feedback(1, answer("a-new"), Vote.DOWN)

    assert await any_store.purge(older_than=timedelta(days=90)) == 4  # 3 old rows + the context
    report = await any_store.report_rows()
    assert [r.text for r in report.unanswered] == ["new"]
    assert [n.answer_id for n in report.negative] == ["a-new"]
    assert await any_store.purge(older_than=timedelta(days=90)) == 0

    clock.advance(days=181)  # the default retention is 180 days
    assert await any_store.purge() == 2
    assert (await any_store.stats()).asked == 0


async def test_context_expires(any_store: Store, clock: FakeClock) -> None:
    assert await any_store.get_context("chat-1") is None
    await any_store.set_context(
        "chat-1", {"program": "p-mayo", "topic": None}, timedelta(minutes=30)
    )
    clock.advance(minutes=29)
    assert await any_store.get_context("chat-1") == {"program": "p-mayo", "topic": None}
    assert await any_store.get_context("chat-2") is None
    clock.advance(minutes=1)
    assert await any_store.get_context("chat-1") is None  # expired = absent
    await any_store.set_context("chat-1", {"topic": "visa"}, timedelta(minutes=30))
    assert await any_store.get_context("chat-1") == {"topic": "visa"}


async def test_flood_counts_per_window(any_store: Store, clock: FakeClock) -> None:
    counts = [await any_store.hit("user-1", 10, limit=3) for _ in range(7)]
    assert counts == [1, 2, 3, 4, 5, 5, 5]  # exact up to the first over the limit, then capped
    assert await any_store.hit("user-2", 10, limit=3) == 1
    assert await any_store.hit("user-1", 60, limit=3) == 1  # another window length, own count
    clock.advance(seconds=9.999)
    assert await any_store.hit("user-1", 10, limit=3) == 5
    clock.advance(seconds=0.001)  # a new fixed window: the last 10 s still hold the flood
    assert await any_store.hit("user-1", 10, limit=3) == 5
    clock.advance(seconds=5)  # half of the previous window's 5 (rounded up) and this one's 2
    assert await any_store.hit("user-1", 10, limit=3) == 5
    clock.advance(seconds=5)  # the previous window's 2, all of it, and this one's 1
    assert await any_store.hit("user-1", 10, limit=3) == 3
    clock.advance(seconds=20)  # nothing in the window before
    assert await any_store.hit("user-1", 10, limit=3) == 1


async def test_a_burst_across_a_window_edge_is_counted_whole(
    any_store: Store, clock: FakeClock
) -> None:
    # Fixed windows alone would count 1 after the edge and let six questions through in 0.2 s.
    clock.advance(seconds=9.9)
    assert [await any_store.hit("user-1", 10, limit=3) for _ in range(3)] == [1, 2, 3]
    clock.advance(seconds=0.2)
    assert await any_store.hit("user-1", 10, limit=3) == 4  # over the limit: told once
    assert await any_store.hit("user-1", 10, limit=3) == 5


async def test_user_hash(any_store: Store) -> None:
    digest = any_store.user_hash(123456789)
    assert digest == any_store.user_hash(123456789)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert "123456789" not in digest
    assert digest != any_store.user_hash(123456788)


async def test_retried_question_write_is_counted_once(any_store: Store) -> None:
    qid = await any_store.record_question(1, "q", "unknown", Outcome.UNANSWERED)
    assert await any_store.record_question(1, "q", "unknown", Outcome.UNANSWERED, question_id=qid)
    assert (await any_store.stats()).asked == 1


# -- SQL only: schema, several engines, salt ---------------------------------------------------


async def test_migrations_are_idempotent(settings: StoreSettings) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(settings.engine_url())
    try:
        await migrate(engine)
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head_revision()
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            # The migration and the tables the code queries agree, column for column.
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), metadata)
            )
    finally:
        await engine.dispose()
    assert set(metadata.tables) | {"alembic_version"} == names
    assert diff == []
    for _ in range(2):  # and opening a store on it migrates nothing more
        await (await SqlStore.open(settings)).close()


async def test_presses_from_two_engines_are_stored_once(
    settings: StoreSettings, clock: FakeClock
) -> None:
    a = await SqlStore.open(settings, clock=clock)
    b = await SqlStore.open(settings, clock=clock)
    try:
        presses = [s.record_feedback(7, answer(), Vote.DOWN) for s in (a, b) for _ in range(10)]
        await asyncio.gather(*presses)
        assert [(v.up, v.down) for v in (await a.stats()).votes] == [(0, 1)]
        await b.record_feedback(7, answer(), Vote.UP)
        assert [(v.up, v.down) for v in (await a.stats()).votes] == [(1, 0)]
    finally:
        await a.close()
        await b.close()


async def test_flood_counter_is_atomic_across_engines(
    settings: StoreSettings, clock: FakeClock
) -> None:
    a = await SqlStore.open(settings, clock=clock)
    b = await SqlStore.open(settings, clock=clock)
    try:
        hits = [s.hit("user-1", 10, limit=100) for _ in range(20) for s in (a, b)]
        counts = await asyncio.gather(*hits)
    finally:
        await a.close()
        await b.close()
    assert sorted(counts) == list(range(1, 41))


async def test_salt_is_shared_and_kept(settings: StoreSettings) -> None:
    a = await SqlStore.open(settings)
    b = await SqlStore.open(settings)
    digest = a.user_hash(42)
    assert b.user_hash(42) == digest != "42"
    await a.close()
    await b.close()
    again = await SqlStore.open(settings)
    assert again.user_hash(42) == digest
    await again.close()


async def test_corrupt_sqlite_file_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = StoreSettings(state_dir=tmp_path)
    garbage = b"this is not a database, just some bytes " * 200
    settings.sqlite_path.write_bytes(garbage)
    with caplog.at_level(logging.WARNING, logger="knowledge.store"):
        store = await SqlStore.open(settings)
    try:
        await store.record_question(1, "q", "unknown", Outcome.UNANSWERED)
        assert (await store.stats()).asked == 1
    finally:
        await store.close()
    moved = list(tmp_path.glob("imgbot.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    assert any(
        r.levelno == logging.WARNING and moved[0].name in r.getMessage() for r in caplog.records
    )


# -- SafeStore: a down or slow database never stops an answer ---------------------------------


class Controlled:
    """Wraps a store; `state` makes every call work, fail at once ("down") or hang ("hang")
    until `released` is set."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.state = "up"
        self.calls: list[str] = []
        self.released = asyncio.Event()

    def user_hash(self, user_id: int) -> str:
        return self.inner.user_hash(user_id)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"{name}:{self.state}")
            if self.state == "down":
                raise ConnectionRefusedError("database down")
            if self.state == "hang":
                await self.released.wait()
            return await method(*args, **kwargs)

        return call


def _unreachable(backend: str, tmp_path: Path) -> StoreSettings:
    if backend == "sqlite":
        (tmp_path / "a-file").write_text("")
        return StoreSettings(state_dir=tmp_path / "a-file" / "state")  # cannot be created
    no_server = tmp_path / "nosock"
    no_server.mkdir()
    return StoreSettings(database_url=f"postgresql://postgres@/imgbot?host={no_server}")


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_safe_store_with_the_database_down(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="knowledge.store")
    settings = _unreachable(backend, tmp_path)
    safe = SafeStore(lambda: SqlStore.open(settings), timeout=0.5, retry_for=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await safe.start()
    assert not safe.connected
    assert await safe.get_context("1") is None
    assert await safe.hit("1", 10, 3) == 0  # flood allows
    await safe.set_context("1", {"p": 1}, timedelta(minutes=5))
    qid = await safe.record_question(1, "my secret question", "unknown", Outcome.UNANSWERED)
    await safe.record_feedback(1, AnswerRef(qid, "my secret question", "faq"), Vote.DOWN)
    assert loop.time() - started < 1.5  # one start timeout, the rest at once
    assert safe.pending == 2
    with pytest.raises(StoreUnavailable):
        await safe.stats()
    with pytest.raises(StoreUnavailable):
        safe.user_hash(1)

    await safe.wait_idle()  # both retried until retry_for ran out, then dropped

    assert (safe.pending, safe.dropped) == (0, 2)
    warnings = _warnings(caplog)
    assert (
        f"store: dropped question {qid} (unknown, unanswered) (database unavailable for 0.3s)"
        in warnings
    )
    assert any(f"dropped question {qid}" in w for w in warnings)
    assert any(f"dropped vote DOWN on answer {qid}" in w for w in warnings)
    assert any("get_context failed" in r.getMessage() for r in caplog.records)
    assert any("hit failed" in r.getMessage() for r in caplog.records)
    assert not [w for w in warnings if "secret" in w or "nosock" in w]
    await safe.close()


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_safe_store_queues_then_flushes_in_order(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    real = await SqlStore.open(_settings(backend, request, tmp_path))
    flaky = Controlled(real)

    async def connect() -> Store:
        return cast(Store, flaky)

    safe = SafeStore(connect, timeout=0.5, retry_delay=(0.01, 0.05))
    await safe.start()
    await safe.record_feedback(1, answer(), Vote.UP)
    flaky.state = "down"
    await safe.record_feedback(1, answer(), Vote.UP)  # fails: queued
    flaky.state = "hang"
    qid = await safe.record_question(1, "q", "unknown", Outcome.UNANSWERED)  # queued behind
    await safe.record_feedback(1, answer(), Vote.DOWN)  # queued behind: order kept
    assert await safe.get_context("1") is None
    assert safe.pending >= 2
    flaky.state = "up"
    await safe.wait_idle()
    assert safe.dropped == 0
    assert [(v.up, v.down) for v in (await safe.stats()).votes] == [(0, 1)]
    assert [r.question_id for r in (await safe.report_rows()).unanswered] == [qid]
    await safe.close()
    assert "record_feedback:down" in flaky.calls


async def test_a_vote_outliving_its_timeout_lands_under_the_later_one(clock: FakeClock) -> None:
    slow = Controlled(FakeStore(clock=clock))

    async def connect() -> Store:
        return cast(Store, slow)

    safe = SafeStore(connect, timeout=0.2, retry_delay=(0.01, 0.05), clock=clock)
    await safe.start()
    slow.state = "hang"
    await safe.record_feedback(1, answer(), Vote.UP)  # times out, goes on, and is queued
    clock.advance(seconds=5)
    slow.state = "up"
    await safe.record_feedback(1, answer(), Vote.DOWN)
    await safe.wait_idle()
    slow.released.set()  # the first call, abandoned but never cancelled, lands last
    await safe.close()
    assert [(v.up, v.down) for v in (await slow.inner.stats()).votes] == [(0, 1)]
    assert slow.calls.count("record_feedback:hang") >= 1


class SlowFirstRead(FakeStore):
    """The first answer_ref read waits until `released`: a press held up on a slow read."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.released = asyncio.Event()
        self._reads = 0

    async def answer_ref(self, answer_id: str) -> AnswerRef | None:
        self._reads += 1
        if self._reads == 1:
            await self.released.wait()
        return await super().answer_ref(answer_id)


async def test_a_press_held_up_before_its_write_still_loses_to_a_later_press(
    clock: FakeClock,
) -> None:
    # The bot's rate(): a 👍 whose answer_ref read is slow must be stored as of its press, so
    # the 👎 pressed after it wins even though the 👍's write lands last.
    store = SlowFirstRead(clock)

    async def connect() -> Store:
        return cast(Store, store)

    safe = SafeStore(connect, timeout=5.0, clock=clock)
    await safe.start()
    context = SimpleNamespace(bot_data={keys.STORE: safe})
    user = User(id=1, first_name="A", is_bot=False)
    up = asyncio.create_task(feedback.rate(context, user, Rate("a1", up=True), clock()))
    await asyncio.sleep(0.05)  # the 👍 is waiting on its read
    clock.advance(seconds=5)
    await feedback.rate(context, user, Rate("a1", up=False), clock())
    await safe.wait_idle()
    store.released.set()
    await up
    await safe.wait_idle()
    await safe.close()
    assert [row.vote for row in store.votes.values()] == [Vote.DOWN]


async def test_safe_store_times_out_on_a_hanging_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="knowledge.store")
    slow = Controlled(FakeStore())

    async def connect() -> Store:
        return cast(Store, slow)

    safe = SafeStore(connect, timeout=0.2, admin_timeout=0.2, retry_for=60)
    await safe.start()
    await safe.set_context("1", {"p": 1}, timedelta(minutes=5))
    slow.state = "hang"
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await safe.get_context("1") is None
    assert await safe.hit("1", 10, 3) == 0
    await safe.record_feedback(1, answer("a1"), Vote.UP)
    await safe.record_feedback(2, answer("a2"), Vote.UP)  # queued behind the first at once
    assert loop.time() - started < 1.5
    assert safe.pending == 2
    # forget() takes the user's queued writes out first, then fails on the database.
    with pytest.raises(StoreUnavailable):
        await safe.forget(1)
    assert safe.pending == 1
    slow.state = "up"
    await safe.wait_idle()
    fake = cast(FakeStore, slow.inner)
    assert {key[1] for key in fake.votes} == {"a2"}
    assert await safe.get_context("1") == {"p": 1}
    await safe.close()
    assert fake.closed


async def test_safe_store_queue_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    down = Controlled(FakeStore())
    down.state = "down"

    async def connect() -> Store:
        return cast(Store, down)

    safe = SafeStore(connect, timeout=0.2, max_pending=3, retry_for=60)
    await safe.start()
    with caplog.at_level(logging.WARNING, logger="knowledge.store"):
        for i in range(5):
            await safe.record_feedback(1, answer(f"a{i}"), Vote.UP)
    assert (safe.pending, safe.dropped) == (3, 2)
    assert [w for w in _warnings(caplog) if "dropped" in w] == [
        "store: dropped vote UP on answer a0 (queue full)",
        "store: dropped vote UP on answer a1 (queue full)",
    ]
    await safe.close()  # what is still queued is dropped, with a log line each
    assert safe.dropped == 5


async def test_safe_store_survives_a_postgresql_restart(pg_bindir: Path, clock: FakeClock) -> None:
    server = PgServer(pg_bindir).init().start()
    try:
        settings = StoreSettings.from_env({"DATABASE_URL": server.create_database()})
        safe = SafeStore.from_settings(settings, clock=clock)
        safe.retry_delay = (0.05, 0.2)
        await safe.start()
        assert safe.connected
        await safe.set_context("1", {"p": 1}, timedelta(hours=1))
        await safe.record_question(1, "before", "unknown", Outcome.UNANSWERED)

        await asyncio.to_thread(server.stop)
        assert await safe.get_context("1") is None
        assert await safe.hit("1", 10, 3) == 0
        clock.advance(minutes=1)
        await safe.record_question(1, "during", "unknown", Outcome.UNANSWERED)
        assert safe.pending == 1

        await asyncio.to_thread(server.start)
        await safe.wait_idle()
        assert safe.dropped == 0
        assert [u.text for u in await safe.unanswered()] == ["during", "before"]
        assert await safe.get_context("1") == {"p": 1}
        await safe.close()
    finally:
        server.remove()


async def test_workers_starting_together_migrate_once(settings: StoreSettings) -> None:
    stores = await asyncio.gather(*(SqlStore.open(settings) for _ in range(4)))
    try:
        assert len({s.user_hash(1) for s in stores}) == 1  # one salt, made by the first
    finally:
        for s in stores:
            await s.close()


async def test_sqlite_writes_through_a_write_ahead_log(tmp_path: Path) -> None:
    """Each answer commits a few rows: in WAL mode with NORMAL sync a commit does not wait on
    the disk (the rollback journal's syncs made a burst of answers queue behind it)."""
    store = await SqlStore.open(StoreSettings(state_dir=tmp_path))
    try:
        async with store.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            sync = (await conn.execute(text("PRAGMA synchronous"))).scalar_one()
        assert (mode, sync) == ("wal", 1)  # 1: NORMAL
    finally:
        await store.close()


async def test_a_slow_call_is_abandoned_by_its_waiter_but_never_cancelled() -> None:
    """Cancelling a database call mid-flight breaks its pooled connection: a call that outlives
    its timeout is left to finish (close() gives such calls one more timeout)."""
    finished: list[str] = []

    class Slow(FakeStore):
        async def hit(self, key: str, window_seconds: float, limit: int) -> int:
            await asyncio.sleep(0.3)
            finished.append(key)
            return 1

    async def connect() -> Store:
        return Slow()

    safe = SafeStore(connect, timeout=0.1)
    await safe.start()
    assert await safe.hit("late", 10, 3) == 0  # the waiter gave up: flood control's default
    assert finished == []
    await asyncio.sleep(0.4)
    assert finished == ["late"]  # it went on after its waiter left
    await safe.close()
