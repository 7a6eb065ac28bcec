"""Per-user flood control: far more questions than a person types get one polite note."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first question over the limit: tell the user once
    DROP = "drop"  # further ones in the same window: no reply, no engine work


class FloodGate:
    """At most `limit` questions per user within `window` seconds. Single-threaded use (the
    event loop), so no lock; memory is bounded by the users active within one window."""

    def __init__(self, limit: int = 8, window: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.pop(user_id, None)
            self._forget_idle(now)
            return Verdict.ALLOW
        if user_id in self._warned and now - self._warned[user_id] < self.window:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        if len(self._seen) > 10_000:
            for user in [u for u, s in self._seen.items() if not s or now - s[-1] >= self.window]:
                del self._seen[user]
