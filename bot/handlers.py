"""Telegram handlers: each turns an update into engine calls and replies, nothing more."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from telegram import (
    CallbackQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot import feedback, state, views
from bot.batching import AnswerBatcher
from bot.flood import InFlight, Verdict
from bot.keys import BATCHER, ENGINE, EXECUTOR, INFLIGHT, RELOAD_LOCK, SETTINGS
from bot.sending import NOT_ALLOWED, send, send_reply, show_in_place
from bot.settings import BotSettings
from knowledge.answer.build import rebuild_engine
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer, Context
from knowledge.loader import KnowledgeError
from knowledge.present.cards import card, month
from knowledge.present.replies import EXAMPLES, Presenter, examples_rows
from knowledge.schema import Program
from knowledge.store import Outcome, new_id, utc_now

logger = logging.getLogger(__name__)

MAX_INLINE_RESULTS = 10

START = (
    "<b>Hello! I help international medical graduates find US externships.</b>\n\n"
    "Ask me about a program (“Johns Hopkins”), a place (“externships in Florida”) or a topic "
    "(“do I need Step 1?”). I answer with program cards and FAQ answers, each with its sources.\n\n"
    "<i>Sources: Residency Advisor's “Top 10 Externship Programs for IMGs” and public pages of the "
    "AMA, AAMC and hospitals · Not official advice: confirm with each program.</i>"
)
HELP = (
    "<b>What I can do</b>\n\n"
    "Just type a question, or use:\n"
    "/programs [filter] — all programs, or those matching a place or focus (/programs florida)\n"
    "/program NAME — one program's card (/program jhu)\n"
    "/faq — frequently asked questions by topic\n"
    "/about — where my knowledge comes from\n\n"
    "In any chat, type @{username} and a few words to share a card.\n\n"
    "<b>Examples</b>\n" + "\n".join(f"• {q}" for q in EXAMPLES)
)
NON_TEXT = "I can only read text messages. Please type your question in words."
STALE = "That button is no longer valid. Send your question again, or use /programs."
SLOW_DOWN = (
    "You're sending questions faster than I can read them, so I answered the first ones and "
    "will skip what you send in the next few seconds. Please wait a moment, then ask again."
)
SLOW_DOWN_BUTTON = "Too many at once: please wait a few seconds."
FAILED = "Sorry, something went wrong on my side. Please try again in a moment."
COMMANDS = [
    ("start", "What this bot does"),
    ("programs", "Browse programs (optionally: /programs florida)"),
    ("program", "One program's card: /program NAME"),
    ("faq", "Frequently asked questions"),
    ("about", "Sources, last review, and reporting a mistake"),
    ("report", "Report a mistake: /report what is wrong"),
    ("forget", "Delete everything stored about you"),
    ("help", "Commands and examples"),
]


def engine_of(context: ContextTypes.DEFAULT_TYPE) -> AnswerEngine:
    engine: AnswerEngine = context.bot_data[ENGINE]
    return engine


def present(engine: AnswerEngine) -> Presenter:
    """Replies in Telegram HTML over the engine's own knowledge (a reload swaps both at once)."""
    return Presenter(engine.kb, views.HTML)


# -- commands ----------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot does, with example questions as buttons."""
    if update.effective_message:
        await send(update.effective_message, START, views.keyboard(examples_rows()))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands and examples."""
    if update.effective_message:
        text = HELP.format(username=html.escape(context.bot.username or "this_bot"))
        await send(update.effective_message, text, views.keyboard(examples_rows()))


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Where the knowledge comes from, when it was reviewed, and how to report a mistake."""
    meta = engine_of(context).kb.meta
    rests_on = "\n".join(f"• {html.escape(s)}" for s in meta.about_sources)
    text = (
        f"<b>{html.escape(meta.title)}</b>\n\n"
        f"What it rests on (every card names its own sources, with links):\n{rests_on}\n\n"
        f"Pages read: {month(meta.sources_read)} · last reviewed: {meta.reviewed:%d %B %Y}\n\n"
        f"<i>{html.escape(meta.disclaimer)}</i>\n\n{html.escape(meta.report)}\n"
        "To report one here: ✏️ Report under the answer, or /report what is wrong.\n\n"
        "Privacy: you are stored only as a salted hash, never by name; questions and votes are "
        "deleted after a retention period, and /forget deletes them now."
    )
    if update.effective_message:
        await send(update.effective_message, text)


async def programs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """All programs as buttons, or those matching a word (a state, city or focus)."""
    query = " ".join(context.args or []).strip()[:40]
    engine = engine_of(context)
    found = engine.browse.programs_matching(query)
    message = update.effective_message
    if message is None:
        return
    if not found:
        text = f"No program matches “{html.escape(query)}”. Here are all of them:"
        found, query = list(engine.kb.programs), ""
        await send(message, text)
    text, keyboard = views.programs_page(found, 0, query)
    await send(message, text, keyboard)


