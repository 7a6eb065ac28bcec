"""`SafeStore`: the Store as the bot uses it, where a down or slow database never stops an answer.

Every call has a short timeout. Reads fall back to a safe default (no context; flood allows).
Question, vote and report writes that fail wait in a bounded in-memory queue and are retried in
the background for a while, then dropped with a WARNING naming what was dropped (ids and kinds,
never user text). Admin calls (stats, forget, ...) raise StoreUnavailable instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from knowledge.store.base import (
    AnswerRef,
    Candidate,
    Clock,
    Context,
    Outcome,
    Report,
    Stats,
    Store,
    StoreUnavailable,
    UnansweredQuestion,
    Vote,
    new_id,
    utc_now,
)
from knowledge.store.settings import StoreSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

WARN_EVERY = 60.0  # seconds between two WARNINGs about the same failing operation (DEBUG between)


@dataclass(frozen=True, eq=False)  # identity: the queue removes this very item
class _Pending:
    label: str  # for log lines: kind and ids only
    user_id: int  # so that forget() can cancel the user's queued writes
    write: Callable[[Store], Awaitable[object]]
    deadline: float  # time.monotonic() after which it is dropped


class SafeStore:
    """Wraps a store opened by `connect` (retried in the background until it succeeds)."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Store]],
        *,
        timeout: float = 1.5,
        admin_timeout: float = 30.0,
        connect_timeout: float = 15.0,
        max_pending: int = 1000,
        retry_for: float = 30.0,
        retry_delay: tuple[float, float] = (0.1, 5.0),
        clock: Clock = utc_now,
    ) -> None:
        self.timeout = timeout
        self.admin_timeout = admin_timeout
        self.connect_timeout = connect_timeout
        self.max_pending = max_pending
        self.retry_for = retry_for
        self.retry_delay = retry_delay
        self.dropped = 0  # writes given up on, since start
        self._connect = connect
        self._clock = clock  # when votes and reports are cast (see Store.record_feedback)
        self._inner: Store | None = None
        self._connected = asyncio.Event()
        self._pending: deque[_Pending] = deque()
        self._idle = asyncio.Event()
        self._idle.set()
        self._connector: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._warned: dict[str, float] = {}
        self._abandoned: set[asyncio.Future[Any]] = set()  # calls still running, see _bounded

    @classmethod
    def from_settings(
        cls, settings: StoreSettings | None = None, *, clock: Clock = utc_now
    ) -> SafeStore:
        from knowledge.store.sql import SqlStore  # the SQL stack only for the real thing

        settings = settings or StoreSettings.from_env()
        return cls(
            lambda: SqlStore.open(settings, clock=clock), timeout=settings.timeout, clock=clock
        )

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Starts connecting; waits up to `timeout` for it, then goes on without the database."""
        if self._connector is None:
            self._connector = asyncio.create_task(self._connect_loop(), name="store-connect")
        try:
            async with asyncio.timeout(self.timeout):
                await self._connected.wait()
        except TimeoutError:
            log.warning("store: database not ready; answering without it, connecting in background")

    async def _connect_loop(self) -> None:
        delay, longest = self.retry_delay
        while True:
            try:
                async with asyncio.timeout(self.connect_timeout):
                    self._inner = await self._connect()
            except Exception as exc:
                self._failed("connect", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, longest)
                continue
            self._connected.set()
            log.info("store: connected")
            return

    @property
    def connected(self) -> bool:
        return self._inner is not None

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def wait_idle(self) -> None:
        """Returns once no write is queued (each one written or dropped)."""
        await self._idle.wait()

    async def close(self) -> None:
        """Gives queued writes up to `timeout` to land, drops the rest, closes the database."""
        await _cancel(self._connector)
        if self._pending and self._inner is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.timeout):
                    await self._idle.wait()
        await _cancel(self._flusher)
        while self._pending:
            self._drop(self._pending.popleft(), "shutting down")
        self._idle.set()
        if self._abandoned:  # let calls that outlived their wait finish before the pool goes
            await asyncio.wait(list(self._abandoned), timeout=self.timeout)
            for task in list(self._abandoned):  # a database that never answers: give up on it
                task.cancel()
        inner, self._inner = self._inner, None
        if inner is not None:
            try:
                await inner.close()
            except Exception as exc:  # shutting down anyway: note it, do not mask the exit
                self._failed("close", exc)

    # -- the three kinds of call ---------------------------------------------------------------

    async def _bounded(self, call: Awaitable[T], timeout: float) -> T:
        """`call`'s result within `timeout`, else TimeoutError; the call itself is never
        cancelled. Cancelling a database call mid-flight breaks its pooled connection, and with
        aiosqlite 0.22 the pool's shielded clean-up can then hang the event loop's shutdown
        (sqlalchemy/sqlalchemy#13039). An abandoned call finishes in the background (every
        write is idempotent, so a retry of one that did land changes nothing); close() waits
        for them."""
        task = asyncio.ensure_future(call)
        self._abandoned.add(task)
        task.add_done_callback(_settled(self._abandoned))
        return await asyncio.wait_for(asyncio.shield(task), timeout)

    def _failed(self, operation: str, exc: BaseException | None) -> None:
        # The exception's text can hold SQL parameters (user text): only its type at WARNING.
        reason = type(exc).__name__ if exc else "not connected"
        now = time.monotonic()
        level = logging.DEBUG
        if now - self._warned.get(operation, -WARN_EVERY) >= WARN_EVERY:
            self._warned[operation] = now
            level = logging.WARNING
        log.log(level, "store: %s failed (%s); going on without it", operation, reason)
        log.debug("store: %s failure details", operation, exc_info=exc)

    async def _read(self, operation: str, call: Callable[[Store], Awaitable[T]], default: T) -> T:
        if self._inner is None:
            self._failed(operation, None)
            return default
        try:
            return await self._bounded(call(self._inner), self.timeout)
        except Exception as exc:
            self._failed(operation, exc)
            return default

    async def _admin(self, operation: str, call: Callable[[Store], Awaitable[T]]) -> T:
        if self._inner is None:
            raise StoreUnavailable(f"{operation}: the database is not connected")
        try:
            return await self._bounded(call(self._inner), self.admin_timeout)
        except Exception as exc:
            self._failed(operation, exc)
            raise StoreUnavailable(f"{operation}: {type(exc).__name__}") from exc

    # -- the Store interface -------------------------------------------------------------------

    def user_hash(self, user_id: int) -> str:
        if self._inner is None:
            raise StoreUnavailable("user_hash: the salt is in the database, not connected yet")
        return self._inner.user_hash(user_id)

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
        qid = question_id or new_id()  # made here, so it exists even if the write waits
        kept = tuple(candidates)
        await self._queue_write(
            f"question {qid} ({mode}, {outcome})",
            user_id,
            lambda s: s.record_question(user_id, text, mode, outcome, kept, question_id=qid),
        )
        return qid

    async def record_feedback(
        self, user_id: int, answer: AnswerRef, vote: Vote, *, at: datetime | None = None
    ) -> None:
        cast = at or self._clock()  # now, not when a queued or retried write lands
        await self._queue_write(
            f"vote {vote.name} on answer {answer.answer_id}",
            user_id,
            lambda s: s.record_feedback(user_id, answer, vote, at=cast),
        )

    async def record_report(
        self, user_id: int, answer: AnswerRef, message: str, *, at: datetime | None = None
    ) -> None:
        cast = at or self._clock()
        await self._queue_write(
            f"report on answer {answer.answer_id}",
            user_id,
            lambda s: s.record_report(user_id, answer, message, at=cast),
        )

    async def answer_ref(self, answer_id: str) -> AnswerRef | None:
        return await self._read("answer_ref", lambda s: s.answer_ref(answer_id), None)

    async def get_context(self, chat_key: str) -> Context | None:
        return await self._read("get_context", lambda s: s.get_context(chat_key), None)

    async def set_context(self, chat_key: str, data: Mapping[str, object], ttl: timedelta) -> None:
        # Not queued: a context written late would be staler than none.
        await self._read("set_context", lambda s: s.set_context(chat_key, data, ttl), None)

    async def hit(self, key: str, window_seconds: float, limit: int) -> int:
        return await self._read("hit", lambda s: s.hit(key, window_seconds, limit), 0)

    async def forget(self, user_id: int) -> int:
        # Queued writes first: they must not bring the user back after the delete.
        queued = [p for p in self._pending if p.user_id == user_id]
        for item in queued:
            self._pending.remove(item)
        if not self._pending:
            self._idle.set()
        return len(queued) + await self._admin("forget", lambda s: s.forget(user_id))

    async def purge(self, older_than: timedelta | None = None) -> int:
        return await self._admin("purge", lambda s: s.purge(older_than))

    async def stats(self, since: datetime | None = None) -> Stats:
        return await self._admin("stats", lambda s: s.stats(since))

    async def unanswered(
        self, since: datetime | None = None, limit: int = 500
    ) -> list[UnansweredQuestion]:
        return await self._admin("unanswered", lambda s: s.unanswered(since, limit))

    async def report_rows(self, since: datetime | None = None) -> Report:
        return await self._admin("report_rows", lambda s: s.report_rows(since))

    # -- the write queue -----------------------------------------------------------------------

    async def _queue_write(
        self, label: str, user_id: int, write: Callable[[Store], Awaitable[object]]
    ) -> None:
        """Writes now if nothing waits before it (order matters: 👍 then 👎), else queues."""
        if self._inner is not None and not self._pending:
            try:
                await self._bounded(write(self._inner), self.timeout)
                return
            except Exception as exc:
                self._failed(label.split()[0], exc)
        if len(self._pending) >= self.max_pending:
            self._drop(self._pending.popleft(), "queue full")
        self._pending.append(_Pending(label, user_id, write, time.monotonic() + self.retry_for))
        self._idle.clear()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="store-flush")

    def _drop(self, item: _Pending, reason: str) -> None:
        self.dropped += 1
        log.warning("store: dropped %s (%s)", item.label, reason)

    async def _flush(self) -> None:
        delay, longest = self.retry_delay
        try:
            while self._pending:
                item = self._pending[0]
                left = item.deadline - time.monotonic()
                if left <= 0:
                    self._pending.popleft()
                    self._drop(item, f"database unavailable for {self.retry_for:g}s")
                    continue
                if self._inner is None:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(left):
                            await self._connected.wait()
                    continue
                try:
                    await self._bounded(item.write(self._inner), self.timeout)
                except Exception as exc:
                    self._failed(item.label.split()[0], exc)
                    await asyncio.sleep(min(delay, left))
                    delay = min(delay * 2, longest)
                    continue
                delay = self.retry_delay[0]
                with contextlib.suppress(ValueError):  # forget() or a full queue took it
                    self._pending.remove(item)
        finally:
            self._flusher = None
            if not self._pending:
                self._idle.set()


def _settled(running: set[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
    def done(task: asyncio.Future[Any]) -> None:
        running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the waiter (if still waiting) logged it, or gave up

    return done


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
