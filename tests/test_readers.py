"""`imgbot eval --readers`: readers' labels from the text alone, scored beside the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answer.engine import AnswerEngine
from knowledge.tools.evaluation import Case, EvalFileError, load_cases
from knowledge.tools.readers import load_readings, readers_report

SET = (
    "cases:\n"
    '- {q: "how do I look for observerships", kind: faq, expect: [finding-more-programs]}\n'
    '- {q: "how long is an observership", kind: ood}\n'
    '- {q: "what\'s a good laptop for school", kind: ood}\n'
)


@pytest.fixture
def sets(tmp_path: Path) -> list[tuple[str, list[Case]]]:
    (tmp_path / "set.yaml").write_text(SET, encoding="utf-8")
    return [("set.yaml", load_cases([tmp_path / "set.yaml"]))]


def readings_file(tmp_path: Path, questions: str) -> Path:
    path = tmp_path / "readers.yaml"
    path.write_text(f"readers: [first, second]\nquestions:\n{questions}", encoding="utf-8")
    return path


def test_each_reader_is_scored_by_the_engines_rules_on_the_same_questions(
    tmp_path: Path, fake_engine: AnswerEngine, sets: list[tuple[str, list[Case]]]
) -> None:
    path = readings_file(
        tmp_path,
        "- file: set.yaml\n"
        "  q: how do I look for observerships\n"
        "  labels: [{scope: in_scope, expect: [finding-more-programs]},"
        " {scope: in_scope, expect: [cost, finding-more-programs]}]\n"  # right one not first
        "- file: set.yaml\n"
        "  q: how long is an observership\n"  # the set's label came from its page
        "  labels: [{scope: in_scope, expect: [duration]}, {scope: in_scope, expect: [duration],"
        " unsure: true}]\n"
        "- file: set.yaml\n"
        "  q: what's a good laptop for school\n"
        "  labels: [{scope: off_topic}, {scope: beyond_scope}]\n",
    )
    names, readings = load_readings(path)
    lines = readers_report(fake_engine, sets, names, readings, True, False).splitlines()
    engine, first, second = (lines[i].split() for i in (3, 4, 5))
    assert engine[0] == "engine" and engine[1] == "1/1"  # the fake engine finds the entry
    assert first == ["first", "1/1", "1.000", "1/2", "0.500"]
    assert second == ["second", "0/1", "0.000", "1/2", "0.500"]
    assert lines[7].endswith("ours by every reader's reading: 1 of 2")
    assert lines[8] == "marked unsure: first 0, second 1"


def test_a_reading_of_a_question_not_in_its_set_is_an_error(
    tmp_path: Path, fake_engine: AnswerEngine, sets: list[tuple[str, list[Case]]]
) -> None:
    path = readings_file(
        tmp_path,
        "- {file: set.yaml, q: is it paid, labels: [{scope: off_topic}, {scope: off_topic}]}\n",
    )
    names, readings = load_readings(path)
    with pytest.raises(ValueError, match=r"set\.yaml: not given, or without the question 'is it"):
        readers_report(fake_engine, sets, names, readings, True, False)


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        ("[{scope: off_topic}]", "question 1: labels: 1 for 2 readers"),
        ("[{scope: maybe}, {scope: off_topic}]", "question 1: scope: 'maybe' is not one of"),
        ("[{scope: in_scope}, {scope: off_topic}]", "question 1: expect: entries go with"),
        ("[{scope: off_topic, expect: [cost]}, {scope: off_topic}]", "expect: entries go with"),
        ("[{expect: [cost]}, {scope: off_topic}]", "question 1: 'scope'"),
    ],
)
def test_readings_are_checked_strictly_naming_file_question_and_field(
    tmp_path: Path, labels: str, error: str
) -> None:
    path = readings_file(tmp_path, f"- {{file: set.yaml, q: is it paid, labels: {labels}}}\n")
    with pytest.raises(EvalFileError, match=str(path)) as caught:
        load_readings(path)
    assert error in str(caught.value)


def test_a_file_that_is_not_a_readers_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(SET, encoding="utf-8")
    with pytest.raises(EvalFileError, match="expected 'readers'"):
        load_readings(path)
    with pytest.raises(EvalFileError, match="cannot read"):
        load_readings(tmp_path / "missing.yaml")
