"""Answering questions that arrive together in one batch: one model call instead of many.

A batch runs while the next one gathers, so a lone question is answered at once (a batch of
one) and a burst is answered in batches as large as the queue. There is no timer to wait on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor

from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer

MAX_BATCH = 32


class AnswerBatcher:
    def __init__(self, engine: Callable[[], AnswerEngine], executor: Executor) -> None:
        self._engine = engine  # looked up per batch, so a reload takes effect at once
        self._executor = executor
        self._pending: list[tuple[str, asyncio.Future[Answer]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def answer(self, question: str) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending.append((question, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            questions = [q for q, _ in batch]
            try:
                answers = await loop.run_in_executor(
                    self._executor, self._engine().answer_many, questions
                )
            except Exception as exc:  # every waiting handler reports it through on_error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
