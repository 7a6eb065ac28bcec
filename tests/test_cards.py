import re

import pytest

from bot.views import HTML
from knowledge.answer.model import Answer, Mode, Result
from knowledge.present.cards import WARNING, faq_card, program_card, program_details
from knowledge.present.formats import TEXT
from knowledge.present.replies import EXAMPLES, Act, Presenter
from tests.fake_telegram import visible_text

ALLOWED_TAGS = {"b", "i", "a", "/b", "/i", "/a"}


def assert_valid_telegram_html(text):
    assert len(text) <= 4096
    for tag in re.findall(r"<\s*(/?\w+)", text):
        assert tag in ALLOWED_TAGS, tag
    assert not re.search(r"&(?!(amp|lt|gt|quot);)", text)
    stripped = re.sub(r"<[^>]+>", "", text)
    assert "<" not in stripped and ">" not in stripped


def test_every_card_is_valid_telegram_html(kb):
    for program in kb.programs:
        assert_valid_telegram_html(program_card(program, HTML))
    for faq in kb.faqs:
        assert_valid_telegram_html(faq_card(faq, HTML))


def test_every_program_card_leads_with_its_verdict(kb):
    for program in kb.programs:
        lines = program_card(program, TEXT).splitlines()
        verdict = next(line for line in lines[1:] if line.strip())  # after the name
        assert "For IMG graduates: " + program.verdict in lines[3]
        assert verdict.startswith(program.institution)
        assert lines[3].startswith(WARNING) == program.excludes_typical_user


def test_every_program_card_fits_a_phone_screen(kb):
    for program in kb.programs:
        card = program_card(program, HTML)
        assert len(visible_text(card, "HTML")) <= 700, program.id
        assert_valid_telegram_html(card)
        assert "href=" in card or not program.facts()  # the facts shown cite their pages


def test_every_fact_in_the_details_links_to_its_source(kb):
    for program in kb.programs:
        card = program_details(program, HTML)
        for _, _, fact in program.facts():
            url = program.source(fact.source).url
            assert fact.text.replace("'", "&#x27;")[:40] in card or fact.text[:40] in card
            line = next(x for x in card.splitlines() if fact.text[:40] in x)
            assert f'href="{url}"' in line, (program.id, fact.text)


def test_sources_are_links_with_the_month_read(kb):
    card = program_details(kb.program("johns-hopkins"), HTML)
    assert (
        '<a href="https://www.hopkinsmedicine.org/som/offices/registrars/visiting-md/fees">' in card
    )
    assert "read Nov 2026, page dated 2022-23" in card
    faq = faq_card(kb.faq("cost"), HTML)
    assert faq.count('<a href="https://') == len(kb.faq("cost").sources)


def test_unknown_facts_are_left_out_not_guessed(kb):
    card = program_card(kb.program("intermountain"), TEXT)
    assert "Fee:" not in card and "Duration:" not in card
    assert card.splitlines()[3].startswith(WARNING)


def test_knowledge_text_is_escaped(kb):
    brigham = kb.program("brigham-and-womens")
    assert "Brigham and Women's Hospital" in program_card(brigham, HTML)
    claims = brigham.article.model_copy(update={"summary": "<script>alert(1)</script> & more"})
    poisoned = brigham.model_copy(update={"article": claims})
    html = program_details(poisoned, HTML)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert_valid_telegram_html(html)


@pytest.mark.parametrize("mode", list(Mode))
def test_every_reply_mode_renders(kb, mode):
    results = (Result(kb.program("ucla"), 1.0), Result(kb.faq("visa"), 0.5))
    text = Presenter(kb, HTML).reply(Answer("q", mode, results, note="A note <&>")).text
    assert text.strip()
    assert_valid_telegram_html(text)


def test_a_question_in_another_language_gets_english_examples_to_tap(kb):
    reply = Presenter(kb, HTML).reply(Answer("¿Qué es?", Mode.OTHER_LANGUAGE))
    assert "English" in reply.text
    acts = [a.act for row in reply.rows for a in row]
    assert acts.count(Act.EXAMPLE) == len(EXAMPLES) and Act.PROGRAMS in acts


def test_the_faq_that_came_next_is_offered_first_under_an_answer(kb):
    visa = kb.faq("visa")
    runner_up = next(f for f in kb.faqs if f.id not in visa.related and f.id != visa.id)
    answer = Answer("q", Mode.FAQ, (Result(visa, 1.0), Result(runner_up, 0.9)))
    reply = Presenter(kb, HTML).reply(answer)
    assert [a.arg for a in reply.opens] == [runner_up.id, *visa.related]
    # Already related, it is not offered twice.
    related = kb.faq(visa.related[1])
    reply = Presenter(kb, HTML).reply(
        Answer("q", Mode.FAQ, (Result(visa, 1.0), Result(related, 0.9)))
    )
    assert [a.arg for a in reply.opens] == [related.id, visa.related[0], visa.related[2]]
