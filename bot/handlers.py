"""Telegram handlers: each turns an update into engine calls and replies, nothing more."""

from __future__ import annotations

import asyncio
import html
import logging
from concurrent.futures import Executor

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import Application, ContextTypes

from bot import views
from bot.batching import AnswerBatcher
from bot.flood import FloodGate, Verdict
from bot.settings import BotSettings
from knowledge.answer.build import rebuild_engine
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer
from knowledge.loader import KnowledgeError
from knowledge.present.cards import card, month
from knowledge.present.replies import EXAMPLES, Presenter, Reply, examples_rows
from knowledge.schema import Program

logger = logging.getLogger(__name__)

ENGINE, EXECUTOR, SETTINGS, FLOOD, BATCHER = "engine", "executor", "settings", "flood", "batcher"
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
    "You're sending questions faster than I can read them. Please wait a few seconds, "
    "then ask again."
)
NOT_ALLOWED = "Sorry, that command is not available."
FAILED = "Sorry, something went wrong on my side. Please try again in a moment."
COMMANDS = [
    ("start", "What this bot does"),
    ("programs", "Browse programs (optionally: /programs florida)"),
    ("program", "One program's card: /program NAME"),
    ("faq", "Frequently asked questions"),
    ("about", "Sources, last review, and reporting a mistake"),
    ("help", "Commands and examples"),
]


def engine_of(context: ContextTypes.DEFAULT_TYPE) -> AnswerEngine:
    engine: AnswerEngine = context.bot_data[ENGINE]
    return engine


def present(engine: AnswerEngine) -> Presenter:
    """Replies in Telegram HTML over the engine's own knowledge (a reload swaps both at once)."""
    return Presenter(engine.kb, views.HTML)


async def send_reply(message: Message, reply: Reply) -> None:
    """Send a presented reply: its text, with its actions as buttons."""
    await send(message, reply.text, views.keyboard(reply.rows))


async def show_in_place(message: Message, reply: Reply) -> None:
    """Replace the pressed message with `reply` when it fits one message; else send it anew."""
    parts = views.split_message(reply.text)
    if len(parts) == 1:
        await message.edit_text(parts[0], reply_markup=views.keyboard(reply.rows))
    else:
        await send_reply(message, reply)


async def send(message: Message, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Reply with `text` split to Telegram's limit; the keyboard goes on the last part."""
    parts = views.split_message(text)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_text(
            part,
            reply_markup=keyboard if last else None,
            do_quote=message.chat.type != ChatType.PRIVATE,
        )


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
        f"<i>{html.escape(meta.disclaimer)}</i>\n\n{html.escape(meta.report)}"
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
        await send_reply(message, present(engine).entry(strong[0]))
    elif strong:
        await send_reply(message, views.offer("Several programs match. Which one?", strong))
    elif loose:
        head = "I'm not sure which program you mean. Is it one of these?"
        await send_reply(message, views.offer(head, loose))
    else:
        answer = await ask(context, name)
        suggestions = [r.entry for r in answer.results]
        head = f"No program is called “{name[:100]}”."
        head += " Perhaps one of these?" if suggestions else ""
        await send_reply(message, views.offer(head, suggestions))


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
    await reply_to_question(message, text, context)


async def flooded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True when the user is over the limit: the first time, they are told to slow down."""
    gate: FloodGate = context.bot_data[FLOOD]
    user = update.effective_user
    verdict = gate.check(user.id) if user else Verdict.ALLOW
    if verdict is Verdict.WARN and update.effective_message:
        await send(update.effective_message, SLOW_DOWN)
    return verdict is not Verdict.ALLOW


async def ask(context: ContextTypes.DEFAULT_TYPE, text: str) -> Answer:
    """The engine's answer, batched with other questions arriving at the same time."""
    batcher: AnswerBatcher = context.bot_data[BATCHER]
    return await batcher.answer(text)


async def reply_to_question(
    message: Message, text: str, context: ContextTypes.DEFAULT_TYPE
) -> None:
    answer = await ask(context, text)
    await send_reply(message, present(engine_of(context)).reply(answer))


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
    """Every button press is answered once, stale or unknown ones with a friendly note."""
    query = update.callback_query
    if query is None:
        return
    data = views.parse_callback(query.data)
    try:
        handled = (
            data is not None
            and isinstance(query.message, Message)
            and await _press(query.message, data, context)
        )
    except Exception:
        await query.answer(FAILED)
        raise  # on_error logs it and tells the chat
    await query.answer(None if handled else STALE)


async def _press(
    message: Message, data: views.Callback, context: ContextTypes.DEFAULT_TYPE
) -> bool:
    """Carry out a pressed button; False when it refers to nothing (any more)."""
    engine = engine_of(context)
    kb = engine.kb
    match data:
        case views.OpenEntry(entry_id) if (entry := kb.get(entry_id)) is not None:
            await send_reply(message, present(engine).entry(entry))
        case views.Similar(program_id) if (program := kb.program(program_id)) is not None:
            head = f"Programs similar to {program.name}:"
            await send_reply(message, views.offer(head, engine.browse.similar_programs(program)))
        case views.Details(program_id) if (program := kb.program(program_id)) is not None:
            await show_in_place(message, present(engine).details(program))
        case views.Related(program_id) if (program := kb.program(program_id)) is not None:
            head = f"Questions to ask about {program.name}:"
            await send_reply(message, views.offer(head, engine.browse.questions_to_ask()))
        case views.Page(number, query, in_place):
            found = engine.browse.programs_matching(query)
            text, keyboard = views.programs_page(found, number, query)
            if in_place:
                await message.edit_text(text, reply_markup=keyboard)
            else:
                await send(message, text, keyboard)
        case views.Topics(category):
            await send_reply(message, present(engine).topics(category))
        case views.Example(number) if number < len(EXAMPLES):
            await reply_to_question(message, EXAMPLES[number], context)
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
    """Log with context; tell the user something went wrong, never how."""
    where = update.to_dict() if isinstance(update, Update) else repr(update)
    logger.error("error while handling update %s", where, exc_info=context.error)
    if not isinstance(update, Update):
        return  # polling errors come without an update
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
    """Admins only: reload the knowledge base; on failure the previous one keeps serving."""
    settings: BotSettings = context.bot_data[SETTINGS]
    user, message = update.effective_user, update.effective_message
    if message is None:
        return
    if user is None or user.id not in settings.admin_ids:
        await send(message, NOT_ALLOWED)
        return
    await send(message, html.escape(await reload_knowledge(context.application)))


async def reload_knowledge(app: Application) -> str:  # type: ignore[type-arg]
    """Swap in a freshly loaded engine; the outcome, also logged, for whoever asked."""
    old: AnswerEngine = app.bot_data[ENGINE]
    settings: BotSettings = app.bot_data[SETTINGS]
    executor: Executor = app.bot_data[EXECUTOR]
    try:
        new = await asyncio.get_running_loop().run_in_executor(
            executor, rebuild_engine, old, settings.engine
        )
    except KnowledgeError as exc:
        logger.error("reload failed, still serving the previous knowledge: %s", exc)
        return f"Reload failed; still serving the previous knowledge.\n{exc}"
    app.bot_data[ENGINE] = new
    stats = new.stats
    outcome = (
        f"Reloaded: {len(new.kb.programs)} programs, {len(new.kb.faqs)} FAQ entries "
        f"(encoded {stats.encoded} texts, reused {stats.reused})."
    )
    logger.info(outcome)
    return outcome
