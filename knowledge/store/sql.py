"""`SqlStore`: the Store on an async SQLAlchemy engine, SQLite (aiosqlite) or PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from knowledge.store import reads
from knowledge.store.base import (
    AnswerRef,
    Candidate,
    Clock,
    Context,
    FloodWindow,
    Outcome,
    Report,
    Stats,
    UnansweredQuestion,
    Vote,
    new_id,
    utc_now,
)
from knowledge.store.filelock import locked
from knowledge.store.migrate import migrate
from knowledge.store.recovery import is_corrupt, move_aside
from knowledge.store.settings import StoreSettings
from knowledge.store.tables import (
    chat_context,
    feedback,
    flood,
    installation,
    questions,
    reports,
)

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT = 5.0  # seconds a writer waits for another process's write lock
PRUNE_EVERY = 256  # flood hits between two deletions of expired counters


def _engine(settings: StoreSettings) -> AsyncEngine:
    if settings.database_url:
        # pre_ping: after a PostgreSQL restart the pool's connections are dead; test before use.
        return create_async_engine(settings.engine_url(), pool_pre_ping=True)
    engine = create_async_engine(
        settings.engine_url(), connect_args={"timeout": SQLITE_BUSY_TIMEOUT}
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    # Every answer writes a few small rows (flood count, context, question log). In the default
    # rollback-journal mode each commit syncs the disk, which serialised a burst of answers
    # behind the disk; with a write-ahead log and NORMAL sync a commit is an append, durable
    # against a crash of the bot (not of the machine's power), and readers never block writers.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def _start(settings: StoreSettings, clock: Clock) -> tuple[AsyncEngine, str]:
    engine = _engine(settings)
    try:
        return engine, await _prepare(engine, clock())
    except BaseException as exc:  # cancelled by a timeout too: the pool must not leak
        await engine.dispose()
        if settings.database_url or not is_corrupt(exc):
            raise
        moved = move_aside(settings.sqlite_path, clock())
        log.warning(
            "store: %s is not a usable SQLite database (%s); moved aside to %s, starting empty",
            settings.sqlite_path,
            type(getattr(exc, "orig", exc)).__name__,
            moved.name,
        )
    engine = _engine(settings)
    try:
        return engine, await _prepare(engine, clock())
    except BaseException:
        await engine.dispose()
        raise


async def _prepare(engine: AsyncEngine, now: datetime) -> str:
    """Migrates, then returns the installation's salt, made by whichever worker came first."""
    await migrate(engine)
    async with engine.begin() as conn:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        await conn.execute(
            insert(installation)
            .values(id=1, salt=secrets.token_hex(32), created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        salt = (await conn.execute(select(installation.c.salt))).scalar_one()
    return str(salt)


class SqlStore:
    """Construct with `await SqlStore.open(settings)`; `await store.close()` at the end."""

    def __init__(
        self, engine: AsyncEngine, salt: str, settings: StoreSettings, clock: Clock = utc_now
    ) -> None:
        self._engine = engine
        self._key = bytes.fromhex(salt)
        self._settings = settings
        self._clock = clock
        self._pg = engine.dialect.name == "postgresql"
        self._hits = 0

    @classmethod
    async def open(
        cls, settings: StoreSettings | None = None, *, clock: Clock = utc_now
    ) -> SqlStore:
        """Connects, migrates and loads the salt. A corrupt SQLite file is moved aside to
        `<name>.corrupt-<timestamp>` and a new one made; any other failure is raised."""
        settings = settings or StoreSettings.from_env()
        if settings.database_url:  # workers serialize on an advisory lock inside migrate()
            engine, salt = await _start(settings, clock)
        else:
            settings.state_dir.mkdir(parents=True, exist_ok=True)
            # SQLite runs alembic's DDL outside a transaction: one starting worker at a time.
            async with locked(settings.sqlite_path.with_name(settings.sqlite_path.name + ".lock")):
                engine, salt = await _start(settings, clock)
        log.info("store: ready on %s", settings.describe())
        return cls(engine, salt, settings, clock)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    def user_hash(self, user_id: int) -> str:
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()

    def _key_hash(self, space: str, key: str) -> str:
        # Chat and flood keys are often user ids (a private chat's id is its user's).
        return hmac.new(self._key, f"{space}:{key}".encode(), hashlib.sha256).hexdigest()

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        # Both dialects have INSERT .. ON CONFLICT with the same SQLAlchemy spelling.
        return postgresql.insert(table) if self._pg else sqlite.insert(table)

    async def record_question(
        self,
        user_id: int,
        text: str,
        mode: str,
        outcome: Outcome,
        candidates: Sequence[Candidate] = (),
        *,
        question_id: str | None = None,
    ) -> str:
        question_id = question_id or new_id()
        stmt = (
            self._insert(questions)
            .values(
                id=question_id,
                user_hash=self.user_hash(user_id),
                asked_at=self._clock(),
                mode=mode,
                outcome=str(outcome),
                text=text,
                candidates=[[e, float(s)] for e, s in candidates],
            )
            .on_conflict_do_nothing(index_elements=["id"])  # a retried write
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)
        return question_id

    async def answer_ref(self, answer_id: str) -> AnswerRef | None:
        stmt = select(questions.c.text, questions.c.mode, questions.c.candidates).where(
            questions.c.id == answer_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            return None
        top = (row.candidates or [[None, None]])[0]
        return AnswerRef(answer_id, row.text or "", row.mode, top[0], top[1])

    async def _upsert_about_answer(
        self,
        table: Table,
        user_id: int,
        answer: AnswerRef,
        changed: Mapping[str, object],
        at: datetime | None,
    ) -> None:
        now = at or self._clock()
        stmt = self._insert(table).values(
            user_hash=self.user_hash(user_id),
            answer_id=answer.answer_id,
            entry_id=answer.entry_id,
            question=answer.question,
            mode=answer.mode,
            score=answer.score,
            created_at=now,
            updated_at=now,
            **changed,
        )
        # Never over a row cast later: last cast wins, whatever order the writes land in.
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_hash", "answer_id"],
            set_={**changed, "updated_at": now},
            where=table.c.updated_at <= stmt.excluded.updated_at,
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def record_feedback(
        self, user_id: int, answer: AnswerRef, vote: Vote, *, at: datetime | None = None
    ) -> None:
        await self._upsert_about_answer(feedback, user_id, answer, {"vote": int(vote)}, at)

    async def record_report(
        self, user_id: int, answer: AnswerRef, message: str, *, at: datetime | None = None
    ) -> None:
        await self._upsert_about_answer(reports, user_id, answer, {"message": message}, at)

    async def get_context(self, chat_key: str) -> Context | None:
        stmt = select(chat_context.c.data, chat_context.c.expires_at).where(
            chat_context.c.key_hash == self._key_hash("chat", chat_key)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None or row.expires_at <= self._clock():
            return None  # expired rows linger until purge: a read never writes
        return dict(row.data)

    async def set_context(self, chat_key: str, data: Mapping[str, object], ttl: timedelta) -> None:
        values = {"data": dict(data), "expires_at": self._clock() + ttl}
        stmt = self._insert(chat_context).values(
            key_hash=self._key_hash("chat", chat_key), **values
        )
        stmt = stmt.on_conflict_do_update(index_elements=["key_hash"], set_=values)
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def hit(self, key: str, window_seconds: float, limit: int) -> int:
        now = self._clock()
        window = FloodWindow.at(now, window_seconds)
        ceiling = limit + 2
        key_hash = self._key_hash("flood", key)
        stmt = self._insert(flood).values(
            key_hash=key_hash,
            window_ms=window.length_ms,
            bucket=window.bucket,
            count=1,
            expires_at=window.expires_at,
        )
        # One statement: the row lock (PostgreSQL) or the write lock (SQLite) makes it atomic.
        stmt = stmt.on_conflict_do_update(
            index_elements=["key_hash", "window_ms", "bucket"],
            set_={"count": flood.c.count + 1},
            where=flood.c.count < ceiling,
        )
        # The previous window's count comes back with this one's, in the same statement.
        earlier = flood.alias("earlier")
        previous = (
            select(earlier.c.count)
            .where(
                earlier.c.key_hash == key_hash,
                earlier.c.window_ms == window.length_ms,
                earlier.c.bucket == window.bucket - 1,
            )
            .scalar_subquery()
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(stmt.returning(flood.c.count, previous))).one_or_none()
        self._hits += 1
        if self._hits % PRUNE_EVERY == 0:
            async with self._engine.begin() as conn:
                await conn.execute(delete(flood).where(flood.c.expires_at <= now))
        if row is None:  # this window's count had reached the ceiling: no row was rewritten
            return ceiling
        count, before = row
        return window.sliding_count(int(count), int(before or 0), ceiling)

    async def forget(self, user_id: int) -> int:
        user = self.user_hash(user_id)
        statements = [
            delete(questions).where(questions.c.user_hash == user),
            delete(feedback).where(feedback.c.user_hash == user),
            delete(reports).where(reports.c.user_hash == user),
            delete(chat_context).where(
                chat_context.c.key_hash == self._key_hash("chat", str(user_id))
            ),
            delete(flood).where(flood.c.key_hash == self._key_hash("flood", str(user_id))),
        ]
        async with self._engine.begin() as conn:
            return sum([(await conn.execute(stmt)).rowcount for stmt in statements])

    async def purge(self, older_than: timedelta | None = None) -> int:
        now = self._clock()
        cutoff = now - (self._settings.retention if older_than is None else older_than)
        statements = [
            delete(questions).where(questions.c.asked_at < cutoff),
            delete(feedback).where(feedback.c.updated_at < cutoff),
            delete(reports).where(reports.c.updated_at < cutoff),
            delete(chat_context).where(chat_context.c.expires_at <= now),
            delete(flood).where(flood.c.expires_at <= now),
        ]
        answered_before = now - self._settings.feedback_window
        async with self._engine.begin() as conn:
            await conn.execute(
                update(questions)
                .where(
                    questions.c.outcome == str(Outcome.ANSWERED),
                    questions.c.asked_at < answered_before,
                    questions.c.text.is_not(None),
                )
                .values(text=None, candidates=None)
            )
            return sum([(await conn.execute(stmt)).rowcount for stmt in statements])

    async def stats(self, since: datetime | None = None) -> Stats:
        async with self._engine.connect() as conn:
            return await reads.stats(conn, since)

    async def unanswered(
        self, since: datetime | None = None, limit: int = 500
    ) -> list[UnansweredQuestion]:
        async with self._engine.connect() as conn:
            return await reads.unanswered(conn, since, limit)

    async def report_rows(self, since: datetime | None = None) -> Report:
        async with self._engine.connect() as conn:
            return await reads.report(conn, since)

    async def close(self) -> None:
        await self._engine.dispose()
