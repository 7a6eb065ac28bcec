"""The real application against the fake Bot API over HTTP: whole conversations."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import handlers, keys
from bot.app import build_application
from knowledge.answer.engine import AnswerEngine
from knowledge.loader import KnowledgeBase
from tests.fake_telegram import BOT_USERNAME, PHOTO, STICKER, TOKEN, FakeTelegram
from tests.harness import (
    CHAT,
    FEEDBACK,
    Conversation,
    buttons,
    content_buttons,
    free_port,
    post,
    running,
    settings_for,
    until,
)

pytestmark = pytest.mark.model


@pytest.fixture
async def bot(fake: FakeTelegram, real_engine: AnswerEngine) -> AsyncIterator[FakeTelegram]:
    async with running(build_application(settings_for(fake), real_engine)):
        yield fake
    rejected = [c for c in fake.calls if c.status == 400]
    assert rejected == [], f"the fake Bot API rejected: {rejected}"


async def test_commands_are_registered(bot: FakeTelegram) -> None:
    call = await until(lambda: bot.calls_to("setMyCommands"))
    names = [c["command"] for c in call[0].params["commands"]]
    assert names == [name for name, _ in handlers.COMMANDS]


async def test_start_help_about(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (start,) = await chat.say("/start")
    assert "international medical graduates" in start["text"]
    assert "Not official advice" in start["text"]
    examples = buttons(start)
    assert len(examples) == 4 and all(v.startswith("e:") for v in examples.values())
    (answer,) = await chat.press(start, examples["Externships in Florida"])
    assert "2 of the 10 programs we cover are in Florida" in answer["text"]
    (help_,) = await chat.say("/help")
    assert "/programs" in help_["text"] and f"@{BOT_USERNAME}" in help_["text"]
    (about,) = await chat.say("/about")
    assert "last reviewed: 25 November 2026" in about["text"] and "not official" in about["text"]
    assert "Pages read: Nov 2026" in about["text"] and "ECFMG-related guides" not in about["text"]


async def test_free_text_questions_of_each_kind(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (card,) = await chat.say("jhopkins")
    assert card["text"].startswith("Johns Hopkins University Externship Program")
    assert "For IMG graduates: " in card["text"] and "[1]" in card["text"]
    assert {"🌐 Official page", "📄 Details", "Similar programs", "❓ Ask about it"} <= set(
        buttons(card)
    )
    (faq,) = await chat.say("how do I apply?")
    assert faq["text"].startswith("How do I apply") and "People also ask" in faq["text"]
    assert all(v[:2] in ("f:", "p:") for v in content_buttons(faq).values())
    assert list(buttons(faq))[-3:] == list(FEEDBACK)  # on one row, last
    (florida,) = await chat.say("externships in Miami, Florida")
    assert "are in Miami, Florida" in florida["text"]
    assert {"p:university-of-miami", "p:fiu"} <= set(buttons(florida).values())
    (ood,) = await chat.say("how to train a neural network")
    assert ood["text"].startswith("Sorry, that is outside what I cover")
    assert set(content_buttons(ood)) == {"📋 All programs", "❓ FAQ topics"}  # a way on, no guesses
    (spanish,) = await chat.say("¿Cómo consigo una observership en Estados Unidos?")
    assert "only read questions in English" in spanish["text"]
    (example,) = await chat.press(spanish, buttons(spanish)["How do I apply for an externshi…"])
    assert example["text"].startswith("How do I apply")  # the example, asked in English
    (mixed,) = await chat.say("how much does the Cleveland Clinic externship cost?")
    assert mixed["text"].startswith("The pages read for Cleveland Clinic give no fee")
    assert {"📄 Cleveland Clinic card", "❓ Fee: in general", "🌐 Official page"} <= set(
        buttons(mixed)
    )
    (hello,) = await chat.say("hello!")
    assert hello["text"].startswith("Hello!") and len(buttons(hello)) == 4


async def test_buttons_from_earlier_replies(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (card,) = await chat.say("/program fiu")
    (similar,) = await chat.press(card, buttons(card)["Similar programs"])
    assert "similar to Florida International" in similar["text"]
    (related,) = await chat.press(card, buttons(card)["❓ Ask about it"])
    assert "p:" not in "".join(buttons(related).values())[:2]
    (cost,) = await chat.press(related, buttons(related)["Cost"])
    assert cost["text"].startswith("Is there a cost") and "Sources:" in cost["text"]
    (topics,) = await chat.press(related, buttons(related)["❓ FAQ topics"])
    assert len(buttons(topics)) == 5 and all(v.startswith("t:") for v in buttons(topics).values())
    (group,) = await chat.press(topics, buttons(topics)["Applying & costs"])
    assert "Housing" not in buttons(group) and all(len(label) <= 32 for label in buttons(group))
    assert buttons(group)["◀ All topics"] == "t"
    (listing,) = await chat.press(related, buttons(related)["📋 All programs"])
    assert "All programs" in listing["text"] and "page 1 of 2" in listing["text"]
    await chat.press(listing, buttons(listing)["Next ▶"], count=0)
    edited = await until(lambda: bot.calls_to("editMessageText"))
    assert "page 2 of 2" in edited[0].params["text"]
    # an earlier reply's buttons still work after later messages
    (again,) = await chat.press(card, buttons(card)["Similar programs"])
    assert again["text"] == similar["text"]


async def test_stale_and_unknown_buttons_get_a_friendly_note(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (card,) = await chat.say("/program ucla")
    for data in ("p:no-such-program", "zz:1", "s:", "l:notanumber", "e:99"):
        query_id = bot.press(card, data)
        await until(lambda q=query_id: bot.answered(q))
    answers = bot.calls_to("answerCallbackQuery")
    assert len(answers) == 5 and all(a.params.get("text") == handlers.STALE for a in answers)


async def test_every_button_press_is_answered_exactly_once(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (listing,) = await chat.say("/programs")
    ids = [bot.press(listing, data) for data in list(buttons(listing).values())[:5]]
    await until(lambda: all(bot.answered(i) for i in ids))
    await chat.new_since(1, 5)  # each press's work is done, after its acknowledgement
    assert [bot.answered(i) for i in ids] == [1] * 5
    # a second answer would be refused with a 400, which the fixture looks for once the bot has
    # stopped (Application.stop waits for every handler): a definite end, not a sleep


async def test_programs_filter_and_program_lookup(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (florida,) = await chat.say("/programs florida")
    assert "matching “florida”" in florida["text"]
    assert set(buttons(florida).values()) == {"p:university-of-miami", "p:fiu"}
    (research,) = await chat.say("/programs research")
    assert len(buttons(research)) == 5
    (none, listing) = await chat.say("/programs texas", count=2)
    assert "No program matches" in none["text"] and len(buttons(listing)) == 9  # 8 + next
    (typo,) = await chat.say("/program mount sinia")
    assert typo["text"].startswith("Mount Sinai Hospital Externship Program")
    (unsure,) = await chat.say("/program brig")
    assert "not sure which" in unsure["text"] and "p:brigham-and-womens" in buttons(unsure).values()
    (two,) = await chat.say("/program ucla jhu")
    assert "Several programs match" in two["text"]
    (nothing,) = await chat.say("/program xyzzy")
    assert "No program matches" in nothing["text"]
    (ask,) = await chat.say("/program")
    assert "Which program?" in ask["text"]
    (faq,) = await chat.say("/faq")
    assert len(buttons(faq)) == 5
    (unknown,) = await chat.say("/frobnicate")
    assert "/help" in unknown["text"]


async def test_inline_mode(bot: FakeTelegram) -> None:
    bot.inline("cleveland")
    call = (await until(lambda: bot.calls_to("answerInlineQuery")))[0]
    results = call.params["results"]
    assert 1 <= len(results) <= 10 and results[0]["id"] == "p:cleveland-clinic"
    assert results[0]["input_message_content"]["message_text"].startswith("<b>Cleveland Clinic")
    bot.inline("")
    call = (await until(lambda: len(c := bot.calls_to("answerInlineQuery")) == 2 and c))[1]
    assert len(call.params["results"]) == 10


async def test_odd_and_hostile_messages(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    (sticker,) = await chat.say(extra=STICKER)
    assert sticker["text"] == handlers.NON_TEXT
    (photo,) = await chat.say(extra=PHOTO)
    assert photo["text"] == handlers.NON_TEXT
    (html,) = await chat.say("<b>visa</b> & <script>alert(1)</script>")
    assert html["text"].startswith("Which visa")  # accepted by the fake: valid HTML
    (long,) = await chat.say("how do I apply? " + "x" * 5000)
    assert len(long["text"]) <= 4096
    (empty,) = await chat.say("   \u200b ")
    assert "type your question" in empty["text"]


async def test_edited_question_is_answered_again(bot: FakeTelegram) -> None:
    chat = Conversation(bot)
    before = len(bot.sent(CHAT))
    original = bot.message(CHAT, "visa")
    await chat.new_since(before, 1)
    bot.edit(original, "how much does it cost")
    (second,) = await chat.new_since(before + 1, 1)
    assert second["text"].startswith("Is there a cost")


async def test_groups_answer_only_mentions_replies_and_commands(bot: FakeTelegram) -> None:
    group = -100200
    chat = Conversation(bot, group)
    ignored = bot.message(group, "how do I apply?", kind="supergroup", user_id=7)
    mention = f"@{BOT_USERNAME}"
    # the mention after it is the marker: once it is answered, the ignored one was handled
    (answer,) = await chat.say(
        f"{mention} how do I apply?",
        kind="supergroup",
        user_id=7,
        entities=[{"type": "mention", "offset": 0, "length": len(mention)}],
    )
    assert answer["text"].startswith("How do I apply")
    (followup,) = await chat.say("and the visa?", kind="supergroup", user_id=7, reply_to=answer)
    assert "visa" in followup["text"].lower()
    (command,) = await chat.say(f"/program@{BOT_USERNAME} fiu", kind="supergroup", user_id=7)
    assert command["text"].startswith("Florida International")
    sticker = bot.message(group, extra=STICKER, kind="supergroup", user_id=7)
    (marker,) = await chat.say(f"/help@{BOT_USERNAME}", kind="supergroup", user_id=7)
    assert len(bot.sent(group)) == 4 and "/programs" in marker["text"]
    quoted = [
        (c.params.get("reply_parameters") or {}).get("message_id")
        for c in bot.calls_to("sendMessage")
        if int(c.params["chat_id"]) == group
    ]
    assert ignored["message_id"] not in quoted and sticker["message_id"] not in quoted


async def test_webhook_mode_checks_the_secret(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    secret = "s3cret-Token_for-tests"
    settings = settings_for(fake, WEBHOOK_URL="https://bot.example.org/hook", WEBHOOK_SECRET=secret)
    app = build_application(settings, real_engine)
    port = free_port()
    await app.initialize()
    assert app.updater
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=settings.webhook_url,
        secret_token=secret,
    )
    await app.start()
    try:
        assert fake.webhook == {"url": "https://bot.example.org/hook", "secret_token": secret}
        fake.chat(CHAT)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "visa",
                "chat": {"id": CHAT, "type": "private"},
                "from": fake.user(CHAT),
            },
        }
        url = f"http://127.0.0.1:{port}/hook"
        assert await asyncio.to_thread(post, url, update, None) == 403
        assert await asyncio.to_thread(post, url, update, "wrong") == 403
        assert fake.sent(CHAT) == []
        assert await asyncio.to_thread(post, url, update, secret) == 200
        (reply,) = await until(lambda: fake.sent(CHAT))
        assert reply["text"].startswith("Which visa")
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def test_python_m_bot_starts_polls_answers_and_exits_0_on_sigterm(
    fake: FakeTelegram, tmp_path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "IMGBOT_CACHE_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "LOG_LEVEL": "INFO",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=120)
        fake.message(CHAT, "johns hopkins")
        (reply,) = fake.wait_sent(CHAT, 1)
        assert reply["text"].startswith("Johns Hopkins")
        proc.send_signal(signal.SIGHUP)  # reload the knowledge, keep running
        fake.message(CHAT, "visa")
        fake.wait_sent(CHAT, 2)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
    assert "engine ready" in stderr and "Reloaded: 10 programs" in stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN is malformed"),
    ],
)
def test_python_m_bot_refuses_a_missing_or_malformed_token(
    env: dict[str, str], message: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"bot: error: {message}" or proc.stderr.startswith(
        f"bot: error: {message}"
    )
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "not-a-token" not in proc.stderr


class SlowEngine:
    """The real engine, but each answer takes a while: an answer in flight during shutdown."""

    def __init__(
        self, engine: AnswerEngine, started: asyncio.Event, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._engine, self._started, self._loop = engine, started, loop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def answer_many(self, questions: list[str], contexts: Any = None) -> Any:
        self._loop.call_soon_threadsafe(self._started.set)
        time.sleep(1.0)
        return self._engine.answer_many(questions, contexts)


async def test_stopping_finishes_answers_in_flight(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    started = asyncio.Event()
    app = build_application(settings_for(fake), real_engine)
    app.bot_data[keys.ENGINE] = SlowEngine(real_engine, started, asyncio.get_running_loop())
    async with running(app):
        fake.message(CHAT, "visa")
        await asyncio.wait_for(started.wait(), 30)
    (reply,) = fake.sent(CHAT)  # stopped only after the answer went out
    assert reply["text"].startswith("Which visa")


class BrokenEngine:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("engine exploded: /secret/path")


async def test_an_error_is_logged_and_the_user_told_without_details(
    fake: FakeTelegram, real_engine: AnswerEngine, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_application(settings_for(fake), real_engine)
    app.bot_data[keys.ENGINE] = BrokenEngine()
    async with running(app):
        fake.message(CHAT, "visa")
        (reply,) = await until(lambda: fake.sent(CHAT))
        card = fake.sent(CHAT)[0]
        query_id = fake.press(card, "p:ucla")
        await until(lambda: fake.answered(query_id) and len(fake.sent(CHAT)) == 2)
    assert reply["text"] == handlers.FAILED
    assert fake.calls_to("answerCallbackQuery")[0].params["text"] == handlers.FAILED
    assert all("exploded" not in m["text"] for m in fake.sent(CHAT))
    assert "engine exploded" in caplog.text and "error while handling update" in caplog.text


async def test_program_name_with_no_match_offers_suggestions(bot: FakeTelegram) -> None:
    (reply,) = await Conversation(bot).say("/program affordable")
    assert "No program matches" in reply["text"] and "📋 All programs" in buttons(reply)


def test_python_m_bot_refuses_invalid_knowledge(tmp_path) -> None:
    import shutil

    from knowledge.loader import DEFAULT_DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    (data / "programs.yaml").write_text("programs: [\n")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "IMGBOT_DATA_DIR": str(data)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert (
        proc.stderr.startswith("bot: error: refusing to start:") and "programs.yaml" in proc.stderr
    )
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


async def test_phone_first_replies(bot: FakeTelegram) -> None:
    """Direct answers first, framed places, side-by-side comparisons, every asked topic,
    small talk, short buttons, a card that expands in place, and a way on from every reply."""
    chat = Conversation(bot)
    (cost,) = await chat.say("cost at hopkins")
    assert cost["text"].startswith("Fee at Johns Hopkins, as read on its pages:")
    assert "$500" in cost["text"].split("\n")[1] and "📄 Johns Hopkins card" in buttons(cost)
    (card,) = await chat.press(cost, buttons(cost)["📄 Johns Hopkins card"])
    assert card["text"].startswith("Johns Hopkins University Externship Program")
    assert len(card["text"]) <= 700
    (rest,) = await chat.press(card, buttons(card)["📄 Details"])  # what did not fit in place
    edited = bot.calls_to("editMessageText")[-1].params["text"]
    assert "official page" in edited and "What the article claims" in rest["text"]
    assert list(buttons(rest))[-3:] == list(FEEDBACK)  # the card's votes survive the expansion
    (ohio,) = await chat.say("externships in ohio")
    assert ohio["text"].startswith("Only 1 of the 10 programs we cover is in Ohio")
    (versus,) = await chat.say("Which is cheaper, UCLA or Mount Sinai?")
    assert "UCLA: not found on the pages read" in versus["text"] and "$750" in versus["text"]
    (both,) = await chat.say("How much does it cost and do I need a visa?")
    assert both["text"].startswith("You asked 2 things") and "visa" in both["text"].lower()
    (thanks,) = await chat.say("thanks!")
    assert thanks["text"].startswith("You're welcome")
    (help_,) = await chat.say("help")
    assert "/programs" in help_["text"]
    for message in bot.sent(CHAT):
        labels = list(buttons(message))
        assert all(len(label) <= 32 for label in labels), labels


async def test_program_lookup_takes_part_of_a_name(bot: FakeTelegram, kb: KnowledgeBase) -> None:
    chat = Conversation(bot)
    (card,) = await chat.say("/program cleveland")
    assert card["text"].startswith("Cleveland Clinic Externship Program")
    (nothing,) = await chat.say("/program xyzzy")
    assert "No program matches" in nothing["text"]
    assert all(v.startswith(("p:", "l:", "t")) for v in content_buttons(nothing).values())
    (listing,) = await chat.say("/programs")
    names = [p.short for p in kb.programs]
    assert not any(name in listing["text"] for name in names)  # each name once: on its button
    assert all(any(label.startswith(n) for label in buttons(listing)) for n in names[:8])


async def test_follow_ups_keep_the_conversation_per_chat(bot: FakeTelegram) -> None:
    chat, other = Conversation(bot), Conversation(bot, 777)
    await chat.say("johns hopkins")
    (long_,) = await chat.say("how long is it?")
    assert long_["text"].startswith("Duration at Johns Hopkins")
    (alone,) = await other.say("how long is it?")  # another chat has no such context
    assert not alone["text"].startswith("Duration at Johns Hopkins")
    await chat.say("externships in florida")
    (cheaper,) = await chat.say("which one is cheaper?")
    assert "Fee, as read on each institution's pages" in cheaper["text"]
    assert "FIU" in cheaper["text"] and "University of Miami" in cheaper["text"]


async def test_a_reported_mistake_is_stored_about_what_was_discussed(bot: FakeTelegram) -> None:
    from knowledge.store import SqlStore, StoreSettings

    chat = Conversation(bot)
    (about,) = await chat.say("/about")
    assert "/report" in about["text"]
    (how,) = await chat.say("/report")
    assert "in one message" in how["text"]
    await chat.say("johns hopkins")
    (thanks,) = await chat.say("/report the fee shown is from 2022-23 <b>")
    assert thanks["text"].startswith("Thank you")
    store = await SqlStore.open(StoreSettings.from_env())
    try:
        rows = (await store.report_rows()).negative
    finally:
        await store.close()
    mine = [r for r in rows if r.message == "the fee shown is from 2022-23 <b>"]
    assert len(mine) == 1 and mine[0].kind == "report" and mine[0].entry_id == "johns-hopkins"
