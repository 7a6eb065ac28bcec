"""What users can erase and what erases itself: /forget, and the retention purge."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot import state
from bot.sending import send
from knowledge.store import SafeStore, StoreUnavailable

logger = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=24)  # rows pass the retention window by the day
RETRY_AFTER = timedelta(minutes=10)  # after a purge the database was not there for
FORGOTTEN = (
    "Done: I deleted everything stored about you ({n} records): your questions, votes, "
    "reports and this chat's context. Anything you send from now on is stored again as the "
    "/about page describes."
)
FORGET_LATER = (
    "I could not reach my database just now, so nothing was deleted yet. "
    "Please send /forget again in a minute."
)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete everything stored about the user."""
    message, user = update.effective_message, update.effective_user
    store = state.store_of(context)
    if message is None or user is None:
        return
    if store is None:
        await send(message, FORGET_LATER)
        return
    try:
        deleted = await store.forget(user.id)
    except StoreUnavailable:
        await send(message, FORGET_LATER)
        return
    if message.chat.id == user.id:  # a private chat: its context was the user's
        state.drop_local(context)
    await send(message, FORGOTTEN.format(n=deleted))


async def purge_periodically(store: SafeStore, every: timedelta = PURGE_EVERY) -> None:
    """Purge now, then once per `every`, until cancelled; a failed one is retried sooner."""
    while True:
        wait = every
        try:
            deleted = await store.purge()
            logger.info("store: purged %d rows past the retention window", deleted)
        except StoreUnavailable as exc:
            wait = min(every, RETRY_AFTER)
            logger.warning("store: purge skipped (%s); trying again in %s", exc, wait)
        await asyncio.sleep(wait.total_seconds())
