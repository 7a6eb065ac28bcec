"""Print a transcript of a real conversation with the bot, run against the fake Bot API.

    HF_HUB_OFFLINE=1 .venv/bin/python -m tests.transcript

The README's example conversation is this script's output.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any

from bot import keys
from bot.app import build_application
from bot.flood import FloodGate
from bot.settings import BotSettings
from knowledge.answer.build import build_engine
from knowledge.answer.settings import EngineSettings
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.harness import Conversation, buttons, running

# A throwaway store: no context, votes or flood counts from an earlier run, nothing in .data/.
os.environ.setdefault("IMGBOT_STATE_DIR", tempfile.mkdtemp(prefix="imgbot-state-"))

SCRIPT: list[tuple[str, str]] = [
    ("say", "/start"),
    ("say", "how much does johns hopkins cost?"),
    ("press", "📄 Johns Hopkins card"),
    ("say", "how long is it?"),
    ("say", "externships in ohio"),
    ("say", "Which is cheaper, UCLA or Mount Sinai?"),
    ("say", "How much does it cost and do I need a visa?"),
    ("say", "mount sinai miami beach observership"),
    ("say", "how many programs should i apply to for the match"),
    ("say", "what's the weather in boston"),
    ("say", "thanks!"),
    ("say", "/faq"),
]


def show(message: dict[str, Any]) -> str:
    lines = [
        f"🤖 {line}" if i == 0 else f"   {line}"
        for i, line in enumerate(message["text"].splitlines())
    ]
    keys = "  ".join(f"[{text}]" for text in buttons(message))
    return "\n".join(lines + ([f"   {keys}"] if keys else []))


async def main() -> None:
    fake = FakeTelegram().start()
    engine = build_engine(EngineSettings.from_env())
    settings = BotSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
    )
    chat = Conversation(fake)
    last: dict[str, Any] = {}
    app = build_application(settings, engine)
    # A script types faster than a person: lift the flood limit, which is not what this shows.
    app.bot_data[keys.FLOOD] = FloodGate(limit=1000)
    try:
        async with running(app):
            for action, text in SCRIPT:
                if action == "say":
                    print(f"👤 {text}\n")
                    replies = await chat.say(text)
                else:
                    print(f"👤 (presses [{text}])\n")
                    replies = await chat.press(last, buttons(last)[text])
                for reply in replies:
                    print(show(reply) + "\n")
                last = replies[-1]
    finally:
        fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
