"""Learning from users: each question logged, 👍/👎 under each answer, mistake reports, /stats."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import datetime

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import ContextTypes

from bot import keys, state, views
from bot.sending import NOT_ALLOWED, send
from bot.settings import BotSettings
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.grouping import group_questions
from knowledge.answer.model import ANSWERED, Answer, Mode
from knowledge.store import AnswerRef, Candidate, Outcome, StoreUnavailable, Vote, new_id

logger = logging.getLogger(__name__)

NOT_QUESTIONS = frozenset({Mode.SMALL_TALK, Mode.EMPTY})  # "thanks!" is neither asked nor rated
CANDIDATES = 3  # kept with an unanswered question: what the maintainer might have meant to show
THANKS = {
    Vote.UP: "Thanks! Glad it helped.",
    Vote.DOWN: "Thanks for telling me. Tap ✏️ Report to say what is wrong.",
}
REPORT_ASK = "What is wrong with that answer?"
REPORT_PROMPT = (
    f"<b>{REPORT_ASK}</b> Reply to this message in one message: what is wrong, and what is "
    "right if you know (a link to the program's own page helps most)."
)
REPORT_HOW = (
    "Tell me what is wrong in one message, for example: /report the Hopkins fee is out of date, "
    "the fees page now says $600. Or tap ✏️ Report under an answer."
)
REPORT_THANKS = "Thank you: your report is stored for the maintainers, who check every one."
MAX_REPORT = 1000
STATS_ROWS = 10


def outcome_of(answer: Answer) -> Outcome:
    if answer.mode in ANSWERED:
        return Outcome.ANSWERED
    return Outcome.LOW_CONFIDENCE if answer.mode is Mode.CHOICES else Outcome.UNANSWERED


def record_answer(
    context: ContextTypes.DEFAULT_TYPE, user: User | None, answer: Answer
) -> tuple[str, asyncio.Task[str]] | None:
    """Start logging an answered question (None for small talk: neither asked nor rated)."""
    if answer.mode in NOT_QUESTIONS:
        return None
    candidates = [(r.id, r.score) for r in answer.results[:CANDIDATES]]
    return record(context, user, answer.question, str(answer.mode), outcome_of(answer), candidates)


# A /program lookup has no similarity score, only the name matcher's verdict: a sure match is
# recorded at 1.0 and a guess at 0.5, either side of `imgbot report`'s new-entry bar, so that a
# guessed name lands under the program as an alias to consider, and no match as a new entry.
SURE_NAME, GUESSED_NAME = 1.0, 0.5


def record(
    context: ContextTypes.DEFAULT_TYPE,
    user: User | None,
    question: str,
    mode: str,
    outcome: Outcome,
    candidates: Sequence[Candidate] = (),
) -> tuple[str, asyncio.Task[str]] | None:
    """Start logging a question; its id (the answer id for the feedback buttons) and the write,
    for the caller to await after sending (a slow database never delays the answer). None
    before the store exists."""
    store = state.store_of(context)
    if store is None or user is None:
        return None
    answer_id = new_id()
    write = store.record_question(
        user.id, question, mode, outcome, candidates, question_id=answer_id
    )
    return answer_id, asyncio.ensure_future(write)


async def send_rated(
    message: Message,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    logged: tuple[str, asyncio.Task[str]] | None,
) -> None:
    """Send an answer with the feedback row under it, then let its log write finish."""
    if logged is None:
        await send(message, text, keyboard)
        return
    answer_id, write = logged
    await send(message, text, views.with_feedback(keyboard, answer_id))
    await write  # a store that is down queues or drops it (SafeStore), never raises


def acknowledgement(data: views.Callback) -> str | None:
    """The note a press is acknowledged with (most presses: none, the reply says it all)."""
    if isinstance(data, views.Rate | views.RateEntry):
        return THANKS[Vote.UP if data.up else Vote.DOWN]
    return None


OPENED = "opened"  # the mode of an entry opened from a button (never logged as a question)


async def rate(
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    data: views.Rate | views.RateEntry,
    pressed: datetime,
) -> None:
    """Store a 👍 or 👎: about the answer as it was recorded, or about the opened entry the
    press names. A later press replaces an earlier one, whichever worker's write lands last."""
    store = state.store_of(context)
    if store is None:
        return
    if isinstance(data, views.RateEntry):
        answer = AnswerRef(data.answer_id, mode=OPENED, entry_id=data.entry_id)
    else:
        answer = await store.answer_ref(data.answer_id) or AnswerRef(data.answer_id)
    await store.record_feedback(user.id, answer, Vote.UP if data.up else Vote.DOWN, at=pressed)


