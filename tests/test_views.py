"""Telegram-facing pieces without a network: splitting, callback data, and the fake's rules."""

import pytest

from bot import views
from tests.fake_telegram import BadRequest, check_keyboard, check_message_text, visible_text


def test_long_text_is_split_at_paragraphs_and_every_part_is_valid_html():
    paragraph = "<b>Title</b>\n" + "word &amp; word " * 40
    text = "\n\n".join([paragraph] * 30)
    parts = views.split_message(text)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= views.MAX_MESSAGE
        check_message_text(part, "HTML")
    assert "\n\n".join(parts) == text


def test_a_single_huge_line_is_cut_into_escaped_plain_pieces():
    parts = views.split_message("<i>" + "&lt;&amp;&gt;" * 1500 + "</i>")
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= views.MAX_MESSAGE
        check_message_text(part, "HTML")


def test_callback_data_stays_within_64_bytes_and_round_trips():
    data = views.encode(views.Page(1, "ü" * 60, in_place=True))
    assert len(data.encode()) <= 64
    parsed = views.parse_callback(data)
    assert isinstance(parsed, views.Page) and parsed.number == 1 and parsed.in_place
    assert parsed.query and set(parsed.query) == {"ü"}  # cut at a character, never mid-byte
    entry = views.OpenEntry("johns-hopkins")
    assert views.parse_callback(views.encode(entry)) == entry


def test_feedback_buttons_round_trip_on_one_row():
    row = views.feedback_row("0123456789abcdef")
    assert [b.text for b in row] == ["👍", "👎", "✏️ Report"]
    parsed = [views.parse_callback(b.callback_data) for b in row]  # type: ignore[arg-type]
    assert parsed == [
        views.Rate("0123456789abcdef", up=True),
        views.Rate("0123456789abcdef", up=False),
        views.ReportMistake("0123456789abcdef"),
    ]
    opened = views.feedback_row("0123456789abcdef", "which-programs-take-graduates")
    assert [views.parse_callback(b.callback_data) for b in opened[:2]] == [  # type: ignore[arg-type]
        views.RateEntry("0123456789abcdef", "which-programs-take-graduates", up=True),
        views.RateEntry("0123456789abcdef", "which-programs-take-graduates", up=False),
    ]
    markup = views.with_feedback(None, "0123456789abcdef")
    assert [[b.text for b in r] for r in markup.inline_keyboard] == [["👍", "👎", "✏️ Report"]]


@pytest.mark.parametrize(
    "data",
    [
        *(None, "", "x", "zz:1", "p" * 65, "q:what", "p:", "l:²", "e:1:2", "t:x:y", "l:007"),
        # a vote or report about something that is not an answer id, or an unknown vote
        *("v:0123456789abcdef:x", "v:0123456789ABCDEF:u", "v:short:u", "m:../../x", "m:"),
        *("w:0123456789abcdef:visa", "w:0123456789abcdef::u", "w:0123456789abcdef:visa:x:u"),
    ],
)
def test_callback_data_never_issued_is_rejected(data):
    assert views.parse_callback(data) is None


@pytest.mark.parametrize(
    "text",
    [
        "<script>x</script>",
        "a & b",
        "<b>unclosed",
        "a < b",
        "a > b",
        "<b><i>x</b></i>",
        "<a>no href</a>",
        "   ",
        "x" * 4097,
    ],
)
def test_the_fake_rejects_what_telegram_rejects(text):
    with pytest.raises(BadRequest):
        check_message_text(text, "HTML")


def test_the_fake_accepts_valid_html_and_counts_visible_characters():
    assert visible_text('<b>a</b> &amp; <a href="https://x.org">b</a> &lt;3', "HTML") == "a & b <3"
    check_message_text("é" * 4096, "HTML")
    check_message_text("<b>" + "x" * 4096 + "</b>", "HTML")


def test_the_fake_rejects_long_callback_data():
    with pytest.raises(BadRequest):
        check_keyboard({"inline_keyboard": [[{"text": "x", "callback_data": "y" * 65}]]})
    check_keyboard({"inline_keyboard": [[{"text": "x", "callback_data": "y" * 64}]]})
