"""Retrying Bot API calls: a request object that retries transient failures of every method.

Why not PTB's AIORateLimiter: it pauses *all* requests on any RetryAfter and retries nothing by
default, so one chat's 429 would stall every other chat. Here a 429 delays only the request that
got it, by exactly what Telegram asked; 5xx answers, timeouts and dropped connections are retried
with bounded exponential backoff. A 400 (our mistake) is never retried. getUpdates is left to
PTB's own polling loop, which already backs off and recovers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # after the first attempt
    base_delay: float = 0.5  # seconds, doubled each retry, with jitter
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a longer wait asked by Telegram fails the call instead

    def backoff(self, retry: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return float(delay * random.uniform(0.8, 1.2))


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest whose every call is retried by `policy` (PTB's extension point is
    do_request: it returns status and payload, and PTB turns the final one into exceptions)."""

    def __init__(self, *args: Any, policy: RetryPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy or RetryPolicy()

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]  # never log the URL: it holds the token
        retry = 0
        while True:
            try:
                status, payload = await super().do_request(url, method, *args, **kwargs)
            except NetworkError as exc:  # timeouts and dropped connections
                if retry >= self.policy.retries:
                    raise
                delay, reason = self.policy.backoff(retry + 1), f"{type(exc).__name__}: {exc}"
            else:
                wait = _retry_after(status, payload)
                if status == 429 and wait is not None and wait <= self.policy.max_retry_after:
                    delay, reason = wait, f"429, retry after {wait:g} s"
                elif status >= 500:
                    delay, reason = self.policy.backoff(retry + 1), f"HTTP {status}"
                else:
                    return status, payload
                if retry >= self.policy.retries:
                    return status, payload
            retry += 1
            logger.warning("%s failed (%s); retry %d of %d in %.2f s", name, reason, retry,
                           self.policy.retries, delay)  # fmt: skip
            await asyncio.sleep(delay)


def _retry_after(status: int, payload: bytes) -> float | None:
    if status != 429:
        return None
    try:
        value = json.loads(payload)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) else None
