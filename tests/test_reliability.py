"""Bot API faults, bursts, flood control, reloads and secrets, against the fake Bot API."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import handlers
from bot.app import Timeouts, build_application
from bot.logs import REDACTED, setup_logging
from bot.retry import RetryPolicy
from knowledge.answer.engine import AnswerEngine
from knowledge.loader import DEFAULT_DATA_DIR
from tests.fake_telegram import TOKEN, FakeTelegram, Faults
from tests.harness import Conversation, buttons, running, settings_for, until

pytestmark = pytest.mark.model
FAST = Timeouts(connect=1, read=1.5, write=1.5, pool=1)
QUICK = RetryPolicy(retries=3, base_delay=0.05, max_delay=0.2)


@pytest.fixture
async def bot(fake: FakeTelegram, real_engine: AnswerEngine) -> AsyncIterator[FakeTelegram]:
    app = build_application(settings_for(fake), real_engine, timeouts=FAST, policy=QUICK)
    async with running(app):
        yield fake
    assert [c for c in fake.calls if c.status == 400] == []


def replies(fake: FakeTelegram, chat: int) -> list[str]:
    return [m["text"] for m in fake.sent(chat)]


@pytest.mark.parametrize("kind", ["429", "502", "hang", "reset"])
async def test_send_message_faults_are_survived_and_delivered_once(
    bot: FakeTelegram, kind: str
) -> None:
    faults = Faults().every("sendMessage", 2, kind, hang_seconds=2.5)
    bot.fault = faults
    for chat in (11, 12, 13, 14):
        bot.message(chat, "how do I apply?")
    for chat in (11, 12, 13, 14):
        await until(lambda c=chat: bot.sent(c), timeout=30)
    await asyncio.sleep(0.5)  # a duplicate would arrive by now
    assert faults.rules[0].fired >= 2
    for chat in (11, 12, 13, 14):
        assert len(replies(bot, chat)) == 1 and replies(bot, chat)[0].startswith("How do I apply")


@pytest.mark.parametrize("kind", ["429", "502", "reset"])
async def test_button_and_inline_answers_survive_faults(bot: FakeTelegram, kind: str) -> None:
    bot.fault = Faults().every("answerCallbackQuery", 2, kind).every("answerInlineQuery", 2, kind)
    rules = bot.fault.rules
    (card,) = await Conversation(bot, 21).say("/program ucla")
    query_ids = [bot.press(card, buttons(card)["Similar programs"]) for _ in range(2)]
    await until(lambda: all(bot.answered(q) for q in query_ids))
    bot.inline("miami")
    bot.inline("visa")
    await until(lambda: len(bot.calls_to("answerInlineQuery")) == 2)
    await asyncio.sleep(0.3)
    assert [bot.answered(q) for q in query_ids] == [1, 1]
    assert rules[0].fired >= 1 and rules[1].fired >= 1


@pytest.mark.parametrize("kind", ["429", "502", "reset"])
async def test_start_up_and_page_edits_survive_faults(
    fake: FakeTelegram, real_engine: AnswerEngine, kind: str
) -> None:
    fake.fault = (
        Faults().every("setMyCommands", 1, kind, limit=2).every("editMessageText", 1, kind, limit=1)
    )
    app = build_application(settings_for(fake), real_engine, timeouts=FAST, policy=QUICK)
    async with running(app):
        chat = Conversation(fake, 33)
        (listing,) = await chat.say("/programs")
        await chat.press(listing, buttons(listing)["Next ▶"], count=0)
        await until(lambda: fake.calls_to("editMessageText"))
    assert len(fake.calls_to("setMyCommands")) == 1
    assert len(fake.calls_to("editMessageText")) == 1
    assert [r.fired for r in fake.fault.rules] == [2, 1]
    assert "page 2 of 2" in fake.sent(33)[0]["text"]


async def test_polling_recovers_from_network_errors(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    fake.fault = Faults().every("getUpdates", 2, "502").every("getUpdates", 3, "reset")
    app = build_application(settings_for(fake), real_engine, timeouts=FAST, policy=QUICK)
    async with running(app):
        await until(lambda: len(fake.calls_to("getUpdates", ok_only=False)) >= 6, timeout=60)
        fake.message(31, "visa")
        (reply,) = await until(lambda: fake.sent(31), timeout=60)
    assert reply["text"].startswith("Which visa")
    assert any(c.status in (0, 502) for c in fake.calls_to("getUpdates", ok_only=False))


async def test_a_429_for_one_chat_does_not_stall_the_others(bot: FakeTelegram) -> None:
    """Ordering, not timing: the chat asking second is answered first, while the first chat's
    reply waits out the 3 s Telegram asked for (a global pause would make both wait)."""
    slow_chat, other_chat = 41, 42
    bot.fault = Faults().every(
        "sendMessage", 1, "429", retry_after=3, when=lambda p: int(p["chat_id"]) == slow_chat
    )
    start = time.monotonic()
    bot.message(slow_chat, "visa")
    await until(lambda: bot.fault.rules[0].fired)  # the slow chat has met its 429
    bot.fault.rules[0].every = 10_000  # its retry will pass
    bot.message(other_chat, "visa")
    await until(lambda: bot.sent(other_chat) and bot.sent(slow_chat), timeout=30)
    answered = {c.params["chat_id"]: c.at for c in bot.calls_to("sendMessage")}
    assert answered[str(other_chat)] < answered[str(slow_chat)]
    assert answered[str(slow_chat)] - start >= 3.0
    assert len(bot.sent(slow_chat)) == 1 and len(bot.sent(other_chat)) == 1


async def test_a_400_is_not_retried(fake: FakeTelegram, real_engine: AnswerEngine) -> None:
    """Our own mistake (here, broken HTML) must not be sent again and again."""
    from telegram.error import BadRequest

    app = build_application(settings_for(fake), real_engine, timeouts=FAST, policy=QUICK)
    fake.chat(51)
    async with app:
        with pytest.raises(BadRequest, match="parse entities"):
            await app.bot.send_message(51, "<b>unclosed")
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [400]


async def test_flood_control(bot: FakeTelegram, real_engine: AnswerEngine) -> None:
    calls: list[str] = []
    original = real_engine.answer_many

    def counting(questions: list[str]) -> Any:
        calls.extend(questions)
        return original(questions)

    chat = 61
    app_engine = real_engine
    app_engine.answer_many = counting  # type: ignore[method-assign]
    try:
        for i in range(12):
            bot.message(chat, f"visa question {i}")
        await until(lambda: len(bot.sent(chat)) >= 9, timeout=30)
        await asyncio.sleep(0.5)
    finally:
        del app_engine.answer_many
    texts = replies(bot, chat)
    assert texts.count(handlers.SLOW_DOWN) == 1
    assert len(texts) == 9 and len(calls) == 8
    for i in range(3):  # another user's quick questions are all answered
        bot.message(62, f"how do I apply {i}")
    await until(lambda: len(bot.sent(62)) == 3)


async def test_reload_by_admin_keeps_serving_on_failure(
    fake: FakeTelegram, real_engine: AnswerEngine, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    settings = settings_for(
        fake,
        IMGBOT_ADMIN_IDS="900, 901",
        IMGBOT_DATA_DIR=str(data),
        IMGBOT_CACHE_DIR=str(tmp_path / "cache"),
    )
    app = build_application(settings, real_engine, timeouts=FAST, policy=QUICK)
    async with running(app):
        admin, stranger = Conversation(fake, 900), Conversation(fake, 77)
        (refused,) = await stranger.say("/reload")
        assert refused["text"] == handlers.NOT_ALLOWED
        (ok,) = await admin.say("/reload")
        assert ok["text"].startswith("Reloaded: 10 programs, 33 FAQ entries")
        faq = data / "faq.yaml"
        faq.write_text(faq.read_text().replace("  answer: >-", "  answr: >-", 1))
        (failed,) = await admin.say("/reload")
        assert failed["text"].startswith("Reload failed; still serving the previous knowledge.")
        assert "faq.yaml:" in failed["text"] and "'what-is-externship'" in failed["text"]
        (still,) = await admin.say("how do I apply?")
        assert still["text"].startswith("How do I apply")
        assert app.bot_data[handlers.ENGINE].kb.faqs


async def test_secrets_never_reach_the_logs(
    fake: FakeTelegram, real_engine: AnswerEngine, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = "webhook-Secret_value-123"
    settings = settings_for(fake, WEBHOOK_SECRET=secret, LOG_LEVEL="DEBUG")
    setup_logging("DEBUG", settings.secrets)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # the library that logs request URLs
    try:
        app = build_application(settings, real_engine, timeouts=FAST, policy=QUICK)
        fake.fault = Faults().every("sendMessage", 2, "502")
        async with running(app):
            await app.bot.set_webhook("https://bot.example.org/hook", secret_token=secret)
            fake.message(81, "visa")
            fake.message(82, "visa")
            await until(lambda: fake.sent(81) and fake.sent(82))
            with pytest.raises(Exception) as info:
                await app.bot.send_message(81, "<b>broken", parse_mode="HTML")
            assert TOKEN not in str(info.value) and secret not in str(info.value)
    finally:
        logging.getLogger().handlers.clear()
    err = capfd.readouterr().err
    assert "HTTP Request" in err and REDACTED in err  # httpx did log, redacted
    assert TOKEN not in err and TOKEN.split(":")[1] not in err and secret not in err
    assert TOKEN not in repr(settings) and secret not in repr(settings)


def test_a_corrupt_cache_at_start_is_rebuilt(tmp_path: Path) -> None:
    from knowledge.answer.build import build_engine
    from knowledge.answer.settings import EngineSettings

    settings = EngineSettings(model=None, cache_dir=tmp_path, data_dir=DEFAULT_DATA_DIR)
    first = build_engine(settings)
    (cache_file,) = tmp_path.glob("*.emb")
    cache_file.write_bytes(cache_file.read_bytes()[:1000])
    second = build_engine(settings)
    assert second.stats.rebuilt and second.stats.encoded == first.stats.encoded
    assert build_engine(settings).stats.encoded == 0
