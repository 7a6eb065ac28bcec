"""The terminal conversation behind `imgbot chat` (and `make run` without a Telegram token)."""

from __future__ import annotations

from typing import TextIO

from knowledge.answer.engine import AnswerEngine
from knowledge.answer.model import Context
from knowledge.present.formats import TEXT
from knowledge.present.replies import Act, Action, Presenter, Reply, offer
from knowledge.schema import Program

WELCOME = (
    "IMG Externship Assistant. Ask about a program, a place or a topic.\n"
    "Commands: /programs, /faq, /quit. A number opens an item from the last list."
)


class Chat:
    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.present = Presenter(engine.kb, TEXT)
        self.choices: list[Action] = []
        self.context = Context()  # what the conversation is about, for follow-ups

    def respond(self, line: str) -> str:
        command = line.strip().lower()
        if command == "/programs":
            return self._show(Reply("Programs:", offer(self.engine.kb.programs)))
        if command == "/faq":
            return self._show(Reply("Questions:", offer(self.engine.kb.faqs)))
        if command.isdigit() and 1 <= int(command) <= len(self.choices):
            return self._open(self.choices[int(command) - 1])
        answer = self.engine.answer(line, self.context)
        self.context = answer.context(self.context)
        return self._show(self.present.reply(answer))

    def _open(self, action: Action) -> str:
        entry = self.engine.kb.get(action.arg)
        if entry is None:
            return "That item is no longer available."
        if isinstance(entry, Program):
            self.context = Context(entry.id, self.context.topic, self.context.programs)
        if action.act is Act.DETAILS and isinstance(entry, Program):
            return self._show(self.present.details(entry))
        return self._show(self.present.entry(entry))

    def _show(self, reply: Reply) -> str:
        """The reply's text, with what it offers to open numbered (links and browsing are
        Telegram's)."""
        self.choices = reply.opens
        if not self.choices:
            return reply.text
        numbered = "\n".join(f"{i}. {a.label}" for i, a in enumerate(self.choices, 1))
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
