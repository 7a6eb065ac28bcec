"""Learning from users, end to end: votes, mistake reports, /forget, /stats and `imgbot report`
over the fake Bot API, read back from the store the bot wrote to."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
import yaml

from bot import feedback, privacy
from bot.app import build_application
from knowledge.answer.engine import AnswerEngine
from knowledge.store import Report, SqlStore, Stats, StoreSettings, StoreUnavailable, Vote
from tests.fake_telegram import FakeTelegram
from tests.harness import (
    FEEDBACK,
    Conversation,
    buttons,
    free_port,
    running,
    settings_for,
    until,
)

pytestmark = pytest.mark.model

ADMIN = 900


@pytest.fixture
async def bot(fake: FakeTelegram, real_engine: AnswerEngine) -> AsyncIterator[FakeTelegram]:
    settings = settings_for(fake, IMGBOT_ADMIN_IDS=str(ADMIN))
    async with running(build_application(settings, real_engine)):
        yield fake
    rejected = [c for c in fake.calls if c.status == 400]
    assert rejected == [], f"the fake Bot API rejected: {rejected}"


@pytest.fixture
async def db() -> AsyncIterator[SqlStore]:
    """The store the bot writes to (this test's IMGBOT_STATE_DIR), opened beside it."""
    store = await SqlStore.open(StoreSettings.from_env())
    yield store
    await store.close()


async def test_votes_are_stored_once_per_user_and_answer(bot: FakeTelegram, db: SqlStore) -> None:
    chat = Conversation(bot)
    (card,) = await chat.say("tell me about the cleveland clinic observership")
    rating = buttons(card)
    assert list(rating)[-3:] == list(FEEDBACK)
    down = rating["👎"]
    for data in (down, down, rating["👍"], down):  # pressed again, changed, changed back
        query = bot.press(card, data)
        await until(lambda q=query: bot.answered(q))
    notes = [c.params.get("text") for c in bot.calls_to("answerCallbackQuery")]
    assert notes[-1] == feedback.THANKS[Vote.DOWN]
    stats = await until_stats(db, lambda s: s.votes and s.votes[0].down == 1)
    assert [(v.entry_id, v.up, v.down) for v in stats.votes] == [("cleveland-clinic", 0, 1)]
    (down_row,) = (await db.report_rows()).negative
    assert down_row.question == "tell me about the cleveland clinic observership"
    assert down_row.mode == "program" and down_row.score is not None
    assert stats.asked == 1 and stats.answered == 1


async def test_report_button_asks_what_is_wrong_and_stores_the_reply(
    bot: FakeTelegram, db: SqlStore
) -> None:
    chat = Conversation(bot)
    (answer,) = await chat.say("do I need a visa for an observership?")
    (prompt,) = await chat.press(answer, buttons(answer)["✏️ Report"])
    assert prompt["text"].startswith(feedback.REPORT_ASK)
    asked = bot.calls_to("sendMessage")[-1].params["reply_markup"]
    assert asked["force_reply"] is True and asked["selective"] is True
    (thanks,) = await chat.say("The B-1 rule changed in 2026", reply_to=prompt)
    assert thanks["text"] == feedback.REPORT_THANKS and buttons(thanks)  # and a way on
    report = await until_report(db)
    (row,) = report.negative
    assert (row.kind, row.message) == ("report", "The B-1 rule changed in 2026")
    assert row.question == "do I need a visa for an observership?" and row.entry_id
    # The next message is a question again, answered as usual.
    (again,) = await chat.say("how do I apply?")
    assert again["text"].startswith("How do I apply")


async def test_report_command_without_text_says_how(bot: FakeTelegram) -> None:
    (how,) = await Conversation(bot).say("/report")
    assert "/report the Hopkins fee" in how["text"]


async def test_forget_deletes_what_was_stored(bot: FakeTelegram, db: SqlStore) -> None:
    chat = Conversation(bot)
    (answer,) = await chat.say("what laptop should I buy?")
    query = bot.press(answer, buttons(answer)["👎"])
    await until(lambda: bot.answered(query))
    await until_report(db)  # the 👎 (about no entry: a decline)
    (done,) = await chat.say("/forget")
    assert done["text"].startswith("Done: I deleted everything stored about you")
    stats = await db.stats()
    assert (stats.asked, stats.votes) == (0, ())
    assert (await db.report_rows()).negative == ()
    # The context went too: a follow-up no longer knows what "it" was.
    await chat.say("florida international university")
    (before,) = await chat.say("how long is it?")
    assert before["text"].startswith("Duration at FIU")
    await chat.say("/forget")
    (after,) = await chat.say("how long is it?")
    assert "FIU" not in after["text"]


async def test_stats_for_admins_groups_unanswered_questions_by_meaning(
    bot: FakeTelegram, db: SqlStore
) -> None:
    admin, user = Conversation(bot, ADMIN), Conversation(bot, 77)
    for text in (
        "which laptop should I buy?",
        "what laptop is best for students",
        "best laptop for med school?",
        "how do I cook rice",
    ):
        await user.say(text)
    await until_stats(db, lambda s: s.asked == 4)
    (refused,) = await user.say("/stats")
    assert refused["text"].startswith("Sorry")
    (stats,) = await admin.say("/stats")
    text = stats["text"]
    assert "Questions: 4 · answered 0%" in text
    lines = text.split("\n")
    top = lines[lines.index("Top unanswered (grouped by meaning)") + 1]
    assert "laptop" in top and "×3, 3 wordings" in top
    assert any("cook rice" in line and "×1" in line for line in lines)


async def test_imgbot_report_lists_an_unanswered_question_after_a_restart(
    fake: FakeTelegram, real_engine: AnswerEngine
) -> None:
    async with running(build_application(settings_for(fake), real_engine)):
        await Conversation(fake).say("is there an externship for dentists in Ohio?")
    async with running(build_application(settings_for(fake), real_engine)):  # restarted
        await Conversation(fake).say("hello")
    out = subprocess.run(
        [sys.executable, "-m", "knowledge.tools.cli", "report"],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
        check=True,
    )
    listed = [row["text"] for row in yaml.safe_load(out.stdout)["unanswered"]]
    assert listed == ["is there an externship for dentists in Ohio?"]


async def test_purge_runs_at_start_and_again_after_a_failure() -> None:
    class Store:
        """Fails its first purge, as a database not yet reached would."""

        calls = 0

        async def purge(self) -> int:
            Store.calls += 1
            if Store.calls == 1:
                raise StoreUnavailable("purge: not connected")
            return 3

    every = timedelta(seconds=0.01)
    task = asyncio.create_task(privacy.purge_periodically(Store(), every))  # type: ignore[arg-type]
    await until(lambda: Store.calls >= 3)
    task.cancel()


async def until_stats(db: SqlStore, ok: Callable[[Stats], object]) -> Stats:
    """The stats once `ok(stats)` holds: the bot writes after sending its reply."""
    for _ in range(300):
        found = await db.stats()
        if ok(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"stats never matched: {found}")


async def until_report(db: SqlStore) -> Report:
    for _ in range(300):
        report = await db.report_rows()
        if report.negative:
            return report
        await asyncio.sleep(0.05)
    raise AssertionError("no report stored")


async def test_with_the_database_down_answers_context_and_buttons_still_work(
    fake: FakeTelegram, real_engine: AnswerEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://imgbot@127.0.0.1:{free_port()}/imgbot")
    monkeypatch.setenv("IMGBOT_STORE_TIMEOUT", "0.2")
    async with running(build_application(settings_for(fake), real_engine)):
        chat = Conversation(fake)
        (card,) = await chat.say("florida international university")
        (follow,) = await chat.say("how long is it?")  # the context, from this process's memory
        assert follow["text"].startswith("Duration at FIU")
        query = fake.press(card, buttons(card)["👍"])  # queued for the database, then dropped
        await until(lambda: fake.answered(query))
        (forget,) = await chat.say("/forget")
        assert forget["text"] == privacy.FORGET_LATER


async def test_program_lookups_are_rated_and_a_name_we_lack_is_logged(
    bot: FakeTelegram, db: SqlStore
) -> None:
    chat = Conversation(bot)
    (card,) = await chat.say("/program fiu")
    assert list(buttons(card))[-3:] == list(FEEDBACK)
    (missing,) = await chat.say("/program mayo clinic")
    assert missing["text"].startswith("No program matches") and "👎" in buttons(missing)
    stats = await until_stats(db, lambda s: s.asked == 2)
    assert (stats.answered, stats.unanswered) == (1, 1)
    (row,) = (await db.report_rows()).unanswered
    assert (row.text, row.mode, row.candidates) == ("/program mayo clinic", "program_lookup", ())


async def test_an_entry_opened_from_a_button_is_rated_too(bot: FakeTelegram, db: SqlStore) -> None:
    chat = Conversation(bot)
    (faq,) = await chat.say("/faq")
    (group,) = await chat.press(faq, buttons(faq)["Applying & costs"])
    (cost,) = await chat.press(group, buttons(group)["Cost"])
    assert cost["text"].startswith("Is there a cost")
    assert list(buttons(cost))[-3:] == list(FEEDBACK)
    for vote in ("👎", "👎", "👍"):  # again, then changed: one vote
        query = bot.press(cost, buttons(cost)[vote])
        await until(lambda q=query: bot.answered(q))
    stats = await until_stats(db, lambda s: s.votes and s.votes[0].up == 1)
    assert [(v.entry_id, v.up, v.down) for v in stats.votes] == [("cost", 1, 0)]
    assert stats.asked == 0  # an opened entry is not a question asked
