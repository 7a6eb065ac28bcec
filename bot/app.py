"""Building the Telegram application: the one builder `python -m bot` and the tests share."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlparse

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import feedback, handlers, keys, privacy
from bot.batching import AnswerBatcher
from bot.flood import FloodGate, InFlight
from bot.retry import RetryingRequest, RetryPolicy
from bot.settings import BotSettings
from knowledge.answer.engine import AnswerEngine
from knowledge.store import SafeStore, open_store

logger = logging.getLogger(__name__)

# The batcher runs one batch at a time on this pool, and torch's own threads already spread
# that batch's encode over both cores. The second thread is for a reload (re-reading and
# re-encoding the knowledge), so a reload does not queue behind answers nor answers behind it.
# Two batches at once were measured and gave no consistent gain (512 questions in batches of
# 32, 2 cores: one at a time 64, 58, 43, 52 questions/s; two at once 60, 61, 48, 51), so one it
# is; a larger pool would only make the model's threads contend.
ENGINE_THREADS = 2
SHUTDOWN_GRACE = 10.0  # seconds to let an engine thread finish its batch when stopping
CONNECTIONS = 64  # concurrent Bot API calls (PTB's own default for a built bot is 256)


@dataclass(frozen=True)
class Timeouts:
    """Seconds for Bot API calls; a hung call is abandoned after `read` and retried."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 5.0


DEFAULT_TIMEOUTS = Timeouts()


def build_application(
    settings: BotSettings,
    engine: AnswerEngine,
    *,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    policy: RetryPolicy | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot, with the engine built once and shared through bot_data."""
    request = RetryingRequest(
        connection_pool_size=CONNECTIONS,
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        write_timeout=timeouts.write,
        pool_timeout=timeouts.pool,
        policy=policy,
    )
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .request(request)
        .get_updates_request(
            HTTPXRequest(connect_timeout=timeouts.connect, read_timeout=timeouts.read)
        )
        .base_url(settings.api_base_url)
        .base_file_url(file_url(settings.api_base_url))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data[keys.ENGINE] = engine
    app.bot_data[keys.EXECUTOR] = ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="engine")
    app.bot_data[keys.SETTINGS] = settings
    app.bot_data[keys.FLOOD] = FloodGate(settings.flood_limit, settings.flood_window)
    app.bot_data[keys.INFLIGHT] = InFlight()
    app.bot_data[keys.BATCHER] = AnswerBatcher(
        lambda: app.bot_data[keys.ENGINE], app.bot_data[keys.EXECUTOR]
    )
    app.bot_data[keys.RELOAD_LOCK] = asyncio.Lock()  # SIGHUP and /reload, one at a time
    for name, callback in (
        ("start", handlers.start),
        ("help", handlers.help_command),
        ("about", handlers.about),
        ("programs", handlers.programs),
        ("program", handlers.program),
        ("faq", handlers.faq),
        ("reload", handlers.reload),
        ("report", feedback.report),
        ("forget", privacy.forget),
        ("stats", feedback.stats),
    ):
        app.add_handler(CommandHandler(name, callback))
    messages = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
    app.add_handler(MessageHandler(messages & filters.TEXT & ~filters.COMMAND, handlers.question))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, handlers.unknown_command)
    )
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.TEXT
            & ~filters.StatusUpdate.ALL,
            handlers.non_text,
        )
    )
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_error_handler(handlers.on_error)
    return app


def file_url(api_base_url: str) -> str:
    """Telegram's file URL for its API URL (https://host/bot → https://host/file/bot)."""
    base = api_base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def run(app: Application, settings: BotSettings) -> None:  # type: ignore[type-arg]
    """Poll, or serve the webhook when WEBHOOK_URL is set; SIGTERM stops after in-flight work."""
    if settings.webhook_url:
        app.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    # The store never blocks start-up or an answer: it waits briefly, then connects behind.
    app.bot_data[keys.STORE] = store = await open_store()
    app.bot_data[keys.PURGER] = asyncio.create_task(privacy.purge_periodically(store))
    await app.bot.set_my_commands(handlers.COMMANDS)
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals on this platform
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP, lambda: app.create_task(handlers.reload_knowledge(app))
        )


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    """After every handler has finished (Application.stop waits for them): close the batcher
    and the engine threads without blocking the event loop on an engine that never returns."""
    await app.bot_data[keys.BATCHER].close()
    purger: asyncio.Task[None] | None = app.bot_data.pop(keys.PURGER, None)
    if purger is not None:
        purger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purger
    store: SafeStore | None = app.bot_data.get(keys.STORE)
    if store is not None:
        await store.close()
    executor: ThreadPoolExecutor = app.bot_data[keys.EXECUTOR]
    executor.shutdown(wait=False, cancel_futures=True)
    try:
        await asyncio.wait_for(asyncio.to_thread(executor.shutdown, wait=True), SHUTDOWN_GRACE)
    except TimeoutError:
        logger.warning("an engine thread is still busy after %g s; not waiting", SHUTDOWN_GRACE)
