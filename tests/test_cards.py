import re

import pytest

from bot.views import HTML
from knowledge.answer.model import Answer, Mode, Result
from knowledge.present.cards import NOT_LISTED, faq_card, program_card
from knowledge.present.formats import TEXT
from knowledge.present.replies import Presenter

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


def test_unknown_facts_say_not_listed_and_sources_are_shown(kb):
    card = program_card(kb.program("fiu"), TEXT)
    assert card.count(NOT_LISTED) == 7  # six facts and the website
    assert "Sources:" in card and "Residency Advisor" in card


def test_known_facts_and_website_are_shown(kb):
    card = program_card(kb.program("cleveland-clinic"), HTML)
    assert "One-month observerships" in card
    assert '<a href="https://my.clevelandclinic.org">' in card
    assert "Cost: </b>" not in card and f"Cost: <i>{NOT_LISTED}</i>" in card


def test_knowledge_text_is_escaped(kb):
    brigham = kb.program("brigham-and-womens")
    assert "Brigham and Women's Hospital" in program_card(brigham, HTML)
    poisoned = brigham.model_copy(update={"summary": "<script>alert(1)</script> & more"})
    html = program_card(poisoned, HTML)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert_valid_telegram_html(html)


@pytest.mark.parametrize("mode", list(Mode))
def test_every_reply_mode_renders(kb, mode):
    results = (Result(kb.program("ucla"), 1.0), Result(kb.faq("visa"), 0.5))
    text = Presenter(kb, HTML).reply(Answer("q", mode, results, note="A note <&>")).text
    assert text.strip()
    assert_valid_telegram_html(text)
