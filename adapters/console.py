"""The terminal frontend: the same engine and store as the chat platforms.

Lines typed (or piped in) become events; replies are printed with the markup
rendered for a terminal — bold and code in colour on a terminal that takes it,
plain text when piped. Buttons become numbered choices, picked by typing `/1`,
`/2`, ... (or the button's word, which the engine understands anyway); pictures
are saved to files and their paths printed.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from tutorbot.engine.engine import Engine
from tutorbot.engine.messages import Button, Event, Reply

PLATFORM = "console"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
_CHOICE = re.compile(r"^[/#](\d{1,2})$")


class Console:
    """A learner at a terminal, talking to `engine` as `user`."""

    def __init__(self, engine: Engine, user: str, out: TextIO, colour: bool) -> None:
        self.engine = engine
        self.user = user
        self.out = out
        self.colour = colour
        self.choices: list[Button] = []
        self.pictures = Path(tempfile.gettempdir()) / "tutorbot-pictures"
        self.saved = 0

    def run(self, lines: Iterable[str], tutorial: str | None = None, prompt: bool = False) -> None:
        """Open `tutorial` (or the menu), then answer every line until the input ends."""
        first = Event(PLATFORM, self._conversation(), self.user, self.user,
                      button=f"open:{tutorial}" if tutorial else None,
                      text=None if tutorial else "/start")
        self.show(self.engine.handle(first))
        if prompt:
            self._prompt()
        for line in lines:
            self.show(self.engine.handle(self._event(line.rstrip("\r\n"))))
            if prompt:
                self._prompt()

    def _conversation(self) -> str:
        return f"{PLATFORM}:{self.user}"

    def _event(self, line: str) -> Event:
        choice = _CHOICE.match(line.strip())
        if choice and 1 <= int(choice[1]) <= len(self.choices):
            button = self.choices[int(choice[1]) - 1]
            return Event(PLATFORM, self._conversation(), self.user, self.user,
                         button=button.payload)
        return Event(PLATFORM, self._conversation(), self.user, self.user, text=line)

    def show(self, replies: list[Reply]) -> None:
        self.choices = []
        for reply in self.engine.finish(replies):
            print(self.render(reply.text), file=self.out)
            if reply.image is not None:
                print(f"🖼️  Picture saved: {self._save(reply)}", file=self.out)
            buttons = [button for row in reply.buttons for button in row]
            if buttons:
                start = len(self.choices) + 1
                self.choices += buttons
                shown = "  ".join(f"[/{start + i}] {b.label}" for i, b in enumerate(buttons))
                print(shown, file=self.out)
            print(file=self.out)
        self.out.flush()

    def render(self, text: str) -> str:
        """Our markup for a terminal: colour where it shows, plain where it would not."""
        if self.colour:
            text = _BOLD.sub("\033[1m\\1\033[0m", text)
            text = _CODE.sub("\033[36m\\1\033[0m", text)
            return _ITALIC.sub("\033[3m\\1\033[0m", text)
        text = _BOLD.sub(r"\1", text)
        text = _CODE.sub(r"\1", text)
        return _ITALIC.sub(r"\1", text)

    def _save(self, reply: Reply) -> Path:
        assert reply.image is not None
        self.pictures.mkdir(parents=True, exist_ok=True)
        self.saved += 1
        name = Path(reply.image.filename)
        path = self.pictures / f"{name.stem}-{self.user}-{self.saved}{name.suffix}"
        path.write_bytes(reply.image.data)
        return path

    def _prompt(self) -> None:
        print("> ", end="", file=self.out, flush=True)


def play(engine: Engine, user: str, tutorial: str | None,
         stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """The terminal tutor: interactive on a terminal, scripted when piped."""
    interactive = stdin.isatty() and stdout.isatty()
    console = Console(engine, user, stdout, colour=interactive)
    console.run(stdin, tutorial, prompt=interactive)
