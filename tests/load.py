"""Load benchmark (numbers, not a test): a burst of questions through the fake Bot API.

    HF_HUB_OFFLINE=1 .venv/bin/python -m tests.load [--users 250] [--each 2]

All questions arrive at once; 1 in 40 sendMessage calls is answered 429 (retry_after 1), 1 in
29 answered 502, and 1 in 50 carried out with its reply lost (the connection closed before the
answer: the bot cannot know the message went out, and sends it again). Prints lost and
duplicated answers, drain time, answers per second and reply latency p50 and p99 (question
pushed to the first copy of its reply accepted). Counted once the bot has stopped, which waits
for every handler: no answer or duplicate can come later.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

import numpy as np

from bot import keys
from bot.app import build_application
from bot.settings import BotSettings
from knowledge.answer.build import build_engine
from knowledge.answer.settings import PROJECT_DIR, EngineSettings
from knowledge.tools.evaluation import load_cases
from tests.fake_telegram import TOKEN, Call, FakeTelegram, Faults
from tests.harness import running

# A throwaway store: no context, votes or flood counts from an earlier run, nothing in .data/.
os.environ.setdefault("IMGBOT_STATE_DIR", tempfile.mkdtemp(prefix="imgbot-state-"))


async def burst(users: int, each: int) -> None:
    questions = [c.q for c in load_cases(sorted((PROJECT_DIR / "tests" / "eval").glob("*.yaml")))]
    questions = [q for q in questions if len(q) > 3]
    fake = FakeTelegram().start()
    faults = (
        Faults()
        .every("sendMessage", 40, "429", retry_after=1)
        .every("sendMessage", 29, "502")
        .every("sendMessage", 50, "lost")
    )
    fake.fault = faults
    settings = BotSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
    )
    engine = build_engine(EngineSettings.from_env())
    chats = list(range(100_000, 100_000 + users))
    try:
        async with running(app := build_application(settings, engine)):
            await asyncio.sleep(0.5)  # polling has started
            pushed: dict[int, list[float]] = {c: [] for c in chats}
            start = time.monotonic()
            for round_ in range(each):
                for i, chat in enumerate(chats):
                    fake.message(chat, questions[(i * each + round_) % len(questions)])
                    pushed[chat].append(time.monotonic())
            expected = users * each
            deadline = start + 300
            while time.monotonic() < deadline:
                if sum(len(fake.sent(c)) for c in chats) >= expected:
                    break
                await asyncio.sleep(0.05)
            drain = time.monotonic() - start
    finally:
        fake.stop()
    sent = {c: [call for call in fake.calls
                if call.method == "sendMessage" and call.status == 200
                and int(call.params["chat_id"]) == c] for c in chats}  # fmt: skip
    firsts = {c: first_copies(calls) for c, calls in sent.items()}
    lost = sum(max(0, each - len(r)) for r in firsts.values())
    duplicated = sum(len(calls) - len(firsts[c]) for c, calls in sent.items())
    latencies = [
        (r.at - p) * 1000 for c in chats for p, r in zip(pushed[c], firsts[c], strict=False)
    ]
    injected = sum(rule.fired for rule in faults.rules)
    print(f"burst: {expected} questions from {users} users ({each} each), all at once")
    too_many, bad_gateway, lost_reply = (rule.fired for rule in faults.rules)
    print(
        f"faults injected: {too_many} x 429 (retry_after 1), {bad_gateway} x 502, "
        f"{lost_reply} x reply lost after sending ({injected})"
    )
    print(f"lost answers: {lost}   duplicated answers: {duplicated} ({lost_reply} replies lost)")
    print(f"drain time: {drain:.2f} s   answers per second: {(expected - lost) / drain:.1f}")
    p50, p99 = np.percentile(latencies, [50, 99])
    print(f"reply latency: p50 {p50:.0f} ms   p99 {p99:.0f} ms")
    store = app.bot_data[keys.STORE]  # closed by now: every queued write landed or was dropped
    print(f"store writes dropped (question logs, votes): {store.dropped}")


def first_copies(calls: list[Call]) -> list[Call]:
    """One chat's delivered messages without the re-sends of those whose reply was lost (the
    user saw the first copy: that is when the answer arrived)."""
    kept: list[Call] = []
    resent: list[str] = []  # texts whose next copy is a duplicate
    for call in sorted(calls, key=lambda c: c.at):
        text = call.params.get("text")
        if text in resent:
            resent.remove(text)
        else:
            kept.append(call)
        if call.reply_lost:  # its retry (even a retry's retry) is a copy of this text
            resent.append(text)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=250)
    parser.add_argument("--each", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(burst(args.users, args.each))


if __name__ == "__main__":
    main()
