"""`imgbot eval`'s parts: reading evaluation files, the stricter unseen measure, counts per file,
and how far the labels of questions that read alike agree."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Answer, Mode, Result
from knowledge.loader import KnowledgeBase
from knowledge.present.formats import TEXT
from knowledge.present.replies import Presenter
from knowledge.schema import Asked
from knowledge.tools.evaluation import (
    Case,
    each_file,
    from_same_sites,
    label_agreement,
    load_cases,
    site,
    tap_away,
)


def test_a_case_keeps_the_address_it_was_read_at(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        "cases:\n"
        '- {q: "How long is it?", kind: faq, expect: [duration], source: "https://a.org/x"}\n'
        '- {q: "Weather?", kind: ood}\n',
        encoding="utf-8",
    )
    assert load_cases([path]) == [
        Case("faq", "How long is it?", ("duration",), "https://a.org/x"),
        Case("ood", "Weather?"),
    ]


def test_a_site_is_its_host_without_www() -> None:
    assert site("https://www.Example.org/a/b?c=1") == site("http://example.org") == "example.org"
    assert site("https://forums.example.org/t/1") == "forums.example.org"


def test_questions_learned_from_the_same_sites_are_left_out_too() -> None:
    asked = [
        Asked(q="same page", scope="in_scope", source="https://www.a.org/1", expect=("cost",)),
        Asked(q="same site", scope="off_topic", source="http://a.org/2"),
        Asked(q="other site", scope="in_scope", source="https://b.org/1", expect=("cost",)),
    ]
    cases = [Case("faq", "q", ("cost",), "https://a.org/9"), Case("ood", "no address")]
    assert from_same_sites(cases, asked) == ["same page", "same site"]
    assert from_same_sites([Case("ood", "no address")], asked) == []


def test_each_file_is_counted_on_its_own_and_in_all(tmp_path: Path, fake_engine: AnswerEngine):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(
        "cases:\n"
        '- {q: "how do I look for observerships", kind: faq, expect: [finding-more-programs]}\n'
        '- {q: "how long is an observership", kind: faq, expect: [cost]}\n'
        '- {q: "what\'s a good laptop for school", kind: ood}\n',
        encoding="utf-8",
    )
    second.write_text('cases:\n- {q: "how long is an observership", kind: ood}\n', encoding="utf-8")
    sets = [(path.name, load_cases([path])) for path in (first, second)]
    lines = each_file(fake_engine, sets, unseen=True, same_sites=False).splitlines()
    assert lines[1].split() == ["first.yaml", "1/2", "0.500", "1/1", "1.000"]
    assert lines[2].split() == ["second.yaml", "-", "0/1", "0.000"]
    assert lines[3].split() == ["all", "1/2", "0.500", "1/2", "0.500"]
    # Under more seeds of the ranker: the engine's own seed first, the same counts as "all".
    lines = each_file(fake_engine, sets, unseen=False, same_sites=False, seeds=3).splitlines()
    assert lines[5].split()[:2] == ["ranker", "seed"]
    assert [line.split()[0] for line in lines[6:]] == ["0", "1", "2"]
    assert lines[6].split()[1:] == lines[3].split()[1:]


def test_the_rankers_seed_is_its_own_draw(fake_engine: AnswerEngine) -> None:
    # `imgbot eval --seeds` refits the ranker under other seeds; a seed left unused would
    # print the same totals for every one.
    def weights(seed: int) -> np.ndarray:
        drawn = fake_engine.with_thresholds(replace(fake_engine.thresholds, adapter_seed=seed))
        ranker = drawn.without_examples([]).ranker
        assert ranker is not None and ranker.adapter is not None
        return ranker.adapter.weights

    assert np.array_equal(weights(0), weights(0))
    assert not np.array_equal(weights(0), weights(1))


def test_labels_of_questions_that_read_alike_are_compared_pair_by_pair() -> None:
    cases = [
        Case("faq", "how long is an observership", ("duration",)),
        Case("faq", "how many weeks does an observership last", ("duration", "timing")),
        Case("faq", "when should I apply", ("timing",)),
        Case("faq", "how soon should I apply", ("how-to-apply",)),
        Case("ood", "how long is a residency", ("beyond-scope",)),  # out of scope: not compared
        Case("faq", "How long is an  observership", ("cost",)),  # written as the first, but cased
    ]
    same, near, far = [1.0, 0.0], [0.92, 0.392], [0.0, 1.0]
    vectors = np.array([same, near, far, [0.05, 1.0], same, same], dtype=np.float32)
    bands = label_agreement(cases, vectors, bands=((0.95, 1.0), (0.9, 0.95)))
    # 0-1 (cosine 0.92): each accepts the other's first label; 1-5 (0.92): "cost" is not
    # accepted by the second; 2-3 (0.999): "timing" against "how-to-apply" disagree; 0-5 skipped.
    assert [(b.pairs, b.agreed) for b in bands] == [(1, 0), (2, 1)]


def test_a_wrong_first_answer_may_offer_the_right_entry_a_tap_away(kb: KnowledgeBase) -> None:
    visa = kb.faq("visa")
    nxt, other, far = [f for f in kb.faqs if f.id not in {visa.id, *visa.related}][:3]
    cases = [
        Case("faq", "wrong, the right one next", (nxt.id,)),
        Case("faq", "wrong, the right one not offered", (far.id,)),
        Case("faq", "right", ("visa",)),
        Case("ood", "declined"),
    ]
    answers = [
        Answer("a", Mode.FAQ, (Result(visa, 1.0), Result(nxt, 0.9))),
        Answer("b", Mode.FAQ, (Result(visa, 1.0), Result(other, 0.9))),
        Answer("c", Mode.FAQ, (Result(visa, 1.0),)),
        Answer("d", Mode.OFF_TOPIC),
    ]
    assert tap_away(Presenter(kb, TEXT), cases, answers) == (2, 1)


def test_a_question_sent_to_the_scope_note_may_offer_the_right_entry_a_tap_away(
    kb: KnowledgeBase,
) -> None:
    beyond, visa, cost = kb.faq(kb.meta.roles.beyond_scope), kb.faq("visa"), kb.faq("cost")
    cases = [
        Case("faq", "ours, the right one offered", ("visa",)),
        Case("faq", "ours, another offered", ("cost",)),
        Case("faq", "answered wrong: not counted here", ("cost",)),
        Case("ood", "the residency stage: not counted", ("beyond-scope",)),
    ]
    answers = [
        Answer("a", Mode.BEYOND_SCOPE, (Result(beyond, 0.0), Result(visa, 0.0))),
        Answer("b", Mode.BEYOND_SCOPE, (Result(beyond, 0.0), Result(visa, 0.0))),
        Answer("c", Mode.FAQ, (Result(visa, 1.0),)),
        Answer("d", Mode.BEYOND_SCOPE, (Result(beyond, 0.0), Result(cost, 0.0))),
    ]
    assert tap_away(Presenter(kb, TEXT), cases, answers, declined=True) == (2, 1)
