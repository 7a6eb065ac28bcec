"""Two bot processes in webhook mode behind one PostgreSQL, as behind a load balancer: what one
worker learns of a conversation, the other knows; flood control counts across both; a button
press delivered to both is stored once."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.handlers import SLOW_DOWN
from knowledge.store import SqlStore, StoreSettings
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.harness import buttons, free_port, post
from tests.pg_server import PgServer

pytestmark = pytest.mark.model

SECRET = "two-workers-Secret_0123"
# Questions and presses per user per window (the window, an hour, never ends inside the test).
# The first user below makes 5: two questions and three presses (one delivered twice).
LIMIT = 5


class Worker:
    """`python -m bot` serving a webhook on its own port."""

    def __init__(self, fake: FakeTelegram, database_url: str, cache: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": SECRET,
            "PORT": str(self.port),
            "DATABASE_URL": database_url,
            "IMGBOT_CACHE_DIR": str(cache),
            "IMGBOT_FLOOD_LIMIT": str(LIMIT),
            "IMGBOT_FLOOD_WINDOW": "3600",
            "HF_HUB_OFFLINE": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.communicate()[1]
            try:
                if post(self.url, {}, "not-the-secret") == 403:  # listening, checking secrets
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("worker did not start")

    def send(self, update: dict[str, Any]) -> None:
        assert post(self.url, update, SECRET) == 200

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.communicate(timeout=30)[1]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.communicate()[1]


@pytest.fixture
def workers(
    fake: FakeTelegram, pg_server: PgServer, tmp_path: Path
) -> Iterator[tuple[Worker, Worker, str]]:
    url = pg_server.create_database()
    first = Worker(fake, url, tmp_path)
    first.wait_ready()  # then the second, reusing the embedding cache the first wrote
    second = Worker(fake, url, tmp_path)
    second.wait_ready()
    yield first, second, url
    for worker in (first, second):
        stderr = worker.stop()
        assert worker.proc.returncode == 0, stderr
        assert TOKEN not in stderr and SECRET not in stderr


ids = itertools.count(1)


def message(fake: FakeTelegram, chat: int, text: str) -> dict[str, Any]:
    fake.chat(chat)
    body = {"message_id": next(ids), "date": int(time.time()), "text": text}
    return {
        "update_id": next(ids),
        "message": {**body, "chat": {"id": chat, "type": "private"}, "from": fake.user(chat)},
    }


def press(fake: FakeTelegram, sent: dict[str, Any], data: str) -> dict[str, Any]:
    chat = sent["chat"]["id"]
    query = {"id": f"q{next(ids)}", "from": fake.user(chat), "chat_instance": "c", "data": data}
    return {"update_id": next(ids), "callback_query": {**query, "message": sent}}


async def votes(database_url: str) -> list[tuple[str, int, int]]:
    store = await SqlStore.open(StoreSettings.from_env({"DATABASE_URL": database_url}))
    try:
        return [(v.entry_id, v.up, v.down) for v in (await store.stats()).votes]
    finally:
        await store.close()


async def test_two_workers_share_context_flood_control_and_feedback(
    fake: FakeTelegram, workers: tuple[Worker, Worker, str]
) -> None:
    a, b, database_url = workers

    # Context: the card comes from one worker, the follow-up goes to the other.
    a.send(message(fake, 610, "florida international university"))
    (card,) = fake.wait_sent(610, 1)
    b.send(message(fake, 610, "how long is it?"))
    follow = fake.wait_sent(610, 2)[1]
    assert follow["text"].startswith("Duration at FIU"), follow["text"]

    # A press delivered to both workers (Telegram retrying after a lost response) counts once;
    # a later 👎 on the other worker replaces it.
    up = press(fake, card, buttons(card)["👍"])
    a.send(up)
    b.send(up)
    fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery", ok_only=False)) >= 2)
    assert await until_votes(database_url, [("fiu", 1, 0)])
    b.send(press(fake, card, buttons(card)["👎"]))
    assert await until_votes(database_url, [("fiu", 0, 1)])

    # Flood control: LIMIT questions answered across both workers, then one note, then nothing.
    for i, worker in enumerate([a, b] * (LIMIT // 2) + [a] * (LIMIT % 2)):
        worker.send(message(fake, 620, "how do I apply?"))
        fake.wait_sent(620, i + 1)
    b.send(message(fake, 620, "how do I apply?"))
    note = fake.wait_sent(620, LIMIT + 1)[-1]
    assert note["text"] == SLOW_DOWN
    a.send(message(fake, 620, "how do I apply?"))  # over the limit on the other worker too
    b.send(message(fake, 630, "how do I apply?"))  # a definite later event: another user's answer
    fake.wait_sent(630, 1)
    await until_votes(database_url, [("fiu", 0, 1)])  # and a round trip to the database
    assert len(fake.sent(620)) == LIMIT + 1


async def until_votes(database_url: str, wanted: list[tuple[str, int, int]]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if await votes(database_url) == wanted:
            return True
        time.sleep(0.1)
    raise AssertionError(f"votes never became {wanted}: {await votes(database_url)}")
