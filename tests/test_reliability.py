"""Bot API faults, bursts, flood control, reloads and secrets, against the fake Bot API."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import handlers, keys
from bot.app import Timeouts, build_application
from bot.logs import REDACTED, setup_logging
from bot.retry import RetryPolicy
from bot.settings import BotSettings, SettingsError
from knowledge.answer.engine import AnswerEngine
from knowledge.loader import DEFAULT_DATA_DIR, KnowledgeBase
from tests.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram, Faults
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


def rejected(fake: FakeTelegram, method: str | None = None) -> list[Any]:
    return [c for c in fake.calls if c.status == 400 and method in (None, c.method)]


def serving(fake: FakeTelegram, engine: AnswerEngine, **env: str) -> Any:
    """The bot, running until the block ends. Application.stop waits for every handler, so
    what is counted after the block is final: nothing can arrive later (no sleep needed)."""
    return running(
        build_application(settings_for(fake, **env), engine, timeouts=FAST, policy=QUICK)
    )


async def ask_every_chat(fake: FakeTelegram, engine: AnswerEngine) -> None:
    """One question from each of CHATS, all at once; returns once each chat has had a reply and
    the bot has stopped (so nothing more can arrive)."""
    async with serving(fake, engine):
        for chat in CHATS:
            fake.message(chat, "how do I apply?")
        for chat in CHATS:
            await until(lambda c=chat: fake.sent(c), timeout=30)


CHATS = (11, 12, 13, 14)


@pytest.mark.parametrize("kind", ["429", "502", "hang", "reset"])
async def test_send_message_faults_are_survived_and_delivered_once(
    fake: FakeTelegram, real_engine: AnswerEngine, kind: str
) -> None:
    """Faults that fail a call before Telegram carries it out ("hang": no response at all, until
    the client's read timeout): every answer arrives, exactly once."""
    faults = Faults().every("sendMessage", 2, kind)
    fake.fault = faults
    await ask_every_chat(fake, real_engine)
    assert faults.rules[0].fired >= 2
    for chat in CHATS:
        assert len(replies(fake, chat)) == 1 and replies(fake, chat)[0].startswith("How do I")
    assert rejected(fake) == []


@pytest.mark.parametrize("kind", ["lost", "late"])
async def test_a_lost_reply_is_sent_again_and_duplicates_its_message(
    fake: FakeTelegram, real_engine: AnswerEngine, kind: str
) -> None:
    """Telegram carried the sendMessage out, but its reply was lost (the connection closed, or
    the reply came after the client's read timeout). Telegram has no idempotency key: the bot
    sends again rather than risk losing the answer, so each lost reply is one duplicate. This
    pins the figure the README states: no answer lost, duplicates == lost replies."""
    faults = Faults().every("sendMessage", 2, kind, late_seconds=FAST.read + 1)
    fake.fault = faults
    await ask_every_chat(fake, real_engine)
    lost = faults.fired(kind)
    assert lost >= 2
    assert all(m.startswith("How do I") for c in CHATS for m in replies(fake, c))
    assert all(replies(fake, c) for c in CHATS)  # nothing lost
    assert sum(len(replies(fake, c)) for c in CHATS) == len(CHATS) + lost
    assert rejected(fake) == []


async def test_a_lost_reply_to_an_edit_or_an_acknowledgement_is_not_an_error(
    fake: FakeTelegram, real_engine: AnswerEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Their retries are refused by Telegram ("message is not modified", "query is too old"):
    that refusal means the first attempt worked, and must not reach the user as an error."""
    fake.fault = (
        Faults()
        .every("answerCallbackQuery", 1, "lost", limit=1)
        .every("editMessageText", 1, "lost", limit=1)
    )
    async with serving(fake, real_engine):
        chat = Conversation(fake, 35)
        (listing,) = await chat.say("/programs")
        query_id = fake.press(listing, buttons(listing)["Next ▶"])
        await until(lambda: len(fake.calls_to("editMessageText")) == 1)
    assert [r.fired for r in fake.fault.rules] == [1, 1]
    assert fake.answered(query_id) == 1
    assert handlers.FAILED not in replies(fake, 35) and len(fake.sent(35)) == 1
    assert "page 2 of" in fake.sent(35)[0]["text"]
    # each retry was refused once, as Telegram would, and taken as done
    assert len(rejected(fake, "answerCallbackQuery")) == len(rejected(fake, "editMessageText")) == 1
    assert "error while handling update" not in caplog.text


@pytest.mark.parametrize("kind", ["429", "502", "reset", "hang", "lost"])
async def test_button_and_inline_answers_survive_faults(
    fake: FakeTelegram, real_engine: AnswerEngine, kind: str
) -> None:
    fake.fault = Faults().every("answerCallbackQuery", 2, kind).every("answerInlineQuery", 2, kind)
    rules = fake.fault.rules
    async with serving(fake, real_engine):
        (card,) = await Conversation(fake, 21).say("/program ucla")
        query_ids = [fake.press(card, buttons(card)["Similar programs"]) for _ in range(2)]
        await until(lambda: all(fake.answered(q) for q in query_ids))
        fake.inline("miami")
        fake.inline("visa")
        await until(lambda: len(fake.calls_to("answerInlineQuery")) == 2)
    assert [fake.answered(q) for q in query_ids] == [1, 1]
    assert rules[0].fired >= 1 and rules[1].fired >= 1
    assert handlers.FAILED not in replies(fake, 21)
    # a retry after a lost reply is refused ("query is too old"), once per lost reply
    lost = {r.method: r.fired for r in rules} if kind == "lost" else {}
    for method in ("answerCallbackQuery", "answerInlineQuery"):
        assert len(rejected(fake, method)) == lost.get(method, 0)


async def test_a_button_is_acknowledged_before_its_slow_reply(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    """A 429 holds the reply for longer than Telegram waits for the acknowledgement: the press
    must be acknowledged first, or it expires and the user sees an error under a good reply."""
    fake.callback_timeout = 2.5
    chat = 23
    async with serving(fake, real_engine):
        (card,) = await Conversation(fake, chat).say("/program ucla")
        fake.fault = Faults().every("sendMessage", 1, "429", retry_after=4, limit=1)
        query_id = fake.press(card, buttons(card)["Similar programs"])
        await until(lambda: len(fake.sent(chat)) >= 2, timeout=30)
    (ack,) = fake.calls_to("answerCallbackQuery")
    reply = fake.calls_to("sendMessage")[-1]
    assert ack.at < reply.at and fake.answered(query_id) == 1
    assert [m["text"].startswith("Programs similar to") for m in fake.sent(chat)] == [False, True]
    assert rejected(fake) == []


async def test_a_failure_after_the_acknowledgement_is_told_to_the_chat_once(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    chat = 24
    async with serving(fake, real_engine):
        (card,) = await Conversation(fake, chat).say("/program ucla")
        fake.fault = Faults().every("sendMessage", 1, "502")  # every send fails, retries too
        query_id = fake.press(card, buttons(card)["Similar programs"])
        await until(lambda: fake.answered(query_id))
        await until(lambda: len(fake.calls_to("sendMessage", ok_only=False)) >= 9)
    (ack,) = fake.calls_to("answerCallbackQuery")
    assert ack.params.get("text") is None  # acknowledged once, before the work; never again
    assert len(fake.calls_to("answerCallbackQuery", ok_only=False)) == 1
    # the similar list (4 attempts) and on_error's report (4 attempts) both failed at the fake
    assert len(fake.calls_to("sendMessage", ok_only=False)) == 1 + 4 + 4


GROUP = -100300


async def test_a_forged_page_turn_or_details_press_never_rewrites_another_message(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    """Callback data is chosen by the client: a page turn ("n:…", in place) or a details press
    sent against someone's card in a group must not rewrite it. It gets a new message."""
    chat = Conversation(fake, GROUP)
    group = {"kind": "supergroup", "user_id": 7}
    async with serving(fake, real_engine):
        (card,) = await chat.say(f"/program@{BOT_USERNAME} ucla", **group)
        (other,) = await chat.say(f"/program@{BOT_USERNAME} fiu", **group)
        (page,) = await chat.press(card, "n:1")
        assert "page 2 of" in page["text"]
        ucla = buttons(card)["Similar programs"].split(":")[1]
        (details,) = await chat.press(other, f"d:{ucla}")
        assert details["text"] not in (card["text"], other["text"])
        for forged in ("n:²", "n:١", "n:01"):  # not ASCII digits, or not written our way
            query_id = fake.press(card, forged)
            await until(lambda q=query_id: fake.answered(q))
        (listing,) = await chat.say(f"/programs@{BOT_USERNAME}", **group)
        await chat.press(listing, buttons(listing)["Next ▶"], count=0)  # the real one: in place
        await until(lambda: fake.calls_to("editMessageText"))
    (edit,) = fake.calls_to("editMessageText")
    assert int(edit.params["message_id"]) == listing["message_id"]
    sent = {m["message_id"]: m["text"] for m in fake.sent(GROUP)}
    assert sent[card["message_id"]] == card["text"] and sent[other["message_id"]] == other["text"]
    notes = [c.params.get("text") for c in fake.calls_to("answerCallbackQuery")]
    assert notes == [None, None, handlers.STALE, handlers.STALE, handlers.STALE, None]
    assert rejected(fake) == []


@pytest.mark.parametrize("kind", ["429", "502", "reset", "hang"])
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


async def test_flood_control(fake: FakeTelegram, real_engine: AnswerEngine) -> None:
    """Twelve questions at once: 8 answers and one note, then silence. Counted after the bot has
    stopped (every handler finished), so a reply that should not exist cannot still come."""
    calls: list[str] = []
    original = real_engine.answer_many

    def counting(questions: list[str], contexts: Any = None) -> Any:
        calls.extend(questions)
        return original(questions, contexts)

    chat = 61
    real_engine.answer_many = counting  # type: ignore[method-assign]
    try:
        async with serving(fake, real_engine):
            for i in range(12):
                fake.message(chat, f"visa question {i}")
            for i in range(3):  # another user's quick questions are all answered
                fake.message(62, f"how do I apply {i}")
            await until(lambda: len(fake.sent(chat)) >= 9 and len(fake.sent(62)) >= 3, 30)
    finally:
        del real_engine.answer_many
    texts = replies(fake, chat)
    assert texts.count(handlers.SLOW_DOWN) == 1
    assert texts[-1] == handlers.SLOW_DOWN  # every allowed message answered before the note
    assert len(texts) == 9 and len([q for q in calls if q.startswith("visa question")]) == 8
    assert len(fake.sent(62)) == 3


async def test_button_presses_count_towards_the_limit(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    """Thirty presses of an example question: eight answered with work, every press
    acknowledged, the rest told to wait."""
    chat = 63
    async with serving(fake, real_engine):
        (start,) = await Conversation(fake, chat).say("/start")
        example = buttons(start)["Johns Hopkins"]
        ids = [fake.press(start, example) for _ in range(30)]
        await until(lambda: all(fake.answered(i) for i in ids), 60)
    notes = [c.params.get("text") for c in fake.calls_to("answerCallbackQuery")]
    assert len(notes) == 30 and notes.count(handlers.SLOW_DOWN_BUTTON) == 30 - 8
    assert len(fake.sent(chat)) == 1 + 8  # /start's reply, then the answers that were allowed


def test_the_flood_gate_forgets_idle_and_warned_users() -> None:
    from bot.flood import FloodGate, Verdict

    now = [0.0]
    gate = FloodGate(limit=1, window=10, clock=lambda: now[0])
    for user in range(50_000):
        gate.check(user)
        gate.check(user)  # each one warned once
    assert gate.tracked == 50_000
    now[0] = 11.0
    assert gate.check(1) is Verdict.ALLOW
    assert gate.tracked == 1


def reload_env(tmp_path: Path, vectors: Path | None = None) -> dict[str, str]:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    if vectors is not None:  # unchanged texts are not embedded again, as in production
        shutil.copytree(vectors, tmp_path / "cache")
    return {
        "IMGBOT_ADMIN_IDS": "900, 901",
        "IMGBOT_DATA_DIR": str(data),
        "IMGBOT_CACHE_DIR": str(tmp_path / "cache"),
    }


def break_faqs(data: Path) -> None:
    faq = data / "faq.yaml"
    faq.write_text(faq.read_text().replace("  answer: >-", "  answr: >-", 1))


async def test_reload_by_admin_keeps_serving_on_failure(
    fake: FakeTelegram,
    real_engine: AnswerEngine,
    kb: KnowledgeBase,
    tmp_path: Path,
    vectors_dir: Path,
) -> None:
    env = reload_env(tmp_path, vectors_dir)
    async with serving(fake, real_engine, **env):
        admin, stranger = Conversation(fake, 900), Conversation(fake, 77)
        (refused,) = await stranger.say("/reload")
        assert refused["text"] == handlers.NOT_ALLOWED
        (ok,) = await admin.say("/reload")
        counts = f"Reloaded: {len(kb.programs)} programs, {len(kb.faqs)} FAQ entries"
        assert ok["text"].startswith(counts)
        break_faqs(Path(env["IMGBOT_DATA_DIR"]))
        (failed,) = await admin.say("/reload")
        # a private chat with an admin: the one-line reason, file names without their folders
        first, reason = failed["text"].split("\n")
        assert first == handlers.RELOAD_FAILED
        assert "faq.yaml:" in reason and "'what-is-externship'" in reason
        assert str(tmp_path) not in failed["text"] and "/" not in reason
        (still,) = await admin.say("how do I apply?")
        assert still["text"].startswith("How do I apply")
    assert rejected(fake) == []


async def test_a_failed_reload_in_a_group_says_no_more_than_that(
    fake: FakeTelegram, real_engine: AnswerEngine, tmp_path: Path
) -> None:
    env = reload_env(tmp_path)
    break_faqs(Path(env["IMGBOT_DATA_DIR"]))
    chat = Conversation(fake, GROUP)
    async with serving(fake, real_engine, **env):
        (failed,) = await chat.say(f"/reload@{BOT_USERNAME}", kind="supergroup", user_id=900)
        (still,) = await chat.say(f"/program@{BOT_USERNAME} ucla", kind="supergroup", user_id=7)
    assert "faq.yaml" not in failed["text"] and str(tmp_path) not in failed["text"]
    assert failed["text"] == handlers.RELOAD_FAILED and still["text"].startswith("UCLA")


async def test_reloads_run_one_at_a_time_and_the_newest_knowledge_wins(
    fake: FakeTelegram,
    real_engine: AnswerEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGHUP starts a slow reload; /reload comes while it runs and reads newer files. Run at
    the same time, the older, slower load would finish last and win."""
    lock, loads, overlap = threading.Lock(), [], []
    asked = threading.Event()  # the /reload handler has started

    class Loaded:  # stands in for an engine over the files as they were when its load began
        def __init__(self, version: int) -> None:
            self.version, self.kb, self.stats = version, real_engine.kb, real_engine.stats

    def rebuild(old: Any, settings: Any) -> Loaded:
        with lock:
            loads.append(version := len(loads) + 1)
            overlap.append(len(loads) - len(done))
        if version == 1:  # the older load is the slower one: it ends after /reload came
            asked.wait(30)
            time.sleep(0.5)
        with lock:
            done.append(version)
        return Loaded(version)

    async def reload_command(update: Any, context: Any) -> None:
        asked.set()
        await original(update, context)

    done: list[int] = []
    original = handlers.reload
    monkeypatch.setattr(handlers, "rebuild_engine", rebuild)
    monkeypatch.setattr(handlers, "reload", reload_command)  # before the app is built
    app = build_application(
        settings_for(fake, **reload_env(tmp_path)), real_engine, timeouts=FAST, policy=QUICK
    )
    async with running(app):
        os.kill(os.getpid(), signal.SIGHUP)
        await until(lambda: loads)  # the SIGHUP reload is running
        (reply,) = await Conversation(fake, 900).say("/reload")
    # stopped: the SIGHUP task and the handler have both finished
    assert reply["text"].startswith("Reloaded:")
    assert loads == done == [1, 2] and max(overlap) == 1
    assert app.bot_data[keys.ENGINE].version == 2


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

    data = tmp_path / "data"  # a copy: the knowledge may be edited while the tests run
    shutil.copytree(DEFAULT_DATA_DIR, data)
    settings = EngineSettings(model=None, cache_dir=tmp_path / "cache", data_dir=data)
    first = build_engine(settings)
    (cache_file,) = (tmp_path / "cache").glob("*.emb")
    cache_file.write_bytes(cache_file.read_bytes()[:1000])
    second = build_engine(settings)
    assert second.stats.rebuilt and second.stats.encoded == first.stats.encoded
    assert build_engine(settings).stats.encoded == 0


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("x", "16 to 256 characters long (it has 1)"),
        ("a" * 15, "16 to 256 characters long (it has 15)"),
        ("a" * 257, "16 to 256 characters long (it has 257)"),
        ("sixteen-chars-ok but spaced", "may hold only"),
        ("ünïcode-secret-value", "may hold only"),
    ],
)
def test_a_short_or_malformed_webhook_secret_is_refused(secret: str, problem: str) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.org/hook"}
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET") as info:
        BotSettings.from_env({**env, "WEBHOOK_SECRET": secret})
    assert problem in str(info.value) and secret not in str(info.value)
    for ok in ("a" * 16, "A-z_0" * 51 + "9"):
        assert BotSettings.from_env({**env, "WEBHOOK_SECRET": ok}).webhook_secret == ok


class ExplodingEngine:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("engine exploded")


async def test_errors_are_logged_without_what_the_user_wrote_or_who_they_are(
    fake: FakeTelegram, real_engine: AnswerEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    private = "my private question about my visa refusal"
    person = {"id": 4242, "is_bot": False, "first_name": "Zainab", "last_name": "Haddad",
              "username": "zhaddad_md"}  # fmt: skip
    app = build_application(settings_for(fake), real_engine, timeouts=FAST, policy=QUICK)
    app.bot_data[keys.ENGINE] = ExplodingEngine()
    async with running(app):
        fake.message(4242, private, extra={"from": person})  # the fake's first update: id 1
        (reply,) = await until(lambda: fake.sent(4242))
    assert reply["text"] == handlers.FAILED
    (error,) = [r for r in caplog.records if r.getMessage().startswith("error while handling")]
    assert error.levelno == logging.ERROR
    assert error.getMessage() == (
        "error while handling update 1 (message, chat 4242): RuntimeError: engine exploded"
    )
    # neither the text nor the names appear in anything logged above DEBUG, tracebacks included
    shown = "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if r.levelno > logging.DEBUG
    )
    for private_part in (private, "visa refusal", "Zainab", "Haddad", "zhaddad_md", "Amira"):
        assert private_part not in shown
