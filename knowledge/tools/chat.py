"""The terminal conversation behind `imgbot chat` (and `make run` without a Telegram token)."""

from __future__ import annotations

from typing import TextIO

from knowledge.answer.engine import AnswerEngine
from knowledge.present.formats import TEXT
from knowledge.present.replies import Presenter, Reply, offer
from knowledge.schema import Entry

WELCOME = (
    "IMG Externship Assistant. Ask about a program, a place or a topic.\n"
    "Commands: /programs, /faq, /quit. A number opens an item from the last list."
)


class Chat:
    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.present = Presenter(engine.kb, TEXT)
        self.choices: list[Entry] = []

    def respond(self, line: str) -> str:
        command = line.strip().lower()
        if command == "/programs":
            return self._show(Reply("Programs:", offer(self.engine.kb.programs)))
        if command == "/faq":
            return self._show(Reply("Questions:", offer(self.engine.kb.faqs)))
        if command.isdigit() and 1 <= int(command) <= len(self.choices):
            return self._show(self.present.entry(self.choices[int(command) - 1]))
        return self._show(self.present.reply(self.engine.answer(line)))

    def _show(self, reply: Reply) -> str:
        """The reply's text, with the entries it offers numbered (the other buttons are
        Telegram's)."""
        found = (self.engine.kb.get(a.arg) for a in reply.opens)
        self.choices = [e for e in found if e is not None]
        if not self.choices:
            return reply.text
        numbered = "\n".join(f"{i}. {e.title}" for i, e in enumerate(self.choices, 1))
        return f"{reply.text}\n\nType a number to open one:\n{numbered}"

    def run(self, inp: TextIO, out: TextIO) -> None:
        out.write(WELCOME + "\n")
        while True:
            out.write("\nyou> ")
            out.flush()
            line = inp.readline()
            if not line or line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
                out.write("\n")
                return
            if line.strip():
                out.write(self.respond(line) + "\n")
