"""`python -m bot`: start the Telegram bot (polling, or webhook when WEBHOOK_URL is set)."""

from __future__ import annotations

import logging
import sys

from bot.app import build_application, run
from bot.logs import setup_logging
from bot.settings import BotSettings, SettingsError
from knowledge.answer.build import BUILD_ERRORS, build_engine

logger = logging.getLogger("bot")


def main() -> int:
    try:
        settings = BotSettings.from_env()
    except SettingsError as exc:
        print(f"bot: error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets)
    try:
        engine = build_engine(settings.engine)
    except BUILD_ERRORS as exc:
        print(f"bot: error: refusing to start: {exc}", file=sys.stderr)
        return 1
    stats = engine.stats
    logger.info(
        "engine ready: %d entries, encoded %d texts, reused %d",
        len(engine.entries),
        stats.encoded,
        stats.reused,
    )
    run(build_application(settings, engine), settings)
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