async def ask_for_report(
    message: Message, context: ContextTypes.DEFAULT_TYPE, data: views.ReportMistake
) -> None:
    """Ask, in one message, what is wrong; the reply to it becomes the report."""
    chat = message.chat.id
    now = await state.load(context, chat)
    await state.save(context, chat, dataclasses.replace(now, reporting=data.answer_id))
    placeholder = "What is wrong?"
    await message.reply_text(
        REPORT_PROMPT, reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder)
    )


def is_report_reply(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(
        replied
        and replied.from_user
        and replied.from_user.id == bot_id
        and (replied.text or "").startswith(REPORT_ASK)
    )


async def take_report(
    message: Message, text: str, user: User | None, context: ContextTypes.DEFAULT_TYPE
) -> bool:
    """Store a reply to the "what is wrong?" prompt as a report; False for any other message."""
    if user is None or not is_report_reply(message, context.bot.id):
        return False
    await store_report(message, user, text, context)
    return True


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report TEXT: store a reported mistake about what the chat was last discussing."""
    message, user = update.effective_message, update.effective_user
    text = " ".join(context.args or []).strip()
    if message is None:
        return
    if not text or user is None:
        await send(message, html.escape(REPORT_HOW))
        return
    await store_report(message, user, text, context)


async def store_report(
    message: Message, user: User, text: str, context: ContextTypes.DEFAULT_TYPE
) -> None:
    chat = message.chat.id
    now = await state.load(context, chat)
    store = state.store_of(context)
    if store is not None:  # a store that is down queues or drops the write, never the reply
        found = await store.answer_ref(now.reporting) if now.reporting else None
        about = now.context.program or now.context.topic
        answer = found or AnswerRef(now.reporting or new_id(), mode="report", entry_id=about)
        await store.record_report(user.id, answer, text.strip()[:MAX_REPORT])
    if now.reporting:
        await state.save(context, chat, dataclasses.replace(now, reporting=None))
    await send(message, html.escape(REPORT_THANKS), views.keyboard(views.offer("", []).rows))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: questions, the share answered, votes per entry, top unanswered by meaning."""
    settings: BotSettings = context.bot_data[keys.SETTINGS]
    user, message = update.effective_user, update.effective_message
    store = state.store_of(context)
    if message is None:
        return
    if user is None or user.id not in settings.admin_ids or store is None:
        await send(message, NOT_ALLOWED)
        return
    try:
        counts = await store.stats()
        unanswered = await store.unanswered(limit=200)
    except StoreUnavailable:
        await send(message, "The database is not reachable just now; try again in a minute.")
        return
    engine: AnswerEngine = context.bot_data[keys.ENGINE]
    executor: Executor = context.bot_data[keys.EXECUTOR]
    asked = [(u.text, u.count) for u in unanswered]
    groups = await asyncio.get_running_loop().run_in_executor(
        executor, group_questions, engine.encoder, asked
    )
    lines = [
        "<b>Usage</b> (all kept rows)",
        f"Questions: {counts.asked} · answered {counts.share_answered:.0%} · "
        f"choices offered {counts.low_confidence} · not answered {counts.unanswered}",
        f"Reports: {counts.reports}",
        "",
        "<b>👍 / 👎 per entry</b> (most 👎 first)",
    ]
    for votes in counts.votes[:STATS_ROWS]:
        entry = engine.kb.get(votes.entry_id)
        title = entry.title if entry else f"{votes.entry_id} (no longer in the knowledge)"
        lines.append(f"• {html.escape(title)}: 👍 {votes.up} · 👎 {votes.down}")
    if not counts.votes:
        lines.append("None yet.")
    lines += ["", "<b>Top unanswered</b> (grouped by meaning)"]
    for group in groups[:STATS_ROWS]:
        more = f", {group.wordings} wordings" if group.wordings > 1 else ""
        lines.append(f"• “{html.escape(group.text[:120])}” ×{group.count}{more}")
    if not groups:
        lines.append("None.")
    lines += ["", "All of it as YAML: <code>imgbot report</code> on the server."]
    await send(message, "\n".join(lines))
