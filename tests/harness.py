"""Driving the real application against the fake Bot API: start and stop it inside a test's
event loop, talk to it as a user, read its buttons. Shared by tests, the load benchmark and the
transcript; it holds no tests itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from typing import Any

from telegram.ext import Application

from bot.settings import BotSettings
from tests.fake_telegram import TOKEN, FakeTelegram

CHAT = 501


async def until(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {predicate}")


def settings_for(fake: FakeTelegram, **extra: str) -> BotSettings:
    return BotSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, **extra}
    )


@contextlib.asynccontextmanager
async def running(app: Application, **polling: Any) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Start and stop the application the way run_polling does, inside the test's loop."""
    await app.initialize()
    assert app.post_init
    await app.post_init(app)
    assert app.updater
    await app.updater.start_polling(poll_interval=0, timeout=1, **polling)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown
        await app.post_shutdown(app)


class Conversation:
    """A user in one chat: say something, get the bot's new messages."""

    def __init__(self, fake: FakeTelegram, chat_id: int = CHAT) -> None:
        self.fake, self.chat_id = fake, chat_id

    async def say(self, text: str | None = None, count: int = 1, **kw: Any) -> list[dict[str, Any]]:
        before = len(self.fake.sent(self.chat_id))
        self.fake.message(self.chat_id, text, **kw)
        return await self.new_since(before, count)

    async def press(
        self, message: dict[str, Any], data: str, count: int = 1
    ) -> list[dict[str, Any]]:
        before = len(self.fake.sent(self.chat_id))
        query_id = self.fake.press(message, data)
        await until(lambda: self.fake.answered(query_id))
        if count:
            return await self.new_since(before, count)
        return []

    async def new_since(self, before: int, count: int) -> list[dict[str, Any]]:
        sent = await until(lambda: len(s := self.fake.sent(self.chat_id)) >= before + count and s)
        return list(sent[before:])


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Button text -> callback data (or url) of a sent message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data") or b.get("url") for row in rows for b in row}


FEEDBACK = ("👍", "👎", "✏️ Report")


def content_buttons(message: dict[str, Any]) -> dict[str, str]:
    """The message's buttons without the feedback row every answer carries."""
    return {k: v for k, v in buttons(message).items() if k not in FEEDBACK}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
