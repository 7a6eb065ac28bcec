"""An in-memory Store for unit tests of code that uses one (same contract as SqlStore)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from knowledge.store.base import (
    AnswerRef,
    Candidate,
    Clock,
    Context,
    EntryVotes,
    FloodWindow,
    NegativeFeedback,
    Outcome,
    Report,
    Stats,
    UnansweredQuestion,
    UnansweredRow,
    Vote,
    new_id,
    utc_now,
)

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class _Question:
    id: str
    user: str
    at: datetime
    mode: str
    outcome: Outcome
    text: str | None
    candidates: tuple[Candidate, ...]


@dataclass
class _About:
    """A vote or a report: one per (user, answer)."""

    user: str
    answer: AnswerRef
    created: datetime
    updated: datetime
    vote: Vote | None = None
    message: str | None = None


@dataclass
class FakeStore:
    clock: Clock = utc_now
    retention: timedelta = timedelta(days=180)
    feedback_window: timedelta = timedelta(days=7)
    salt: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    closed: bool = False
    questions: dict[str, _Question] = field(default_factory=dict)
    votes: dict[tuple[str, str], _About] = field(default_factory=dict)
    reports: dict[tuple[str, str], _About] = field(default_factory=dict)
    contexts: dict[str, tuple[Context, datetime]] = field(default_factory=dict)
    counters: dict[tuple[str, int, int], tuple[int, datetime]] = field(default_factory=dict)

    def user_hash(self, user_id: int) -> str:
        return hmac.new(self.salt, str(user_id).encode(), hashlib.sha256).hexdigest()

    def _key(self, space: str, key: str) -> str:
        return hmac.new(self.salt, f"{space}:{key}".encode(), hashlib.sha256).hexdigest()

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
        qid = question_id or new_id()
        self.questions.setdefault(
            qid,
            _Question(
                qid,
                self.user_hash(user_id),
                self.clock(),
                mode,
                outcome,
                text,
                tuple((e, float(s)) for e, s in candidates),
            ),
        )
        return qid

    async def answer_ref(self, answer_id: str) -> AnswerRef | None:
        q = self.questions.get(answer_id)
        if q is None:
            return None
        entry, score = q.candidates[0] if q.candidates else (None, None)
        return AnswerRef(answer_id, q.text or "", q.mode, entry, score)

    def _upsert(
        self,
        table: dict[tuple[str, str], _About],
        user_id: int,
        answer: AnswerRef,
        at: datetime | None,
        **changed: object,
    ) -> None:
        now = at or self.clock()
        user = self.user_hash(user_id)
        row = table.setdefault((user, answer.answer_id), _About(user, answer, now, now))
        if row.updated <= now:  # never over a row cast later, as the database does
            row.updated = now
            for name, value in changed.items():
                setattr(row, name, value)

    async def record_feedback(
        self, user_id: int, answer: AnswerRef, vote: Vote, *, at: datetime | None = None
    ) -> None:
        self._upsert(self.votes, user_id, answer, at, vote=vote)

    async def record_report(
        self, user_id: int, answer: AnswerRef, message: str, *, at: datetime | None = None
    ) -> None:
        self._upsert(self.reports, user_id, answer, at, message=message)

    async def get_context(self, chat_key: str) -> Context | None:
        found = self.contexts.get(self._key("chat", chat_key))
        if found is None or found[1] <= self.clock():
            return None
        return dict(found[0])

    async def set_context(self, chat_key: str, data: Mapping[str, object], ttl: timedelta) -> None:
        self.contexts[self._key("chat", chat_key)] = (dict(data), self.clock() + ttl)

    async def hit(self, key: str, window_seconds: float, limit: int) -> int:
        window = FloodWindow.at(self.clock(), window_seconds)
        key_hash = self._key("flood", key)
        slot = (key_hash, window.length_ms, window.bucket)
        count, _ = self.counters.get(slot, (0, None))
        count = min(count + 1, limit + 2)
        self.counters[slot] = (count, window.expires_at)
        before, _ = self.counters.get((key_hash, window.length_ms, window.bucket - 1), (0, None))
        return window.sliding_count(count, before, limit + 2)

    async def forget(self, user_id: int) -> int:
        user = self.user_hash(user_id)
        flood_key = self._key("flood", str(user_id))
        return (
            _drop(self.questions, [k for k, q in self.questions.items() if q.user == user])
            + _drop(self.votes, [k for k, v in self.votes.items() if v.user == user])
            + _drop(self.reports, [k for k, r in self.reports.items() if r.user == user])
            + _drop(
                self.contexts, [k for k in self.contexts if k == self._key("chat", str(user_id))]
            )
            + _drop(self.counters, [k for k in self.counters if k[0] == flood_key])
        )

    async def purge(self, older_than: timedelta | None = None) -> int:
        now = self.clock()
        cutoff = now - (self.retention if older_than is None else older_than)
        for q in self.questions.values():
            if q.outcome is Outcome.ANSWERED and q.at < now - self.feedback_window:
                q.text, q.candidates = None, ()
        return (
            _drop(self.questions, [k for k, q in self.questions.items() if q.at < cutoff])
            + _drop(self.votes, [k for k, v in self.votes.items() if v.updated < cutoff])
            + _drop(self.reports, [k for k, r in self.reports.items() if r.updated < cutoff])
            + _drop(self.contexts, [k for k, (_, end) in self.contexts.items() if end <= now])
            + _drop(self.counters, [k for k, (_, end) in self.counters.items() if end <= now])
        )

    async def stats(self, since: datetime | None = None) -> Stats:
        asked = [q for q in self.questions.values() if since is None or q.at >= since]
        tally: dict[str, list[int]] = {}
        for row in self.votes.values():
            if row.answer.entry_id is not None and (since is None or row.updated >= since):
                up_down = tally.setdefault(row.answer.entry_id, [0, 0])
                up_down[0 if row.vote is Vote.UP else 1] += 1
        votes = sorted(
            (EntryVotes(e, up, down) for e, (up, down) in tally.items()),
            key=lambda v: (-v.down, -v.up, v.entry_id),
        )
        return Stats(
            asked=len(asked),
            answered=sum(q.outcome is Outcome.ANSWERED for q in asked),
            low_confidence=sum(q.outcome is Outcome.LOW_CONFIDENCE for q in asked),
            unanswered=sum(q.outcome is Outcome.UNANSWERED for q in asked),
            reports=sum(since is None or r.updated >= since for r in self.reports.values()),
            votes=tuple(votes),
        )

    def _not_answered(self, since: datetime | None) -> list[_Question]:
        return sorted(
            (
                q
                for q in self.questions.values()
                if q.outcome is not Outcome.ANSWERED
                and q.text is not None
                and (since is None or q.at >= since)
            ),
            key=lambda q: (q.at, q.id),
        )

    async def unanswered(
        self, since: datetime | None = None, limit: int = 500
    ) -> list[UnansweredQuestion]:
        groups: dict[str, list[datetime]] = {}
        for q in self._not_answered(since):
            assert q.text is not None
            groups.setdefault(q.text, []).append(q.at)
        rows = [UnansweredQuestion(t, len(at), min(at), max(at)) for t, at in groups.items()]
        rows.sort(key=lambda r: (-r.count, -r.last_asked.timestamp(), r.text))
        return rows[:limit]

    async def report_rows(self, since: datetime | None = None) -> Report:
        unanswered = tuple(
            UnansweredRow(q.id, q.at, q.text or "", q.mode, q.outcome, q.candidates)
            for q in self._not_answered(since)
        )
        negative = [
            _negative("down", row, None)
            for row in self.votes.values()
            if row.vote is Vote.DOWN and (since is None or row.updated >= since)
        ] + [
            _negative("report", row, row.message)
            for row in self.reports.values()
            if since is None or row.updated >= since
        ]
        negative.sort(key=lambda n: (n.at, n.kind, n.answer_id))
        return Report(unanswered, tuple(negative))

    async def close(self) -> None:
        self.closed = True


def _drop(table: dict[K, V], keys: list[K]) -> int:
    for key in keys:
        del table[key]
    return len(keys)


def _negative(kind: str, row: _About, message: str | None) -> NegativeFeedback:
    a = row.answer
    return NegativeFeedback(
        kind, row.updated, a.answer_id, a.question, a.mode, a.entry_id, a.score, message
    )
