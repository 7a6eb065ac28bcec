"""What a conversation remembers between messages, kept in the store so that every worker
shares it: the chat's context (last program, topic and list; a report being written) and the
flood-control counters. A store that is not connected falls back to this process's memory."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from telegram.ext import ContextTypes

from bot import keys
from bot.flood import FloodGate, Verdict
from knowledge.answer.model import Context
from knowledge.store import SafeStore

# "How long is it?" an hour later is a new question: the context expires.
CONTEXT_TTL = timedelta(minutes=30)
MEMORY = "context"  # chat_data key of the fallback copy


@dataclass(frozen=True)
class ChatState:
    """A chat's context, and the answer whose mistake report the chat was asked to write."""

    context: Context = field(default_factory=Context)
    reporting: str | None = None  # an answer id

    def to_plain(self) -> dict[str, object]:
        c = self.context
        return {
            "program": c.program,
            "topic": c.topic,
            "programs": list(c.programs),
            "reporting": self.reporting,
        }

    @classmethod
    def from_plain(cls, data: dict[str, object]) -> ChatState:
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        listed = data.get("programs")
        listed = listed if isinstance(listed, list) else []
        programs = tuple(p for p in listed if isinstance(p, str))
        return cls(Context(text("program"), text("topic"), programs), text("reporting"))


def store_of(context: ContextTypes.DEFAULT_TYPE) -> SafeStore | None:
    """The store, once post_init has opened it (None before, e.g. in handler unit tests)."""
    store: SafeStore | None = context.bot_data.get(keys.STORE)
    return store


async def load(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> ChatState:
    """The chat's state: from the store when it is connected, else from this process."""
    store = store_of(context)
    if store is not None and store.connected:
        found = await store.get_context(str(chat_id))
        return ChatState.from_plain(found) if found else ChatState()
    kept = context.chat_data.get(MEMORY) if context.chat_data is not None else None
    if kept is None or time.monotonic() - kept[0] > CONTEXT_TTL.total_seconds():
        return ChatState()
    state: ChatState = kept[1]
    return state


async def save(context: ContextTypes.DEFAULT_TYPE, chat_id: int, state: ChatState) -> None:
    """Keep the chat's state in both places, so that a store going down loses only what it had
    been the only one to see."""
    if context.chat_data is not None:
        context.chat_data[MEMORY] = (time.monotonic(), state)
    store = store_of(context)
    if store is not None and store.connected:
        await store.set_context(str(chat_id), state.to_plain(), CONTEXT_TTL)


def drop_local(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget this process's copy (after /forget)."""
    if context.chat_data is not None:
        context.chat_data.pop(MEMORY, None)


async def over_limit(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Verdict:
    """Count one message, press or inline query against the user's limit: in the store when it
    is connected (every worker then counts together), else in this process."""
    gate: FloodGate = context.bot_data[keys.FLOOD]
    store = store_of(context)
    if store is not None and store.connected:
        count = await store.hit(str(user_id), gate.window, gate.limit)
        if count:  # 0: the call failed; count here instead
            return verdict(count, gate.limit)
    return gate.check(user_id)


def verdict(count: int, limit: int) -> Verdict:
    """The store's count grows by at most one a hit (see FloodWindow): the first over the limit
    is told, the rest dropped."""
    if count <= limit:
        return Verdict.ALLOW
    return Verdict.WARN if count == limit + 1 else Verdict.DROP
