"""Sending replies: texts split to Telegram's limit, keyboards on the last part, edits in place."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ChatType

from bot import views
from knowledge.present.replies import Reply

NOT_ALLOWED = "Sorry, that command is not available."  # admin commands, to anyone else


async def send(message: Message, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Reply with `text` split to Telegram's limit; the keyboard goes on the last part."""
    parts = views.split_message(text)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_text(
            part,
            reply_markup=keyboard if last else None,
            do_quote=message.chat.type != ChatType.PRIVATE,
        )


async def send_reply(message: Message, reply: Reply) -> None:
    """Send a presented reply: its text, with its actions as buttons."""
    await send(message, reply.text, views.keyboard(reply.rows))


async def show_in_place(message: Message, reply: Reply) -> None:
    """Replace the pressed message with `reply`; what does not fit follows in new messages,
    the buttons on the last, with the pressed message's 👍 / 👎 / report row kept under them."""
    first, *rest = views.split_message(reply.text)
    markup = views.keyboard(reply.rows)
    kept = views.feedback_row_of(message.reply_markup)
    rows = [*(markup.inline_keyboard if markup else ()), *([kept] if kept else [])]
    keyboard = InlineKeyboardMarkup(rows) if rows else None
    await message.edit_text(first, reply_markup=None if rest else keyboard)
    if rest:
        await send(message, "\n\n".join(rest), keyboard)
