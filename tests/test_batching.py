"""The answer batcher: every waiting question is settled, whatever the engine or the worker does,
and one bad question fails alone. No model: the fake encoder's engine, wrapped."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot import handlers, keys
from bot.app import build_application
from bot.batching import MAX_BATCH, AnswerBatcher, BatcherClosed
from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer, Context
from tests.fake_telegram import FakeTelegram
from tests.harness import running, settings_for


class Scripted:
    """The engine, with faults: a question containing `poison` breaks any batch holding it;
    `drop_one` returns one answer too few; `hold` keeps the engine thread busy until set."""

    def __init__(
        self,
        engine: AnswerEngine,
        *,
        poison: str | None = None,
        drop_one: bool = False,
        hold: threading.Event | None = None,
    ) -> None:
        self._engine, self.poison, self.drop_one, self.hold = engine, poison, drop_one, hold
        self.batches: list[list[str]] = []
        self.started = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def answer_many(
        self, questions: list[str], contexts: list[Context | None] | None = None
    ) -> list[Answer]:
        self.batches.append(list(questions))
        self.started.set()
        if self.hold is not None:
            self.hold.wait(10)
        if self.poison and any(self.poison in q for q in questions):
            raise ValueError("the engine choked")
        answers = self._engine.answer_many(questions, contexts)
        return answers[:-1] if self.drop_one else answers


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(2)
    yield pool
    pool.shutdown(wait=False, cancel_futures=True)


def batcher_for(engine: Scripted, executor: ThreadPoolExecutor) -> AnswerBatcher:
    return AnswerBatcher(lambda: engine, executor)  # type: ignore[arg-type, return-value]


async def ask_all(batcher: AnswerBatcher, questions: list[str], timeout: float = 10) -> list[Any]:
    """Every question asked before the worker runs (so they share batches); their outcomes."""
    tasks = [asyncio.create_task(batcher.answer(q)) for q in questions]
    done = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout)
    return list(done)


async def test_one_failing_question_fails_alone(
    fake_engine: AnswerEngine, executor: ThreadPoolExecutor
) -> None:
    engine = Scripted(fake_engine, poison="boom")
    questions = ["visa", "how do I apply", "boom", "cost", "florida"]
    outcomes = await ask_all(batcher_for(engine, executor), questions)
    assert engine.batches[0] == questions  # one batch, then each question alone
    assert isinstance(outcomes[2], ValueError)
    for question, outcome in zip(questions, outcomes, strict=True):
        if question != "boom":
            assert isinstance(outcome, Answer) and outcome.question == question


async def test_an_engine_giving_too_few_answers_settles_every_question(
    fake_engine: AnswerEngine, executor: ThreadPoolExecutor
) -> None:
    """A fault outside the engine call itself (the answers do not match the questions) used to
    kill the worker with every question of the batch still waiting."""
    outcomes = await ask_all(
        batcher_for(Scripted(fake_engine, drop_one=True), executor), ["visa", "cost", "fiu"]
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)


async def test_cancelling_the_worker_reaches_every_waiter(
    fake_engine: AnswerEngine, executor: ThreadPoolExecutor
) -> None:
    hold = threading.Event()
    engine = Scripted(fake_engine, hold=hold)
    batcher = batcher_for(engine, executor)
    try:
        tasks = [asyncio.create_task(batcher.answer(q)) for q in ("visa", "cost", "fiu")]
        await asyncio.to_thread(engine.started.wait, 10)
        late = asyncio.create_task(batcher.answer("waits behind the running batch"))
        await asyncio.sleep(0)
        assert batcher._worker is not None
        batcher._worker.cancel()
        outcomes = await asyncio.wait_for(asyncio.gather(*tasks, late, return_exceptions=True), 5)
    finally:
        hold.set()
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)


async def test_close_never_waits_for_a_stuck_engine(
    fake_engine: AnswerEngine, executor: ThreadPoolExecutor
) -> None:
    hold = threading.Event()
    engine = Scripted(fake_engine, hold=hold)
    batcher = batcher_for(engine, executor)
    try:
        task = asyncio.create_task(batcher.answer("visa"))
        await asyncio.to_thread(engine.started.wait, 10)
        await asyncio.wait_for(batcher.close(), 2)
        (outcome,) = await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 2)
        assert isinstance(outcome, asyncio.CancelledError)
        with pytest.raises(BatcherClosed):
            await batcher.answer("after closing")
    finally:
        hold.set()


async def test_a_burst_is_answered_in_batches_of_at_most_max_batch(
    fake_engine: AnswerEngine, executor: ThreadPoolExecutor
) -> None:
    engine = Scripted(fake_engine)
    questions = [f"visa question {i}" for i in range(2 * MAX_BATCH + 5)]
    outcomes = await ask_all(batcher_for(engine, executor), questions)
    assert [len(b) for b in engine.batches] == [MAX_BATCH, MAX_BATCH, 5]
    assert [o.question for o in outcomes] == questions


async def test_a_waiter_that_gave_up_is_not_answered(
    fake_engine: AnswerEngine, executor: ThreadPoolExecutor
) -> None:
    hold = threading.Event()
    engine = Scripted(fake_engine, hold=hold)
    batcher = batcher_for(engine, executor)
    first = asyncio.create_task(batcher.answer("visa"))
    await asyncio.to_thread(engine.started.wait, 10)
    gone = asyncio.create_task(batcher.answer("never mind"))
    kept = asyncio.create_task(batcher.answer("cost"))
    await asyncio.sleep(0)
    gone.cancel()
    hold.set()
    await asyncio.wait_for(asyncio.gather(first, kept), 10)
    assert engine.batches == [["visa"], ["cost"]]


async def test_the_bot_still_replies_and_stops_when_the_engine_misbehaves(
    fake: FakeTelegram, fake_engine: AnswerEngine
) -> None:
    """The whole application: a batch that ends the old worker must neither leave the user
    without a reply nor keep the application from stopping (it waits for every handler)."""
    app = build_application(settings_for(fake), fake_engine)
    app.bot_data[keys.ENGINE] = Scripted(fake_engine, drop_one=True)

    async def converse() -> list[dict[str, Any]]:
        async with running(app):
            fake.message(601, "visa")
            fake.message(602, "how do I apply")
            await asyncio.to_thread(fake.wait_for, lambda: fake.sent(601) and fake.sent(602))
        return fake.sent(601) + fake.sent(602)

    sent = await asyncio.wait_for(converse(), 60)
    assert [m["text"] for m in sent] == [handlers.FAILED, handlers.FAILED]
