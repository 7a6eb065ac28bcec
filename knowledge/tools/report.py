"""`imgbot report`: unanswered questions and negative feedback as YAML, for new FAQ entries.

The pure part (`build`: a `Report` to plain dicts and lists) needs no database; `run` opens the
store from the environment as the bot does, reads it once and writes the YAML.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from knowledge.answer.engine import Thresholds
from knowledge.store import Report, SqlStore, StoreSettings, StoreUnavailable
from knowledge.store.base import NegativeFeedback, UnansweredRow, utc_now

# The engine's own bar (cosine of the best entry) for presenting an answer. The stored candidate
# scores are the engine's fused scores (cosine plus non-negative BM25 and focus terms), so a
# question whose best fused score is below the bar was below it in cosine too: nothing in the
# knowledge base is close, so it needs a new entry rather than one more phrasing of an old one.
NEW_ENTRY_BELOW = Thresholds().dense
# Generous: a SQLite migration or a slow network, yet an answer rather than a silent hang.
OPEN_TIMEOUT = 30.0
# The `disputed` key for 👎 and reports that named no entry (e.g. /report before any answer).
NO_ENTRY = "(none)"
SCORE_DIGITS = 3


def normalise(text: str) -> str:
    """The key two question texts are "the same" under: case-folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


@dataclass
class _Distinct:
    """Occurrences of one normalised text: how often, its spellings, and its best candidate."""

    count: int = 0
    spellings: Counter[str] = field(default_factory=Counter)
    entry: str | None = None
    score: float | None = None

    def add(self, text: str, entry: str | None = None, score: float | None = None) -> None:
        self.count += 1
        self.spellings[" ".join(text.split())] += 1
        if score is not None and (self.score is None or score > self.score):
            self.entry, self.score = entry, score

    @property
    def text(self) -> str:
        # Counter.most_common keeps first-seen order among ties: the earliest spelling wins.
        return self.spellings.most_common(1)[0][0]


class _Tally:
    """Distinct texts in first-seen order; `items()` lists them most frequent first."""

    def __init__(self) -> None:
        self._seen: dict[str, _Distinct] = {}

    def add(self, text: str, entry: str | None = None, score: float | None = None) -> None:
        key = normalise(text)
        if key:  # a report sent with /report alone has no question text
            self._seen.setdefault(key, _Distinct()).add(text, entry, score)

    @property
    def total(self) -> int:
        return sum(d.count for d in self._seen.values())

    def ordered(self) -> list[_Distinct]:
        return sorted(self._seen.values(), key=lambda d: (-d.count, normalise(d.text)))

    def items(self) -> list[dict[str, object]]:
        return [{"text": d.text, "count": d.count} for d in self.ordered()]


def best_candidate(row: UnansweredRow) -> tuple[str, float] | None:
    """The highest-scoring candidate (the first one on a tie), or None when there was none."""
    if not row.candidates:
        return None
    return max(row.candidates, key=lambda c: c[1])


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, SCORE_DIGITS)


def _phrasings_and_new(
    rows: Iterable[UnansweredRow], low: float
) -> tuple[dict[str, list[dict[str, object]]], list[dict[str, object]]]:
    by_entry: dict[str, _Tally] = {}
    new = _Tally()
    for row in rows:
        best = best_candidate(row)
        if best is None:
            new.add(row.text)
        elif best[1] < low:
            new.add(row.text, best[0], best[1])
        else:
            by_entry.setdefault(best[0], _Tally()).add(row.text, best[0], best[1])
    ranked = sorted(by_entry.items(), key=lambda kv: (-kv[1].total, kv[0]))
    phrasings: dict[str, list[dict[str, object]]] = {
        entry: [{"text": d.text, "count": d.count, "score": _score(d.score)} for d in t.ordered()]
        for entry, t in ranked
    }
    new_entries: list[dict[str, object]] = [
        {"text": d.text, "count": d.count, "nearest": d.entry, "score": _score(d.score)}
        for d in new.ordered()
    ]
    return phrasings, new_entries


@dataclass
class _Dispute:
    down: int = 0
    reported: int = 0
    questions: _Tally = field(default_factory=_Tally)
    messages: _Tally = field(default_factory=_Tally)


def _disputed(negative: Iterable[NegativeFeedback]) -> dict[str, dict[str, object]]:
    by_entry: dict[str, _Dispute] = {}
    for n in negative:
        dispute = by_entry.setdefault(n.entry_id or NO_ENTRY, _Dispute())
        if n.kind == "report":
            dispute.reported += 1
            dispute.messages.add(n.message or "")
        else:
            dispute.down += 1
        dispute.questions.add(n.question)
    ranked = sorted(by_entry.items(), key=lambda kv: (-(kv[1].down + kv[1].reported), kv[0]))
    return {
        entry: {
            "down": d.down,
            "reported": d.reported,
            "questions": d.questions.items(),
            "messages": d.messages.items(),
        }
        for entry, d in ranked
    }


