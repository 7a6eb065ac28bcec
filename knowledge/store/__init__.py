"""The persistence layer: feedback, question log, shared chat context and flood counters.

The bot uses `await open_store()` (a started SafeStore: never blocks an answer on the database)
and `await store.close()` at shutdown; admin tools may use `await SqlStore.open()` directly.
"""

from __future__ import annotations

from knowledge.store.base import (
    AnswerRef,
    Candidate,
    Clock,
    Context,
    EntryVotes,
    NegativeFeedback,
    Outcome,
    Report,
    Stats,
    Store,
    StoreUnavailable,
    UnansweredQuestion,
    UnansweredRow,
    Vote,
    new_id,
    utc_now,
)
from knowledge.store.safe import SafeStore
from knowledge.store.settings import StoreSettings
from knowledge.store.sql import SqlStore

__all__ = [
    "AnswerRef",
    "Candidate",
    "Clock",
    "Context",
    "EntryVotes",
    "NegativeFeedback",
    "Outcome",
    "Report",
    "SafeStore",
    "SqlStore",
    "Stats",
    "Store",
    "StoreSettings",
    "StoreUnavailable",
    "UnansweredQuestion",
    "UnansweredRow",
    "Vote",
    "new_id",
    "open_store",
    "utc_now",
]


async def open_store(settings: StoreSettings | None = None) -> SafeStore:
    """The bot's store from the environment (DATABASE_URL, IMGBOT_STATE_DIR, ...), started: it
    waits at most the per-call timeout for the database and otherwise connects in background."""
    store = SafeStore.from_settings(settings or StoreSettings.from_env())
    await store.start()
    return store
