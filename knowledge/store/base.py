"""The store's interface: the `Store` protocol and the small value types it takes and returns."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Protocol, runtime_checkable

# A chat context is a small JSON-able dict (last program id, last topic id, ...).
Context = dict[str, object]
# A retrieval candidate: (entry id, score).
Candidate = tuple[str, float]
# Injected where time matters (expiry, retention, flood windows) so tests need no sleeping.
Clock = Callable[[], datetime]


class StoreUnavailable(RuntimeError):
    """The database could not be reached in time (raised only where there is no safe default)."""


class Outcome(StrEnum):
    ANSWERED = "answered"
    LOW_CONFIDENCE = "low_confidence"  # answered or offered choices, but on weak evidence
    UNANSWERED = "unanswered"


class Vote(IntEnum):
    UP = 1  # 👍
    DOWN = -1  # 👎


def new_id() -> str:
    """A question (= answer) id: 64 random bits, short enough for Telegram's 64-byte callback data,
    and made before any write so that an answer can carry it while the database is down."""
    return secrets.token_hex(8)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FloodWindow:
    """Where a moment falls among fixed flood windows of one length, in milliseconds."""

    length_ms: int
    bucket: int  # which window: milliseconds since the epoch // length
    into: float  # how far into it, 0 to 1

    @classmethod
    def at(cls, now: datetime, seconds: float) -> FloodWindow:
        length = max(1, round(seconds * 1000))
        ms = int(now.timestamp() * 1000)
        return cls(length, ms // length, (ms % length) / length)

    @property
    def expires_at(self) -> datetime:
        # Kept through the next window too, which weighs it (see sliding_count).
        return datetime.fromtimestamp((self.bucket + 2) * self.length_ms / 1000, UTC)

    def sliding_count(self, current: int, previous: int, ceiling: int) -> int:
        """Hits within the last window's length, estimated from two fixed windows: this one's
        count plus the previous one's weighted by the share of it still inside, rounded up
        (uniform hits assumed). A burst straddling two windows is counted whole, where this
        window's count alone would start over at its edge and let twice the limit through."""
        return min(ceiling, current + math.ceil(previous * (1 - self.into)))


@dataclass(frozen=True)
class AnswerRef:
    """What a 👍/👎 or a report is about: the answer shown, as the bot knew it when answering."""

    answer_id: str  # the id record_question returned
    question: str = ""
    mode: str = ""
    entry_id: str | None = None  # the top entry shown, if any
    score: float | None = None  # its match score


@dataclass(frozen=True)
class EntryVotes:
    entry_id: str
    up: int
    down: int


@dataclass(frozen=True)
class Stats:
    asked: int
    answered: int
    low_confidence: int
    unanswered: int
    reports: int
    votes: tuple[EntryVotes, ...]  # most 👎 first

    @property
    def share_answered(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class UnansweredQuestion:
    """One distinct question text that went unanswered (or weakly answered), with its count."""

    text: str
    count: int
    first_asked: datetime
    last_asked: datetime


@dataclass(frozen=True)
class UnansweredRow:
    question_id: str
    asked_at: datetime
    text: str
    mode: str
    outcome: Outcome
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class NegativeFeedback:
    """A 👎 (kind "down") or a mistake report (kind "report", with the user's message)."""

    kind: str
    at: datetime
    answer_id: str
    question: str
    mode: str
    entry_id: str | None
    score: float | None
    message: str | None


@dataclass(frozen=True)
class Report:
    unanswered: tuple[UnansweredRow, ...]
    negative: tuple[NegativeFeedback, ...]

    def to_plain(self) -> dict[str, list[dict[str, object]]]:
        """Lists of dicts of str/float/int/None, times as ISO 8601: ready for yaml.safe_dump."""
        return {
            "unanswered": [_plain(asdict(row)) for row in self.unanswered],
            "negative": [_plain(asdict(row)) for row in self.negative],
        }


def _plain(row: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, StrEnum):
            value = str(value)
        elif key == "candidates" and isinstance(value, tuple):
            value = [[entry, score] for entry, score in value]
        out[key] = value
    return out


@runtime_checkable
class Store(Protocol):
    """Everything the bot persists. Users are identified by their Telegram id on the way in and
    stored only as `user_hash(id)`. Times are timezone-aware UTC."""

    def user_hash(self, user_id: int) -> str:
        """HMAC-SHA256 of the id with the installation's salt (hex); raises StoreUnavailable
        before the store has reached its database once."""
        ...

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
        """Counts the question and keeps its text and candidates: a plainly answered one's only
        for the feedback window (purge drops them after), so that a 👎 or a report on it can say
        what was asked. Returns its id (also the answer id for feedback buttons). Idempotent."""
        ...

    async def answer_ref(self, answer_id: str) -> AnswerRef | None:
        """The answer as recorded (question, mode, top entry and score), for a 👎 or report
        pressed under it; None when unknown (never recorded, forgotten or purged)."""
        ...

    async def record_feedback(
        self, user_id: int, answer: AnswerRef, vote: Vote, *, at: datetime | None = None
    ) -> None:
        """One vote per (user, answer): a later press replaces an earlier one, never adds a
        row. `at` is when it was cast (default: now); a write landing late (a retry, a call
        that outlived its timeout, a press delivered to two workers) never replaces a vote
        cast after it."""
        ...

    async def record_report(
        self, user_id: int, answer: AnswerRef, message: str, *, at: datetime | None = None
    ) -> None:
        """One report per (user, answer): a later one replaces the message, as for votes."""
        ...

    async def get_context(self, chat_key: str) -> Context | None:
        """The chat's context, or None when there is none or it expired."""
        ...

    async def set_context(
        self, chat_key: str, data: Mapping[str, object], ttl: timedelta
    ) -> None: ...

    async def hit(self, key: str, window_seconds: float, limit: int) -> int:
        """Counts one hit for `key` and returns the hits within the last `window_seconds`,
        atomically across processes: a sliding count over two fixed windows
        (`FloodWindow.sliding_count`). Over the limit when > limit. Each window's count stops
        growing at limit + 2 (exact up to the first hit over, "more" after that), so a flood
        rewrites no row; so does the count returned."""
        ...

    async def forget(self, user_id: int) -> int:
        """Deletes everything stored about the user (questions, votes, reports, and the context
        and flood rows keyed by str(user_id), i.e. the private chat). Returns rows deleted."""
        ...

    async def purge(self, older_than: timedelta | None = None) -> int:
        """Deletes rows older than `older_than` (default: the retention setting) and expired
        context and flood rows, and clears the text of answered questions past the feedback
        window. Returns rows deleted."""
        ...

    async def stats(self, since: datetime | None = None) -> Stats: ...

    async def unanswered(
        self, since: datetime | None = None, limit: int = 500
    ) -> list[UnansweredQuestion]:
        """Distinct unanswered and low-confidence question texts, most frequent first."""
        ...

    async def report_rows(self, since: datetime | None = None) -> Report:
        """Unanswered questions and negative feedback (👎 and reports), oldest first."""
        ...

    async def close(self) -> None: ...
