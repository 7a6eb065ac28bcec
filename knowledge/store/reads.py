"""The admin reads of SqlStore: stats, unanswered questions, and the report export."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from knowledge.store.base import (
    EntryVotes,
    NegativeFeedback,
    Outcome,
    Report,
    Stats,
    UnansweredQuestion,
    UnansweredRow,
)
from knowledge.store.tables import feedback, questions, reports


def _since(column: ColumnElement[datetime], since: datetime | None) -> ColumnElement[bool]:
    return column >= since if since is not None else column.is_not(None)


def _not_answered() -> ColumnElement[bool]:
    return questions.c.outcome != str(Outcome.ANSWERED)


async def stats(conn: AsyncConnection, since: datetime | None) -> Stats:
    counted = await conn.execute(
        select(questions.c.outcome, func.count())
        .where(_since(questions.c.asked_at, since))
        .group_by(questions.c.outcome)
    )
    by_outcome = {outcome: int(n) for outcome, n in counted}
    n_reports = (
        await conn.execute(
            select(func.count()).select_from(reports).where(_since(reports.c.updated_at, since))
        )
    ).scalar_one()
    up = func.sum(case((feedback.c.vote > 0, 1), else_=0))
    down = func.sum(case((feedback.c.vote < 0, 1), else_=0))
    per_entry = await conn.execute(
        select(feedback.c.entry_id, up, down)
        .where(feedback.c.entry_id.is_not(None), _since(feedback.c.updated_at, since))
        .group_by(feedback.c.entry_id)
    )
    votes = [EntryVotes(entry, int(u), int(d)) for entry, u, d in per_entry]
    votes.sort(key=lambda v: (-v.down, -v.up, v.entry_id))
    answered = by_outcome.get(str(Outcome.ANSWERED), 0)
    low = by_outcome.get(str(Outcome.LOW_CONFIDENCE), 0)
    return Stats(
        asked=sum(by_outcome.values()),
        answered=answered,
        low_confidence=low,
        unanswered=by_outcome.get(str(Outcome.UNANSWERED), 0),
        reports=int(n_reports),
        votes=tuple(votes),
    )


async def unanswered(
    conn: AsyncConnection, since: datetime | None, limit: int
) -> list[UnansweredQuestion]:
    count = func.count().label("n")
    last = func.max(questions.c.asked_at).label("last")
    rows = await conn.execute(
        select(questions.c.text, count, func.min(questions.c.asked_at), last)
        .where(_not_answered(), questions.c.text.is_not(None))
        .where(_since(questions.c.asked_at, since))
        .group_by(questions.c.text)
        .order_by(count.desc(), last.desc(), questions.c.text)
        .limit(limit)
    )
    return [UnansweredQuestion(text, int(n), first, latest) for text, n, first, latest in rows]


async def report(conn: AsyncConnection, since: datetime | None) -> Report:
    asked = await conn.execute(
        select(questions)
        .where(_not_answered(), questions.c.text.is_not(None))
        .where(_since(questions.c.asked_at, since))
        .order_by(questions.c.asked_at, questions.c.id)
    )
    unanswered_rows = tuple(
        UnansweredRow(
            question_id=row.id,
            asked_at=row.asked_at,
            text=row.text,
            mode=row.mode,
            outcome=Outcome(row.outcome),
            candidates=tuple((str(e), float(s)) for e, s in row.candidates or ()),
        )
        for row in asked
    )
    down = await conn.execute(
        select(feedback).where(feedback.c.vote < 0, _since(feedback.c.updated_at, since))
    )
    reported = await conn.execute(select(reports).where(_since(reports.c.updated_at, since)))
    negative = [
        NegativeFeedback(
            "down", r.updated_at, r.answer_id, r.question, r.mode, r.entry_id, r.score, None
        )
        for r in down
    ] + [
        NegativeFeedback(
            "report", r.updated_at, r.answer_id, r.question, r.mode, r.entry_id, r.score, r.message
        )
        for r in reported
    ]
    negative.sort(key=lambda n: (n.at, n.kind, n.answer_id))
    return Report(unanswered_rows, tuple(negative))
