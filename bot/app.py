"""Building the Telegram application: the one builder `python -m bot` and the tests share."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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

from bot import handlers
from bot.settings import BotSettings
from knowledge.engine import AnswerEngine

# Two engine threads keep both cores busy; more would only make the model's threads contend.
ENGINE_THREADS = 2


def build_application(settings: BotSettings, engine: AnswerEngine) -> Application:  # type: ignore[type-arg]
    """The bot, with the engine built once and shared through bot_data."""
    app = (
        ApplicationBuilder()
        .token(settings.token)
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
    app.bot_data[handlers.ENGINE] = engine
    app.bot_data[handlers.EXECUTOR] = ThreadPoolExecutor(
        ENGINE_THREADS, thread_name_prefix="engine"
    )
    for name, callback in (
        ("start", handlers.start),
        ("help", handlers.help_command),
        ("about", handlers.about),
        ("programs", handlers.programs),
        ("program", handlers.program),
        ("faq", handlers.faq),
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
    await app.bot.set_my_commands(handlers.COMMANDS)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    app.bot_data[handlers.EXECUTOR].shutdown(wait=True)
