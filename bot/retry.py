"""Retrying Bot API calls: a request object that retries transient failures of every method.

Why not PTB's AIORateLimiter: it pauses *all* requests on any RetryAfter and retries nothing by
default, so one chat's 429 would stall every other chat. Here a 429 delays only the request that
got it, by exactly what Telegram asked; 5xx answers, timeouts and dropped connections are retried
with bounded exponential backoff. A 400 (our mistake) is never retried. getUpdates is left to
PTB's own polling loop, which already backs off and recovers.

A reply lost after the request went out (a read timeout, a connection closed before the answer)
leaves the call's fate unknown: Telegram may have carried it out. Telegram has no idempotency
key, so the call is sent again anyway: a rare duplicate message is better than a lost answer.
Where Telegram refuses to repeat what it already did (an edit that changes nothing, a callback
query answered twice), that refusal after a lost reply is the first attempt's success, not an
error for the user.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

import httpx
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

# What Telegram answers to a repeat of a call it has already carried out, by method.
ALREADY_DONE = {
    "editMessageText": "message is not modified",
    "editMessageReplyMarkup": "message is not modified",
    "answerCallbackQuery": "query is too old",
    "answerInlineQuery": "query is too old",
}
DONE = b'{"ok": true, "result": true}'
# httpx errors raised once the request was written: Telegram may have carried the call out.
_AFTER_SENDING = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


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
        maybe_done = False  # an earlier attempt's reply was lost: it may have been carried out
        while True:
            try:
                status, payload = await super().do_request(url, method, *args, **kwargs)
            except NetworkError as exc:  # timeouts and dropped connections
                lost = isinstance(exc.__cause__, _AFTER_SENDING)
                maybe_done = maybe_done or lost
                if retry >= self.policy.retries:
                    raise
                delay, reason = self.policy.backoff(retry + 1), f"{type(exc).__name__}: {exc}"
                if lost:
                    reason += "; the reply was lost, so a retry may repeat the call"
            else:
                if maybe_done and _already_done(name, status, payload):
                    logger.warning("%s: a lost reply's call had been carried out", name)
                    return 200, DONE
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


def _already_done(name: str, status: int, payload: bytes) -> bool:
    marker = ALREADY_DONE.get(name)
    if status != 400 or marker is None:
        return False
    try:
        description = str(json.loads(payload).get("description", ""))
    except (ValueError, AttributeError):
        return False
    return marker in description.lower()


def _retry_after(status: int, payload: bytes) -> float | None:
    if status != 429:
        return None
    try:
        value = json.loads(payload)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) else None