def build(
    report: Report,
    *,
    generated: datetime,
    since: datetime | None = None,
    low: float = NEW_ENTRY_BELOW,
) -> dict[str, object]:
    """The report as plain dicts and lists (ready for `yaml.safe_dump`), in reading order:
    what to do first (phrasings, new entries, disputed entries), then the raw rows behind it.

    - phrasings: best candidate entry -> distinct unanswered texts scoring at least `low` on it;
    - new_entries: distinct unanswered texts with no candidate or a best score below `low`;
    - disputed: the entry shown -> its 👎 and reports, with their question texts and messages.
      Kept apart from `phrasings` on purpose: a 👎 says the entry shown was the wrong answer
      (or a wrong one), so its question must not be pasted under that entry's phrasings.

    Texts are distinct under `normalise`, most frequent first, each with its count.
    """
    phrasings, new_entries = _phrasings_and_new(report.unanswered, low)
    raw = report.to_plain()
    return {
        "generated": generated.astimezone(UTC).isoformat(timespec="seconds"),
        "since": None if since is None else since.astimezone(UTC).isoformat(timespec="seconds"),
        "totals": {
            "unanswered": len(report.unanswered),
            "down": sum(n.kind != "report" for n in report.negative),
            "reported": sum(n.kind == "report" for n in report.negative),
        },
        "phrasings": phrasings,
        "new_entries": new_entries,
        "disputed": _disputed(report.negative),
        "unanswered": raw["unanswered"],
        "negative": raw["negative"],
    }


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def header(generated: datetime, since: datetime | None, low: float = NEW_ENTRY_BELOW) -> str:
    """The YAML's leading comment: what it is, when it was made and the period it covers."""
    period = f"since {_minute(since)}" if since else "everything stored (within the retention)"
    return (
        "# imgbot report: unanswered questions and negative feedback, "
        "to become FAQ phrasings or new entries.\n"
        f"# Generated {_minute(generated)}; covers {period}.\n"
        "# phrasings: best candidate entry -> questions to check and add to its `alternates` "
        "(FAQ) or `aliases` (program).\n"
        f"# new_entries: no candidate, or a best score below {low}. "
        "disputed: entries users voted 👎 on or reported.\n"
    )


class _Dumper(yaml.SafeDumper):
    """Block style throughout, except [entry id, score] pairs, which read best on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list[object]) -> yaml.Node:
    pair = (
        len(data) == 2
        and isinstance(data[0], str)
        and isinstance(data[1], int | float)
        and not isinstance(data[1], bool)
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=pair)


_Dumper.add_representer(list, _represent_list)


def to_yaml(plain: dict[str, object], comment: str = "") -> str:
    """Readable YAML: keys in the given order, unicode as is (no \\u escapes), long texts kept
    on one line so that they can be copied whole."""
    body = yaml.dump(
        plain,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
    )
    return comment + body


def since_from(day: date | None, days: int | None, now: datetime) -> datetime | None:
    """The start of the period: midnight UTC of `day`, or `days` before `now`, or None (all)."""
    if day is not None:
        return datetime.combine(day, time(), UTC)
    if days is not None:
        return now - timedelta(days=days)
    return None


async def read(settings: StoreSettings, since: datetime | None) -> Report:
    store = await asyncio.wait_for(SqlStore.open(settings), OPEN_TIMEOUT)
    try:
        return await store.report_rows(since)
    finally:
        await store.close()


def _reason(exc: BaseException, settings: StoreSettings) -> str:
    """The error's first line, for a one-line message; any password in it is masked."""
    error = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = next(iter(str(error).strip().splitlines()), "")
    if isinstance(exc, TimeoutError) and not text:
        text = f"no answer in {OPEN_TIMEOUT:g} s"
    password = make_url(settings.database_url).password if settings.database_url else None
    if password:
        text = text.replace(str(password), "***")
    # The driver's words ("database "x" does not exist"); its class name only when it has none.
    return text or type(error).__name__


def run(
    *,
    day: date | None = None,
    days: int | None = None,
    out: Path | None = None,
    settings: StoreSettings | None = None,
    now: datetime | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Reads the store named by the environment and writes the YAML; returns the exit code."""
    settings = settings or StoreSettings.from_env()
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    now = now or utc_now()
    since = since_from(day, days, now)
    try:
        where = settings.describe()
    except (ValueError, ArgumentError):
        # The parse errors may quote the URL, password included: name the variable instead.
        print(
            "imgbot: error: DATABASE_URL is not a postgresql:// URL "
            "(libpq form: postgresql://user:password@host:port/database)",
            file=stderr,
        )
        return 1
    if not settings.database_url and not settings.sqlite_path.is_file():
        # Opening would create the directory and an empty database: a read must not write.
        print(
            f"imgbot: no database yet at {settings.sqlite_path}: nothing recorded, empty report",
            file=stderr,
        )
        report = Report((), ())
    else:
        try:
            report = asyncio.run(read(settings, since))
        except (OSError, SQLAlchemyError, StoreUnavailable) as exc:  # TimeoutError is an OSError
            print(f"imgbot: error: cannot read {where}: {_reason(exc, settings)}", file=stderr)
            return 1
    text = to_yaml(build(report, generated=now, since=since), header(now, since))
    # Written only now, so that a failed read leaves an earlier report in `out` untouched.
    if out is None:
        stdout.write(text)
        stdout.flush()
    else:
        out.write_text(text, encoding="utf-8")
    return 0