async def program(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One program's card by name, tolerant of typos; choices when ambiguous."""
    message = update.effective_message
    name = " ".join(context.args or []).strip()
    if message is None:
        return
    if not name:
        await send(message, "Which program? For example: /program johns hopkins", None)
        return
    engine = engine_of(context)
    strong, loose = engine.browse.find_program(name)
    if len(strong) == 1:
        reply, outcome = present(engine).entry(strong[0]), Outcome.ANSWERED
    elif strong:
        reply = views.offer("Several programs match. Which one?", strong)
        outcome = Outcome.LOW_CONFIDENCE
    elif loose:
        head = "I'm not sure which program you mean. Is it one of these?"
        reply, outcome = views.offer(head, loose), Outcome.LOW_CONFIDENCE
    else:
        head = f"No program matches “{name[:100]}”. You can browse them all:"
        reply, outcome = views.offer(head, []), Outcome.UNANSWERED
    sure = [(p.id, feedback.SURE_NAME) for p in strong]
    guesses = sure or [(p.id, feedback.GUESSED_NAME) for p in loose]
    asked = f"/program {name}"
    candidates = guesses[: feedback.CANDIDATES]
    logged = feedback.record(context, update.effective_user, asked, LOOKUP, outcome, candidates)
    await feedback.send_rated(message, reply.text, views.keyboard(reply.rows), logged)


async def faq(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """FAQ topics as buttons."""
    if update.effective_message:
        await send_reply(update.effective_message, present(engine_of(context)).topics())


# -- messages ----------------------------------------------------------------------------------


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a free-text question (an edited question is answered again)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text
    if message.chat.type != ChatType.PRIVATE:
        addressed = addressed_text(message, context.bot.username, context.bot.id)
        if addressed is None:
            return
        text = addressed
    if await flooded(update, context):
        return
    user = update.effective_user
    if await feedback.take_report(message, text, user, context):
        return
    inflight: InFlight = context.bot_data[INFLIGHT]
    async with inflight.answering(user.id if user else None):
        await reply_to_question(message, text, user, context)


async def flooded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True when the user is over the limit. The first time, they are told so, after the
    answers to their allowed messages have gone out, so the note never overtakes them."""
    user = update.effective_user
    verdict = await over_limit(update, context)
    if verdict is Verdict.WARN and user and update.effective_message:
        inflight: InFlight = context.bot_data[INFLIGHT]
        await inflight.settled(user.id, ANSWER_WAIT)
        await send(update.effective_message, SLOW_DOWN)
    return verdict is not Verdict.ALLOW


async def over_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Verdict:
    """Count a message, button press or inline query against its user's limit."""
    user = update.effective_user
    return await state.over_limit(context, user.id) if user else Verdict.ALLOW


LOOKUP = "program_lookup"  # the mode /program NAME is logged under
ANSWER_WAIT = 30.0  # a note never waits longer than this for slow answers


async def ask(context: ContextTypes.DEFAULT_TYPE, text: str) -> Answer:
    """The engine's answer, batched with other questions arriving at the same time."""
    batcher: AnswerBatcher = context.bot_data[BATCHER]
    return await batcher.answer(text)


async def reply_to_question(
    message: Message, text: str, user: User | None, context: ContextTypes.DEFAULT_TYPE
) -> None:
    """Answer in the chat's context, remember the new context, log the question and put the
    feedback row under the answer."""
    batcher: AnswerBatcher = context.bot_data[BATCHER]
    before = await state.load(context, message.chat.id)
    # Presented with the engine that answered, so a reload in between cannot mix versions.
    answer, engine = await batcher.answer_with_engine(text, before.context)
    after = dataclasses.replace(before, context=answer.context(before.context))
    await state.save(context, message.chat.id, after)
    reply = present(engine).reply(answer)
    logged = feedback.record_answer(context, user, answer)
    await feedback.send_rated(message, reply.text, views.keyboard(reply.rows), logged)


def addressed_text(message: Message, username: str | None, bot_id: int) -> str | None:
    """In groups: the question when the message mentions or replies to the bot, else None."""
    text = message.text or ""
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text
    mention = f"@{username}".lower() if username else None
    for entity, value in message.parse_entities([MessageEntityType.MENTION]).items():
        if mention and value.lower() == mention:
            return (text[: entity.offset] + text[entity.offset + entity.length :]).strip()
    return None


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and the like: say politely that only text is read."""
    if update.effective_message:
        await send(update.effective_message, NON_TEXT)


# -- buttons and inline mode -------------------------------------------------------------------


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button press is acknowledged first, exactly once (stale or unknown ones with a
    friendly note), then carried out. Acknowledging after the work would let a slow reply (a
    429 can hold it for a minute) outlive the callback; a failure after the acknowledgement
    goes to on_error, which tells the chat, never to a second answer."""
    query = update.callback_query
    if query is None:
        return
    pressed = utc_now()  # a vote is ordered by when it came, not by when its write lands
    if await over_limit(update, context) is not Verdict.ALLOW:
        await _acknowledge(query, SLOW_DOWN_BUTTON)  # answered, but no work
        return
    data = views.parse_callback(query.data)
    message = query.message if isinstance(query.message, Message) else None
    try:
        live = (
            data is not None
            and message is not None
            and _refers_to_something(data, engine_of(context))
        )
    except Exception:
        await _acknowledge(query, FAILED)
        raise  # on_error logs it and tells the chat
    await _acknowledge(query, feedback.acknowledgement(data) if live and data else STALE)
    if not live or data is None or message is None:
        return
    if not await _press(message, data, query.from_user, context, pressed):
        # a reload between the check and the work, or a case _refers_to_something lacks
        logger.warning("a button press acknowledged as live did nothing: %s", type(data).__name__)


async def _acknowledge(query: CallbackQuery, text: str | None) -> None:
    """Answer a button press. A failure is logged and the press still carried out: the user
    asked for its reply, and the acknowledgement cannot be given twice anyway."""
    try:
        await query.answer(text)
    except TelegramError as exc:
        logger.warning("could not acknowledge a button press: %s", exc)


def _refers_to_something(data: views.Callback, engine: AnswerEngine) -> bool:
    """Whether `_press` can carry this press out, decided before it is acknowledged: the guards
    of `_press`'s cases, without their work. Kinds not named here are taken to be live (a
    press `_press` then refuses is acknowledged without a note and logged)."""
    kb = engine.kb
    match data:
        case views.OpenEntry(entry_id):
            return kb.get(entry_id) is not None
        case views.Similar(program_id) | views.Details(program_id) | views.Related(program_id):
            return kb.program(program_id) is not None
        case views.Example(number):
            return number < len(EXAMPLES)
    return True


def _carries(message: Message, data: views.Callback) -> bool:
    """Whether the pressed message itself has this button: only then may a press rewrite it in
    place. Clients choose the callback data they send, so a forged page turn or details press
    against another message (someone's answer in a group) gets a new message instead."""
    wanted = views.encode(data)
    markup = message.reply_markup
    return markup is not None and any(
        b.callback_data == wanted for row in markup.inline_keyboard for b in row
    )


async def _press(
    message: Message,
    data: views.Callback,
    user: User,
    context: ContextTypes.DEFAULT_TYPE,
    pressed: datetime,
) -> bool:
    """Carry out a pressed button; False when it refers to nothing (any more)."""
    engine = engine_of(context)
    kb = engine.kb
    match data:
        case views.OpenEntry(entry_id) if (entry := kb.get(entry_id)) is not None:
            # "How long is it?" now means this program; a report, this entry.
            now = await state.load(context, message.chat.id)
            last = now.context
            shown = (
                Context(entry.id, last.topic, last.programs)
                if isinstance(entry, Program)
                else Context(last.program, entry.id, last.programs)
            )
            await state.save(context, message.chat.id, dataclasses.replace(now, context=shown))
            reply = present(engine).entry(entry)
            keyboard = views.with_feedback(views.keyboard(reply.rows), new_id(), entry.id)
            await send(message, reply.text, keyboard)
        case views.Similar(program_id) if (program := kb.program(program_id)) is not None:
            head = f"Programs similar to {program.name}:"
            await send_reply(message, views.offer(head, engine.browse.similar_programs(program)))
        case views.Details(program_id) if (program := kb.program(program_id)) is not None:
            show = show_in_place if _carries(message, data) else send_reply
            await show(message, present(engine).details(program))
        case views.Related(program_id) if (program := kb.program(program_id)) is not None:
            head = f"Questions to ask about {program.name}:"
            await send_reply(message, views.offer(head, engine.browse.questions_to_ask()))
        case views.Page(number, query, in_place):
            found = engine.browse.programs_matching(query)
            text, keyboard = views.programs_page(found, number, query)
            if in_place and _carries(message, data):
                await message.edit_text(text, reply_markup=keyboard)
            else:
                await send(message, text, keyboard)
        case views.Topics(category):
            await send_reply(message, present(engine).topics(category))
        case views.Example(number) if number < len(EXAMPLES):
            await reply_to_question(message, EXAMPLES[number], user, context)
        case views.Rate() | views.RateEntry():
            await feedback.rate(context, user, data, pressed)
        case views.ReportMistake():
            await feedback.ask_for_report(message, context, data)
        case _:
            return False
    return True


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot words: up to ten program or FAQ cards to share in any chat."""
    query = update.inline_query
    if query is None:
        return
    engine = engine_of(context)
    text = query.query.strip()
    if await over_limit(update, context) is not Verdict.ALLOW:
        await query.answer([], cache_time=0)  # Telegram shows "no results"; no engine work
        return
    if text:
        answer = await ask(context, text)
        entries = [r.entry for r in answer.results]
    else:
        entries = list(engine.kb.programs)
    results = [
        InlineQueryResultArticle(
            id=f"{'p' if isinstance(e, Program) else 'f'}:{e.id}",
            title=e.title,
            description=e.location if isinstance(e, Program) else e.answer[:100],
            input_message_content=InputTextMessageContent(
                views.split_message(card(e, views.HTML))[0]
            ),
        )
        for e in entries[:MAX_INLINE_RESULTS]
    ]
    await query.answer(results, cache_time=300)


# -- errors ------------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log where it happened (update id, kind, chat) and what failed, never what the user wrote
    or who they are; tell the user something went wrong, never how."""
    error = context.error
    what = f"{type(error).__name__}: {error}"[:200] if error else "unknown error"
    if not isinstance(update, Update):  # polling errors and tasks come without an update
        logger.error("error outside any update: %s", what, exc_info=error)
        return
    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "unknown")
    chat = update.effective_chat.id if update.effective_chat else None
    logger.error(
        "error while handling update %d (%s, chat %s): %s",
        update.update_id,
        kind,
        chat,
        what,
        exc_info=error,
    )
    try:
        # A button press has already been answered by `button`; the chat still hears of it.
        if update.effective_message:
            await update.effective_message.reply_text(FAILED)
    except Exception:  # the report itself failed; it is logged, there is no one else to tell
        logger.exception("could not tell the user about the error")


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have."""
    if update.effective_message:
        await send(update.effective_message, "I don't know that command. Try /help.")


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: reload the knowledge base; on failure the previous one keeps serving. Why
    it failed (one line, file names without their folders) is told only in a private chat: in
    a group, everyone would read it."""
    settings: BotSettings = context.bot_data[SETTINGS]
    user, message = update.effective_user, update.effective_message
    if message is None:
        return
    if user is None or user.id not in settings.admin_ids:
        await send(message, NOT_ALLOWED)
        return
    outcome = await reload_knowledge(context.application)
    text = outcome.summary
    if outcome.reason and message.chat.type == ChatType.PRIVATE:
        text += f"\n{outcome.reason}"
    await send(message, html.escape(text))


RELOAD_FAILED = "Reload failed; the previous knowledge is still serving (details in the log)"


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    summary: str  # fit for any chat: counts, or RELOAD_FAILED
    reason: str = ""  # a failure's one-line reason, for an admin's private chat only


async def reload_knowledge(app: Application) -> ReloadOutcome:  # type: ignore[type-arg]
    """Swap in a freshly loaded engine; the outcome, also logged, for whoever asked. Reloads run
    one at a time (SIGHUP and /reload can come together): each waits for the one before it and
    then reads the files as they are, so the newest knowledge is the one left serving."""
    lock: asyncio.Lock = app.bot_data.setdefault(RELOAD_LOCK, asyncio.Lock())
    async with lock:
        return await _reload(app)


async def _reload(app: Application) -> ReloadOutcome:  # type: ignore[type-arg]
    old: AnswerEngine = app.bot_data[ENGINE]
    settings: BotSettings = app.bot_data[SETTINGS]
    executor: Executor = app.bot_data[EXECUTOR]
    try:
        new = await asyncio.get_running_loop().run_in_executor(
            executor, rebuild_engine, old, settings.engine
        )
    except KnowledgeError as exc:
        logger.error("reload failed, still serving the previous knowledge: %s", exc)
        reason = str(exc).replace(exc.file, Path(exc.file).name)
        return ReloadOutcome(False, RELOAD_FAILED, reason.splitlines()[0][:300])
    except Exception as exc:  # a model or cache failure: the reason stays in the log
        logger.exception("reload failed, still serving the previous knowledge")
        return ReloadOutcome(False, RELOAD_FAILED, type(exc).__name__)
    app.bot_data[ENGINE] = new
    stats = new.stats
    summary = (
        f"Reloaded: {len(new.kb.programs)} programs, {len(new.kb.faqs)} FAQ entries "
        f"(encoded {stats.encoded} texts, reused {stats.reused})."
    )
    logger.info(summary)
    return ReloadOutcome(True, summary)
