"""The terminal conversation behind `imgbot chat` (and `make run` without a Telegram token)."""

from __future__ import annotations

from typing import TextIO

from knowledge.cards import TEXT, faq_card, program_card, reply
from knowledge.engine import Answer, AnswerEngine, Mode
from knowledge.schema import Entry, Faq, Program

WELCOME = (
    "IMG Externship Assistant. Ask about a program, a place or a topic.\n"
    "Commands: /programs, /faq, /quit. A number opens an item from the last list."
)


class Chat:
    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.choices: list[Entry] = []

    def respond(self, line: str) -> str:
        command = line.strip().lower()
        if command == "/programs":
            return self._offer(list(self.engine.kb.programs), "Programs:")
        if command == "/faq":
            return self._offer(list(self.engine.kb.faqs), "Questions:")
        if command.isdigit() and 1 <= int(command) <= len(self.choices):
            return self._card(self.choices[int(command) - 1])
        answer = self.engine.answer(line)
        text = reply(answer, TEXT)
        if answer.mode in (Mode.LIST, Mode.CHOICES, Mode.UNKNOWN) and answer.results:
            return self._offer([r.entry for r in answer.results], text)
        self.choices = self._related(answer)
        if self.choices:
            numbered = ", ".join(f"{i}. {e.title}" for i, e in enumerate(self.choices, 1))
            text += f"\n\nRelated (type a number): {numbered}"
        return text

    def _related(self, answer: Answer) -> list[Entry]:
        first = answer.results[0].entry if answer.results else None
        if answer.mode is Mode.FAQ and isinstance(first, Faq):
            found = (self.engine.kb.get(i) for i in first.related)
            return [e for e in found if e is not None]
        return [r.entry for r in answer.results[1:2] if answer.mode is Mode.PROGRAM]

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

    def _offer(self, entries: list[Entry], head: str) -> str:
        self.choices = entries
        numbered = "\n".join(f"{i}. {e.title}" for i, e in enumerate(entries, 1))
        return f"{head}\n\nType a number to open one:\n{numbered}"

    @staticmethod
    def _card(entry: Entry) -> str:
        return program_card(entry, TEXT) if isinstance(entry, Program) else faq_card(entry, TEXT)
