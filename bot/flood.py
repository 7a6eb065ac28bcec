"""Per-user flood control: far more questions than a person types get one polite note."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first question over the limit: tell the user once
    DROP = "drop"  # further ones in the same window: the note already said they are skipped


class FloodGate:
    """At most `limit` questions (messages, button presses, inline queries) per user within
    `window` seconds. Single-threaded use (the event loop), so no lock. Memory is bounded by the
    users active within one window: idle users are forgotten in a sweep that runs at most once
    a window, so an allowed message never scans every user."""

    def __init__(self, limit: int = 8, window: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._swept = clock()

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        self._sweep(now)
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.pop(user_id, None)
            return Verdict.ALLOW
        if user_id in self._warned and now - self._warned[user_id] < self.window:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    @property
    def tracked(self) -> int:
        """Users currently remembered (for tests and monitoring)."""
        return len(self._seen.keys() | self._warned.keys())

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.window:
            return
        self._swept = now
        for user in [u for u, s in self._seen.items() if not s or now - s[-1] >= self.window]:
            del self._seen[user]
        for user in [u for u, at in self._warned.items() if now - at >= self.window]:
            del self._warned[user]


class InFlight:
    """Answers in progress per user, so the slow-down note can wait until they have gone out
    instead of overtaking them. Event-loop use only."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def answering(self, user_id: int | None) -> AsyncIterator[None]:
        """Mark an answer to `user_id` as in progress while the block runs."""
        if user_id is None:
            yield
            return
        self._counts[user_id] = self._counts.get(user_id, 0) + 1
        try:
            yield
        finally:
            self._counts[user_id] -= 1
            if not self._counts[user_id]:
                del self._counts[user_id]
            async with self._changed:
                self._changed.notify_all()

    async def settled(self, user_id: int, timeout: float) -> None:
        """Wait until no answer to `user_id` is in progress, at most `timeout` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: user_id not in self._counts), timeout
                )
