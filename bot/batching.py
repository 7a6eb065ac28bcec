"""Answering questions that arrive together in one batch: one model call instead of many.

A batch runs while the next one gathers, so a lone question is answered at once (a batch of
one) and a burst is answered in batches as large as the queue. There is no timer to wait on.

Every question's future is settled, whatever happens: a batch that fails is answered again one
question at a time, so one bad question fails alone; whatever ends the worker itself (a bug, or
a cancellation) reaches every question it held or that waited behind it. Nobody waits forever,
and stopping the bot never hangs on an answer that will not come.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer, Context

logger = logging.getLogger(__name__)

MAX_BATCH = 32
Answered = tuple[Answer, AnswerEngine]  # an answer and the engine (the knowledge) that gave it
Asked = tuple[str, Context | None]  # a question and its conversation's context
_Question = tuple[Asked, "asyncio.Future[Answered]"]


class BatcherClosed(RuntimeError):
    """The batcher was closed (the bot is stopping): no more questions are taken."""


class AnswerBatcher:
    """One batch at a time, on `executor`. Single-threaded use (the event loop)."""

    def __init__(
        self,
        engine: Callable[[], AnswerEngine],
        executor: Executor,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._engine = engine  # looked up per batch, so a reload takes effect at once
        self._executor = executor
        self._max_batch = max_batch
        self._pending: list[_Question] = []
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    async def answer(self, question: str, context: Context | None = None) -> Answer:
        answer, _ = await self.answer_with_engine(question, context)
        return answer

    async def answer_with_engine(self, question: str, context: Context | None = None) -> Answered:
        """The answer, with the engine that gave it: present the answer with that engine's
        knowledge, so a reload between answering and presenting cannot mix two versions."""
        if self._closed:
            raise BatcherClosed("the bot is stopping; the question was not answered")
        future: asyncio.Future[Answered] = asyncio.get_running_loop().create_future()
        self._pending.append(((question, context), future))
        if self._worker is None or self._worker.done():
            self._start_worker()
        return await future  # a cancelled waiter cancels its future: its batch skips it

    async def close(self) -> None:
        """Take no more questions; cancel the worker and whatever still waits. Never blocks on
        the engine: a batch still running in its thread is abandoned, not awaited."""
        self._closed = True
        worker = self._worker
        if worker is not None and not worker.done():
            worker.cancel()
            await asyncio.wait([worker])
        stranded, self._pending = self._pending, []
        for _, future in stranded:
            future.cancel()

    # -- the worker ------------------------------------------------------------------------------

    def _start_worker(self) -> None:
        held: list[_Question] = []  # the batch the worker is answering, for its supervisor
        worker = asyncio.create_task(self._drain(held), name="answer-batcher")
        worker.add_done_callback(functools.partial(self._worker_done, held))
        self._worker = worker

    async def _drain(self, held: list[_Question]) -> None:
        while self._pending:
            taken = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            held[:] = [(q, f) for q, f in taken if not f.done()]
            if held:
                await self._answer(held)
            held.clear()

    def _worker_done(self, held: list[_Question], worker: asyncio.Task[None]) -> None:
        """Supervision: settle every future the ended worker leaves behind."""
        stranded = list(held)
        if self._worker is worker:  # no newer worker has taken over the queue
            stranded += self._pending
            self._pending = []
        if worker.cancelled():
            for _, future in stranded:
                future.cancel()
            return
        error = worker.exception()
        if error is None:
            if stranded and not self._closed:  # not expected: hand them to a fresh worker
                self._pending = stranded + self._pending
                self._start_worker()
            return
        logger.error("the answer batcher stopped", exc_info=error)
        for _, future in stranded:
            _settle(future, error)

    async def _answer(self, batch: list[_Question]) -> None:
        questions = [q for q, _ in batch]
        try:
            engine = self._engine()
            outcomes = await self._outcomes(engine, questions)
        except Exception as exc:  # no engine, or the executor refused work (shut down)
            for _, future in batch:
                _settle(future, exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome if isinstance(outcome, Exception) else (outcome, engine))

    async def _outcomes(
        self, engine: AnswerEngine, questions: list[Asked]
    ) -> Sequence[Answer | Exception]:
        """One answer or one error per question; a failed batch is retried one by one, so one
        question that breaks the engine does not take the rest of its batch down with it."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, _answer_all, engine, questions)
        except Exception as exc:
            if len(questions) == 1:
                return [exc]
            logger.warning(
                "a batch of %d questions failed (%s); answering them one by one",
                len(questions),
                type(exc).__name__,
            )
            return await loop.run_in_executor(self._executor, _one_by_one, engine, questions)


def _answer_all(engine: AnswerEngine, questions: list[Asked]) -> list[Answer]:
    answers = engine.answer_many([q for q, _ in questions], [c for _, c in questions])
    if len(answers) != len(questions):
        raise RuntimeError(f"the engine gave {len(answers)} answers to {len(questions)} questions")
    return answers


def _one_by_one(engine: AnswerEngine, questions: list[Asked]) -> list[Answer | Exception]:
    """Each question alone, its own failure kept as its outcome (in an engine thread)."""
    outcomes: list[Answer | Exception] = []
    for question in questions:
        try:
            outcomes.append(_answer_all(engine, [question])[0])
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _settle(future: asyncio.Future[Answered], outcome: Answered | BaseException) -> None:
    if future.done():  # its waiter gave up
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
