"""How presenters mark text up: one small protocol, rendered by each surface (plain text here;
Telegram HTML in the bot). Every piece of knowledge text is escaped by the format, never by
callers."""

from __future__ import annotations

from typing import Protocol


class Format(Protocol):
    def text(self, s: str) -> str: ...
    def bold(self, s: str) -> str: ...
    def italic(self, s: str) -> str: ...
    def link(self, label: str, url: str) -> str: ...
    def cite(self, number: int, url: str) -> str: ...


class TextFormat:
    """Plain text for the terminal and `imgbot ask`."""

    def text(self, s: str) -> str:
        return s

    def bold(self, s: str) -> str:
        return s

    def italic(self, s: str) -> str:
        return s

    def link(self, label: str, url: str) -> str:
        return url if label == url else f"{label} ({url})"

    def cite(self, number: int, url: str) -> str:
        return f"[{number}]"  # the numbered source list below gives the address


TEXT = TextFormat()
