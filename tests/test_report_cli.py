"""`imgbot report`: the pure grouping, and the real command on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.answer.engine import Thresholds
from knowledge.store import (
    AnswerRef,
    NegativeFeedback,
    Outcome,
    Report,
    SqlStore,
    StoreSettings,
    UnansweredRow,
    Vote,
)
from knowledge.tools.report import (
    NEW_ENTRY_BELOW,
    NO_ENTRY,
    build,
    header,
    normalise,
    since_from,
    to_yaml,
)

IMGBOT = [sys.executable, "-m", "knowledge.tools.cli"]
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
PASSWORD = "s3cret-Pw"


def asked(text: str, *candidates: tuple[str, float], minutes: int = 0) -> UnansweredRow:
    return UnansweredRow(
        question_id=f"q{minutes}-{text[:8]}",
        asked_at=T0 + timedelta(minutes=minutes),
        text=text,
        mode="unknown",
        outcome=Outcome.UNANSWERED,
        candidates=candidates,
    )


def negative(
    kind: str, question: str, entry: str | None, message: str | None = None, minutes: int = 0
) -> NegativeFeedback:
    at = T0 + timedelta(minutes=minutes)
    return NegativeFeedback(kind, at, f"a{minutes}", question, "faq", entry, 0.7, message)


def plain(*rows: UnansweredRow, negatives: tuple[NegativeFeedback, ...] = ()) -> dict[str, Any]:
    return build(Report(rows, negatives), generated=NOW)


# -- the pure part -----------------------------------------------------------------------------


def test_threshold_is_the_engines_own() -> None:
    assert Thresholds().dense == NEW_ENTRY_BELOW


def test_unanswered_grouped_by_best_candidate_distinct_and_most_frequent_first() -> None:
    out = plain(
        asked("How much is the fee?", ("faq-cost", 0.62), ("faq-visa", 0.5), minutes=1),
        asked("  how MUCH is the   fee? ", ("faq-cost", 0.58), minutes=2),
        asked("How much is the fee?", ("faq-cost", 0.6), minutes=3),
        asked("is it paid", ("faq-cost", 0.5), minutes=4),
        # The best candidate is the highest score, wherever it stands in the list.
        asked("visa needed?", ("faq-cost", 0.46), ("faq-visa", 0.8), minutes=5),
        asked("Visa Needed?", ("faq-visa", 0.7), minutes=6),
        asked("b1 visa ok", ("faq-visa", 0.9), minutes=7),
    )
    assert list(out["phrasings"]) == ["faq-cost", "faq-visa"]  # 4 questions before 3
    assert out["phrasings"]["faq-cost"] == [
        {"text": "How much is the fee?", "count": 3, "score": 0.62},
        {"text": "is it paid", "count": 1, "score": 0.5},
    ]
    assert out["phrasings"]["faq-visa"] == [
        {"text": "visa needed?", "count": 2, "score": 0.8},  # a tie: the first spelling
        {"text": "b1 visa ok", "count": 1, "score": 0.9},
    ]
    assert out["new_entries"] == []
    assert normalise("  How MUCH\tis  the fee? ") == "how much is the fee?"


def test_no_candidate_or_a_low_best_score_becomes_a_new_entry() -> None:
    low = NEW_ENTRY_BELOW
    out = plain(
        asked("externship in Ohio?", ("p-ohio", low - 0.04), ("p-oh", 0.3), minutes=1),
        asked("Externship in Ohio?", minutes=2),
        asked("parking at the hospital", minutes=3),
        asked("exactly on the bar", ("faq-x", low), minutes=4),
    )
    assert out["new_entries"] == [
        {"text": "externship in Ohio?", "count": 2, "nearest": "p-ohio", "score": 0.41},
        {"text": "parking at the hospital", "count": 1, "nearest": None, "score": None},
    ]
    assert out["phrasings"] == {"faq-x": [{"text": "exactly on the bar", "count": 1, "score": low}]}


def test_negative_feedback_grouped_by_entry_apart_from_phrasings() -> None:
    out = plain(
        negatives=(
            negative("down", "Do I need a visa?", "faq-visa", minutes=1),
            negative("down", "do i need a visa?", "faq-visa", minutes=2),
            negative("report", "", "faq-visa", "Дедлайн — март, не май 👎", minutes=3),
            negative("down", "cost of Mayo", "p-mayo", minutes=4),
            negative("report", "", None, "the list is out of date", minutes=5),
        )
    )
    assert out["phrasings"] == {} and out["new_entries"] == []
    assert out["disputed"] == {
        "faq-visa": {
            "down": 2,
            "reported": 1,
            "questions": [{"text": "Do I need a visa?", "count": 2}],
            "messages": [{"text": "Дедлайн — март, не май 👎", "count": 1}],
        },
        NO_ENTRY: {
            "down": 0,
            "reported": 1,
            "questions": [],
            "messages": [{"text": "the list is out of date", "count": 1}],
        },
        "p-mayo": {
            "down": 1,
            "reported": 0,
            "questions": [{"text": "cost of Mayo", "count": 1}],
            "messages": [],
        },
    }
    assert out["totals"] == {"unanswered": 0, "down": 3, "reported": 2}


def test_keys_in_reading_order_with_the_raw_rows_last() -> None:
    report = Report((asked("visa?", ("faq-visa", 0.5)),), (negative("down", "visa?", "faq-visa"),))
    out = build(report, generated=NOW, since=T0)
    assert list(out) == [
        "generated",
        "since",
        "totals",
        "phrasings",
        "new_entries",
        "disputed",
        "unanswered",
        "negative",
    ]
    assert (out["generated"], out["since"]) == (NOW.isoformat(), T0.isoformat())
    assert out["unanswered"] == report.to_plain()["unanswered"]
    assert out["negative"] == report.to_plain()["negative"]


def test_yaml_is_block_style_keeps_unicode_and_says_what_it_is() -> None:
    report = Report(
        (asked("¿Necesito visa? 🙏", ("faq-visa", 0.5), ("faq-b1", 0.4)),),
        (negative("report", "", "faq-visa", "Дедлайн — март 👎"),),
    )
    out = build(report, generated=NOW, since=T0)
    text = to_yaml(out, header(NOW, T0))
    first = text.splitlines()[0]
    assert first.startswith("# imgbot report: unanswered questions and negative feedback")
    assert "# Generated 2025-03-02 12:00 UTC; covers since 2025-03-01 12:00 UTC." in text
    assert "\\u" not in text and "\\U" not in text
    assert "¿Necesito visa? 🙏" in text and "Дедлайн — март 👎" in text
    assert "- [faq-visa, 0.5]" in text  # a candidate pair on one line; the rest block style
    assert "{" not in text
    assert yaml.safe_load(text) == out


def test_since_from_a_day_or_a_number_of_days() -> None:
    assert since_from(date(2025, 3, 1), None, NOW) == datetime(2025, 3, 1, tzinfo=UTC)
    assert since_from(None, 7, NOW) == NOW - timedelta(days=7)
    assert since_from(None, None, NOW) is None


# -- the real command --------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "IMGBOT_STATE_DIR")}
    return subprocess.run(
        [*IMGBOT, "report", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**base, "HF_HUB_OFFLINE": "1", **env},
        timeout=120,
    )


def backend_env(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {"IMGBOT_STATE_DIR": str(tmp_path / "state")}
    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        env["DATABASE_URL"] = server.create_database()
    return env


async def populate(settings: StoreSettings) -> None:
    store = await SqlStore.open(settings)
    try:
        await store.record_question(
            1, "Externship in Ohio?", "unknown", Outcome.UNANSWERED, [("p-ohio", 0.3)]
        )
        await store.record_question(
            2, "externship  in ohio?", "unknown", Outcome.UNANSWERED, [("p-ohio", 0.32)]
        )
        await store.record_question(
            3, "visa or not", "choices", Outcome.LOW_CONFIDENCE, [("faq-visa", 0.61)]
        )
        await store.record_question(4, "Mayo Clinic", "program", Outcome.ANSWERED, [("p", 0.9)])
        visa = AnswerRef("a1", "Do I need a visa? ✈️", "faq", "faq-visa", 0.71)
        await store.record_feedback(5, visa, Vote.DOWN)
        await store.record_report(6, visa, "Дедлайн — март, не май")
    finally:
        await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_report_command_end_to_end(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    env = backend_env(backend, request, tmp_path)
    await populate(StoreSettings.from_env(env))

    proc = run_cli("--days", "7", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = yaml.safe_load(proc.stdout)
    assert proc.stdout.startswith("# imgbot report:")
    assert [u["text"] for u in out["unanswered"]] == [
        "Externship in Ohio?",
        "externship  in ohio?",
        "visa or not",
    ]
    assert out["unanswered"][0]["candidates"] == [["p-ohio", 0.3]]
    assert out["new_entries"] == [
        {"text": "Externship in Ohio?", "count": 2, "nearest": "p-ohio", "score": 0.32}
    ]
    assert out["phrasings"] == {"faq-visa": [{"text": "visa or not", "count": 1, "score": 0.61}]}
    assert [(n["kind"], n["question"], n["entry_id"]) for n in out["negative"]] == [
        ("down", "Do I need a visa? ✈️", "faq-visa"),
        ("report", "Do I need a visa? ✈️", "faq-visa"),
    ]
    assert out["disputed"]["faq-visa"]["down"] == 1
    assert out["disputed"]["faq-visa"]["messages"] == [
        {"text": "Дедлайн — март, не май", "count": 1}
    ]
    assert "Дедлайн — март" in proc.stdout and "✈️" in proc.stdout

    # --out writes the same report to a file; a period after everything reports nothing.
    target = tmp_path / "report.yaml"
    written = run_cli("--out", str(target), env=env)
    assert written.returncode == 0 and written.stdout == ""
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["totals"] == {
        "unanswered": 3,
        "down": 1,
        "reported": 1,
    }
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = yaml.safe_load(run_cli("--since", tomorrow, env=env).stdout)
    assert later["since"] == f"{tomorrow}T00:00:00+00:00"
    assert later["unanswered"] == [] and later["negative"] == []


def test_no_database_yet_gives_an_empty_report_and_creates_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = run_cli(env={"IMGBOT_STATE_DIR": str(state)})
    assert proc.returncode == 0
    assert proc.stderr.strip().splitlines() == [
        f"imgbot: no database yet at {state / 'imgbot.sqlite3'}: nothing recorded, empty report"
    ]
    out = yaml.safe_load(proc.stdout)
    assert out["unanswered"] == [] and out["negative"] == []
    assert out["phrasings"] == {} and out["new_entries"] == [] and out["disputed"] == {}
    assert not state.exists()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_database_one_line_exit_1_no_password(tmp_path: Path) -> None:
    earlier = tmp_path / "report.yaml"
    earlier.write_text("an earlier report\n")
    url = f"postgresql://imgbot:{PASSWORD}@127.0.0.1:{closed_port()}/imgbot"
    proc = run_cli("--out", str(earlier), env={"DATABASE_URL": url})
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("imgbot: error: cannot read postgresql+asyncpg://imgbot:***@127")
    assert "Traceback" not in proc.stderr
    assert PASSWORD not in proc.stderr + proc.stdout
    assert earlier.read_text() == "an earlier report\n"  # not truncated by the failed run


def test_invalid_database_url_is_named_without_echoing_it() -> None:
    proc = run_cli(env={"DATABASE_URL": f"mysql://imgbot:{PASSWORD}@db/imgbot"})
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "imgbot: error: DATABASE_URL is not a postgresql:// URL "
        "(libpq form: postgresql://user:password@host:port/database)"
    ]
    assert PASSWORD not in proc.stderr + proc.stdout


def test_since_and_days_are_exclusive(tmp_path: Path) -> None:
    proc = run_cli("--since", "2025-03-01", "--days", "3", env={"IMGBOT_STATE_DIR": str(tmp_path)})
    assert proc.returncode == 2 and "not allowed with" in proc.stderr
