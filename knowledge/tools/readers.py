"""Careful readers' labels from a question's text alone, scored beside the engine by its rules.

The spent sets were labelled with the page each question was read on in view; an engine reads
only the question. Readers who also saw only the text show how far that reading can go: where
they miss a set's label, the label came from the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.answer.engine import AnswerEngine
from knowledge.tools.evaluation import (
    Case,
    EvalFileError,
    Outcome,
    Tally,
    correct,
    engine_outcomes,
    header,
    row,
    scorer_of,
)

SCOPES = ("in_scope", "beyond_scope", "off_topic")


@dataclass(frozen=True)
class Reading:
    file: str  # the set the question comes from: its label there is the one scored against
    q: str
    outcomes: tuple[Outcome, ...]  # each reader's label, as the scoring rules read an answer
    unsure: tuple[bool, ...]  # each reader found the text open to more than one reading


def load_readings(path: Path) -> tuple[list[str], list[Reading]]:
    """The readers' names and their labels, strictly checked; errors name file, entry, field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise EvalFileError(f"{path}: not YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("readers"), list):
        raise EvalFileError(f"{path}: expected 'readers' (a list of names) and 'questions'")
    names = [str(name) for name in data["readers"]]
    readings = []
    for n, item in enumerate(data.get("questions") or [], start=1):
        try:
            readings.append(_reading(item, len(names)))
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalFileError(f"{path}: question {n}: {exc}") from None
    return names, readings


def _reading(item: dict[str, Any], readers: int) -> Reading:
    labels = item["labels"]
    if len(labels) != readers:
        raise ValueError(f"labels: {len(labels)} for {readers} readers")
    outcomes, unsure = [], []
    for label in labels:
        scope, expect = label["scope"], tuple(label.get("expect") or ())
        if scope not in SCOPES:
            raise ValueError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}")
        if bool(expect) != (scope == "in_scope"):
            raise ValueError("expect: entries go with in_scope, and only with it")
        outcomes.append(Outcome(scope == "in_scope", expect))
        unsure.append(bool(label.get("unsure", False)))
    return Reading(str(item["file"]), str(item["q"]), tuple(outcomes), tuple(unsure))


def readers_report(
    engine: AnswerEngine,
    sets: Sequence[tuple[str, list[Case]]],
    names: Sequence[str],
    readings: Sequence[Reading],
    unseen: bool,
    same_sites: bool,
) -> str:
    """Each reader's right answers beside the engine's on the same questions, in scope and out of
    scope declined, against the sets' labels; the engine scores each set as `each_file` does."""
    by_file = {name: {case.q: case for case in cases} for name, cases in sets}
    for reading in readings:
        if reading.q not in by_file.get(reading.file, {}):
            raise ValueError(f"{reading.file}: not given, or without the question {reading.q!r}")
    gold = [by_file[r.file][r.q] for r in readings]
    engine_tally, reader_tallies = Tally(), [Tally() for _ in names]
    for name, cases in sets:
        asked = [(g, r) for g, r in zip(gold, readings, strict=True) if r.file == name]
        if not asked:
            continue
        scorer = scorer_of(engine, cases, unseen, same_sites)
        outcomes = engine_outcomes(scorer, [case for case, _ in asked])
        for (case, reading), outcome in zip(asked, outcomes, strict=True):
            scope = "ood" if case.kind == "ood" else "in"
            engine_tally.add(scope, correct(case, outcome))
            for tally, read in zip(reader_tallies, reading.outcomes, strict=True):
                tally.add(scope, correct(case, read))
    ours_to_all = sum(
        case.kind == "ood" and all(o.answered for o in r.outcomes)
        for case, r in zip(gold, readings, strict=True)
    )
    outside = sum(case.kind == "ood" for case in gold)
    lines = [
        f"{len(readings)} questions, read by each reader from their text alone",
        "",
        header("scored against the sets"),
        row("engine", engine_tally),
        *(row(name, tally) for name, tally in zip(names, reader_tallies, strict=True)),
        "",
        f"out of scope by their sets, ours by every reader's reading: {ours_to_all} of {outside}",
        "marked unsure: "
        + ", ".join(f"{name} {sum(r.unsure[i] for r in readings)}" for i, name in enumerate(names)),
    ]
    return "\n".join(lines)
