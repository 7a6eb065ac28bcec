"""Property-based tests: odd and hostile input never crashes, and everything sent is valid."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import views
from bot.app import build_application
from knowledge.answer.engine import AnswerEngine
from knowledge.present.replies import Presenter
from tests.fake_telegram import PHOTO, STICKER, FakeTelegram, check_keyboard, check_message_text
from tests.harness import running, settings_for

ODD = [
    "",
    " ",
    "\n\n\t",
    "\u200b\u200c\u200d\ufeff",
    "\u202e\u202d tsop",
    "مرحبا، كيف أتقدم؟",
    "שלום",
    "😀🙏🏽👩‍⚕️",
    "\x00\x01\x1b[31m",
    "<b>",
    "</i>",
    "&amp;&",
    "<script>alert(1)</script>",
    "**bold** _it_ `code` [x](http://e.org)",
    "a" * 5000,
    "visa " * 1000,
    "%s %d {0} {}",
    "'; DROP TABLE programs; --",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
texts = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=4000, max_size=6000),
    st.lists(
        st.sampled_from(["jhu", "visa", "florida", "<b>", "&", "hi", "\u200f", "😀"]), max_size=30
    ).map(" ".join),
)


def keyboard_dict(markup: Any) -> dict[str, Any] | None:
    return markup.to_dict() if markup is not None else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_engine_and_rendering_accept_anything(fake_engine: AnswerEngine, text: str) -> None:
    answer = fake_engine.answer(text)
    assert answer.question == text
    reply = Presenter(fake_engine.kb, views.HTML).reply(answer)
    assert reply.text.strip()
    for part in views.split_message(reply.text):
        check_message_text(part, "HTML")
    check_keyboard(keyboard_dict(views.keyboard(reply.rows)))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_callback_data_parses_or_is_refused(data: str) -> None:
    parsed = views.parse_callback(data)
    # Only data the bot could have issued is accepted: it is exactly what the value encodes to.
    assert parsed is None or views.encode(parsed) == data


callbacks = st.one_of(
    st.builds(views.OpenEntry, st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True), st.booleans()),
    st.builds(views.Similar, st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)),
    st.builds(views.Related, st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)),
    st.builds(views.Page, st.integers(0, 9999), st.text(max_size=12), st.booleans()),
    st.just(views.Topics()),
    st.builds(views.Topics, st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)),
    st.builds(views.Details, st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)),
    st.builds(views.Example, st.integers(0, 9999)),
)


@settings(max_examples=200, deadline=None)
@given(callbacks)
def test_every_callback_the_bot_issues_fits_and_parses_back(data: views.Callback) -> None:
    encoded = views.encode(data)
    assert len(encoded.encode()) <= views.MAX_CALLBACK_BYTES
    assert views.parse_callback(encoded) == data


class LiveBot:
    """The real application in its own event loop thread, for synchronous property tests."""

    def __init__(self, fake: FakeTelegram, engine: AnswerEngine) -> None:
        self.fake = fake
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(engine),), daemon=True
        )

    async def _serve(self, engine: AnswerEngine) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with running(build_application(settings_for(self.fake), engine)):
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> LiveBot:
        self._thread.start()
        assert self._ready.wait(60)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop and self._stop
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture(scope="module")
def live(real_engine: AnswerEngine) -> Iterator[LiveBot]:
    fake = FakeTelegram().start()
    with LiveBot(fake, real_engine) as bot:
        yield bot
    fake.stop()


CHATS = iter(range(10_000, 1_000_000))
NON_TEXT = [
    STICKER,
    PHOTO,
    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
    {"document": {"file_id": "d", "file_unique_id": "d"}},
    {"location": {"latitude": 1.5, "longitude": 2.5}},
    {"contact": {"phone_number": "+1", "first_name": "X"}},
]


@pytest.mark.model
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(texts, st.sampled_from(NON_TEXT)))
def test_every_message_gets_exactly_one_valid_reply(
    live: LiveBot, message: str | dict[str, Any]
) -> None:
    chat = next(CHATS)
    if isinstance(message, str):
        live.fake.message(chat, message)
    else:
        live.fake.message(chat, extra=message)
    sent = live.fake.wait_sent(chat, 1, timeout=30)
    assert len(sent) == 1
    assert [c for c in live.fake.calls if c.status == 400] == []


@pytest.mark.model
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=64).filter(lambda d: len(d.encode()) <= 64))
def test_callback_data_never_issued_is_answered_once(live: LiveBot, data: str) -> None:
    chat = next(CHATS)
    live.fake.message(chat, "jhu")
    (card,) = live.fake.wait_sent(chat, 1)
    query_id = live.fake.press(card, data)
    live.fake.wait_for(lambda: live.fake.answered(query_id))
    assert live.fake.answered(query_id) == 1
    assert [c for c in live.fake.calls if c.status == 400] == []
