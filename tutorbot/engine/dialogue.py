"""The tutor's decisions for one message: what it means here, and what to say.

A `Dialogue` reads the conversation's state and the learner's progress from one
store `Turn`, decides, writes the new state into the same turn, and returns the
replies. Routing: a design command is a design command anywhere; other text is
an answer when a checkpoint is waiting; otherwise it is read as a choice from the
menu, and failing that the tutor says what it can do.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tutorbot.answers.judge import judge
from tutorbot.content.loader import Content
from tutorbot.content.models import Checkpoint, Step, TextAnswer, Tutorial
from tutorbot.design import commands, tiers
from tutorbot.design.graph import Design
from tutorbot.design.simulate import is_run, reads_as_run
from tutorbot.engine import lesson, pictures
from tutorbot.engine.messages import Button, Drawing, Event, Reply
from tutorbot.engine.ports import ProgressRecord, Turn

MAX_TEXT = 4000
TRIES_BEFORE_HINT = 2
TRIES_BEFORE_ANSWER = 3

DESIGN_VERBS = frozenset({
    "add", "remove", "rm", "delete", "scale", "connect", "link", "disconnect", "unlink",
    "set", "show", "list", "check", "undo", "reset", "clear",
})
TUTOR_COMMANDS = (
    "start", "tutorials", "progress", "resume", "reset", "help", "hint", "skip", "repeat",
    "next", "solution", "menu",
)

HINT = Button("💡 Hint", "hint")
SKIP = Button("⏭️ Skip", "skip")
NEXT = Button("➡️ Next", "next")


class Designs:
    """Designs kept resident between turns, rebuilt from stored commands on a miss.

    The stored commands are the truth: a cached design is used only while its
    commands equal the stored ones, so another process's change is never hidden.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[list[str], Design]] = {}
        self._palettes: dict[str, commands.Palette] = {}

    def palette(self, content: Content, tutorial: Tutorial) -> commands.Palette:
        """The tutorial's palette, built once: content does not change while running."""
        found = self._palettes.get(tutorial.id)
        if found is None:
            found = commands.Palette.for_tutorial(content.catalogue, tutorial)
            self._palettes[tutorial.id] = found
        return found

    def get(self, key: tuple[str, str], stored: list[str],
            palette: commands.Palette) -> Design:
        cached = self._cache.get(key)
        if cached is not None and cached[0] == stored:
            return cached[1]
        design = Design()
        for line in stored:
            commands.run(design, palette, line)
        self._cache[key] = (list(stored), design)
        return design

    def remember(self, key: tuple[str, str], design: Design) -> list[str]:
        snapshot = commands.commands_for(design)
        self._cache[key] = (snapshot, design)
        return snapshot

    def forget(self, conversation: str) -> None:
        # list() copies the keys in one step, so other conversations' threads
        # adding designs meanwhile cannot break the loop.
        for key in list(self._cache):
            if key[0] == conversation:
                self._cache.pop(key, None)


class Dialogue:
    """One message's worth of tutoring."""

    def __init__(self, content: Content, turn: Turn, event: Event, designs: Designs) -> None:
        self.content = content
        self.turn = turn
        self.event = event
        self.designs = designs
        self.state: dict[str, Any] = dict(turn.state)
        self.learner = turn.learner(event.platform, event.user_id, event.display_name)
        self._record: ProgressRecord | None = None
        self._record_as_read: ProgressRecord | None = None
        self._tutorial: Tutorial | None = None
        self._judged: tuple[tuple[str, int, int], tiers.TierReport] | None = None

    # --- entry -----------------------------------------------------------------

    def respond(self) -> list[Reply]:
        if self.event.chat != "private" and not self.event.addressed:
            return []
        replies = self._route()
        if self._record is not None and self._record != self._record_as_read:
            self.turn.save_progress(self._record)
        self.turn.state = self.state
        return [part for reply in replies for part in _split(reply)]

    def _route(self) -> list[Reply]:
        if self.event.button is not None:
            return self._button(self.event.button)
        text = (self.event.text or "").strip()
        if not text:
            return [Reply("Type a message, or /help to see what I can do.")]
        if len(text) > MAX_TEXT:
            return [Reply("That's more text than I can use at once. Send one answer or "
                          "command at a time — /help lists them.")]
        if self.state.get("confirm"):
            return self._confirmation(text)
        word, slash = _first_word(text)
        if is_run(text) and (self.state.get("at") != "checkpoint" or reads_as_run(text)):
            # At a question, "fail over to a replica" is an answer, not a run.
            return self._run(text)
        if slash or (word in TUTOR_COMMANDS and word not in DESIGN_VERBS):
            return self._command(word, slash)
        if word in DESIGN_VERBS:
            return self._design_command(text)
        if self.state.get("at") == "checkpoint":
            return self._answer(text)
        return self._choice(text)

    # --- commands ----------------------------------------------------------------

    def _command(self, word: str, slash: bool) -> list[Reply]:
        actions: dict[str, Callable[[], list[Reply]]] = {
            "start": self._menu, "tutorials": self._menu, "menu": self._menu,
            "progress": self._progress, "resume": self._resume, "reset": self._ask_reset,
            "help": self._help, "hint": self._hint, "skip": self._skip,
            "repeat": self._repeat, "next": self._next, "solution": self._ask_solution,
        }
        action = actions.get(word)
        if action is not None:
            return action()
        if slash and word in DESIGN_VERBS:
            return self._design_command((self.event.text or word).lstrip("/"))
        guess = difflib.get_close_matches(word, list(actions) + sorted(DESIGN_VERBS), n=1)
        hint = f" Did you mean /{guess[0]}?" if guess else ""
        return [Reply(f"I don't know /{word[:30]}.{hint} /help lists what I can do.")]

    def _button(self, payload: str) -> list[Reply]:
        kind, _, argument = payload.partition(":")
        if kind == "open" and argument in self.content.tutorials:
            return self._open(argument)
        if kind == "lesson" and self.tutorial is not None:
            if argument == "start":
                return self._start_lesson()
            if argument == "build":
                return self._free_build()
            if argument == "requirements":
                return [Reply(lesson.requirements(self.tutorial), _lesson_buttons())]
        if kind == "choice" and self.state.get("at") == "checkpoint":
            checkpoint = self._checkpoint()
            choices = _choices(checkpoint) if checkpoint is not None else []
            if argument.isdigit() and 1 <= int(argument) <= len(choices):
                return self._answer(choices[int(argument) - 1])
        if kind == "confirm" and self.state.get("confirm"):
            # The answer takes the question's place, so its buttons cannot be pressed twice.
            first, *rest = self._confirmation("yes" if argument == "yes" else "no")
            return [dataclasses.replace(first, edit=True), *rest]
        if kind in TUTOR_COMMANDS and not argument:
            return self._command(kind, slash=True)
        return [Reply("That button belongs to an older message. Here's where we are:"),
                *self._where_we_are()]

    def _menu(self) -> list[Reply]:
        self.state.update(at="menu", confirm=None)
        name = self.event.display_name or "there"
        lines = [f"👋 Hi {name}! I teach system design by doing: the arithmetic, and "
                 "the boxes and arrows. Pick a tutorial:"]
        buttons = []
        for number, tutorial in enumerate(self.content.tutorials.values(), start=1):
            record = self.turn.progress(self.learner, tutorial.id)
            lines.append(f"{number}. {tutorial.emoji} **{tutorial.title}** "
                         f"({tutorial.difficulty}) — {lesson.status(tutorial, record)}")
            buttons.append((Button(f"{tutorial.emoji} {tutorial.title}",
                                   f"open:{tutorial.id}"),))
        lines.append("Tap one, or type its number or name.")
        return [Reply("\n".join(lines), tuple(buttons))]

    def _progress(self) -> list[Reply]:
        lines = ["📊 **Your progress**"]
        for tutorial in self.content.tutorials.values():
            record = self.turn.progress(self.learner, tutorial.id)
            lines.append(f"- {tutorial.emoji} {tutorial.title}: "
                         f"{lesson.status(tutorial, record)}")
        return [Reply("\n".join(lines))]

    def _choice(self, text: str) -> list[Reply]:
        """Text outside a lesson: a tutorial's number or name, else guidance."""
        tutorials = list(self.content.tutorials.values())
        chosen = _pick(text, tutorials)
        if chosen is not None:
            return self._open(chosen.id)
        if self.tutorial is not None and self.state.get("at") in ("step", "build", "free"):
            return [Reply("I read that as neither a design command nor an answer. Type "
                          "`help` for the design commands, or /help.")]
        return [Reply("I didn't catch that. Type /start to pick a tutorial, or /help.")]

    # --- a tutorial --------------------------------------------------------------

    @property
    def tutorial(self) -> Tutorial | None:
        tutorial_id = self.state.get("tutorial")
        if self._tutorial is None or self._tutorial.id != tutorial_id:
            self._tutorial = self.content.tutorials.get(tutorial_id) if tutorial_id else None
        return self._tutorial

    @property
    def record(self) -> ProgressRecord:
        tutorial = self.tutorial
        assert tutorial is not None
        if self._record is None or self._record.tutorial_id != tutorial.id:
            self._record = self.turn.progress(self.learner, tutorial.id)
            self._record_as_read = self._record.copy()
        return self._record

    def _open(self, tutorial_id: str) -> list[Reply]:
        self.state.update(tutorial=tutorial_id, at="intro", confirm=None)
        self._record = None
        tutorial = self.content.tutorials[tutorial_id]
        return [Reply(lesson.intro_card(tutorial), _lesson_buttons(self.record))]

    def _start_lesson(self) -> list[Reply]:
        record = self.record
        if record.started_at is None:
            record.started_at = _now()
        return self._show_step()

    def _resume(self) -> list[Reply]:
        if self.tutorial is None:
            started = [t for t in self.content.tutorials.values()
                       if self.turn.progress(self.learner, t.id).started_at is not None]
            if not started:
                return [Reply("Nothing to resume yet."), *self._menu()]
            self.state["tutorial"] = started[0].id
        return self._start_lesson()

    def _free_build(self) -> list[Reply]:
        tutorial = self.tutorial
        assert tutorial is not None
        self.state.update(at="free")
        if self.record.started_at is None:
            self.record.started_at = _now()
        components = ", ".join(f"`{c}`" for c in tutorial.components)
        return [Reply(f"🛠️ Build freely. Components here: {components}.\nType `help` for the "
                      "commands, `check` to see the tiers, /hint when stuck.")]

    # --- lesson steps ----------------------------------------------------------

    def _step(self) -> Step:
        tutorial = self.tutorial
        assert tutorial is not None
        index = min(self.record.step, len(tutorial.lesson.steps) - 1)
        return tutorial.lesson.steps[index]

    def _show_step(self) -> list[Reply]:
        tutorial = self.tutorial
        assert tutorial is not None
        if self.record.completed_at is not None and self.record.step >= len(tutorial.lesson.steps):
            return self._summary()
        replies = [Reply(lesson.step_text(tutorial, self.record.step))]
        return replies + self._continue_step()

    def _continue_step(self) -> list[Reply]:
        """After the step's text: its next checkpoint, its build task, or Next."""
        tutorial = self.tutorial
        assert tutorial is not None
        step = self._step()
        pending = [cp for cp in step.checkpoints if cp.id not in self.record.checkpoints_done]
        if pending:
            return self._ask(pending[0], step)
        if step.build is not None and step.build.tier not in self._passed_now():
            tier = tutorial.tier(step.build.tier)
            self.state.update(at="build", hint_level=0)
            title = f"{tier.emoji} {tier.title}" if tier else step.build.tier
            return [Reply(lesson.build_text(step, title), ((HINT, SKIP),))]
        self.state.update(at="step")
        return [Reply("Ready for the next step?", ((NEXT,),))]

    def _ask(self, checkpoint: Checkpoint, step: Step) -> list[Reply]:
        same = self.state.get("checkpoint") == checkpoint.id
        tries = int(self.state.get("tries", 0)) if same else 0
        self.state.update(at="checkpoint", checkpoint=checkpoint.id, tries=tries)
        number = step.checkpoints.index(checkpoint) + 1
        text = lesson.checkpoint_text(checkpoint, number, len(step.checkpoints))
        return [Reply(text, ((HINT, SKIP),))]

    def _next(self) -> list[Reply]:
        tutorial = self.tutorial
        if tutorial is None:
            return self._menu()
        if self.state.get("at") in ("checkpoint", "build"):
            return [Reply("Finish this part first, or /skip it."), *self._continue_step()]
        step = self._step()
        if step.id not in self.record.steps_done:
            self.record.steps_done.append(step.id)
        self.record.step += 1
        if self.record.step >= len(tutorial.lesson.steps):
            return self._finish()
        return self._show_step()

    def _where_we_are(self) -> list[Reply]:
        """The question or task in hand, without the step's text again."""
        if self.tutorial is not None and self.state.get("at") in ("checkpoint", "build", "step"):
            return self._continue_step()
        return self._repeat()

    def _repeat(self) -> list[Reply]:
        if self.tutorial is None or self.state.get("at") in (None, "menu"):
            return self._menu()
        if self.state.get("at") == "intro":
            return self._open(self.tutorial.id)
        if self.state.get("at") == "free":
            return [Reply("You're building freely: type a design command, or `check`.")]
        return self._show_step()

    def _checkpoint(self) -> Checkpoint | None:
        wanted = self.state.get("checkpoint")
        return next((cp for cp in self._step().checkpoints if cp.id == wanted), None)

    def _answer(self, text: str) -> list[Reply]:
        checkpoint = self._checkpoint()
        if checkpoint is None:
            self.state["at"] = "step"
            return self._repeat()
        verdict = judge(checkpoint, text)
        tutorial_id = self.record.tutorial_id
        self.turn.add_attempt(self.learner, tutorial_id, checkpoint.id, text[:1000],
                              verdict.correct, verdict.slip)
        if verdict.correct:
            self._done_with(checkpoint)
            return [Reply(f"{verdict.message}\n\n{checkpoint.explanation.strip()}"),
                    *self._revealed(checkpoint), *self._continue_step()]
        if not verdict.read_as:  # unreadable: ask again without spending a try
            return [Reply(verdict.message, ((HINT, SKIP),))]
        tries = int(self.state.get("tries", 0)) + 1
        self.state["tries"] = tries
        choices = _choices(checkpoint)
        if tries == 1 and choices:
            # Words failed once: offer the answer among its distractors, to tap.
            listed = "\n".join(f"{number}. {text}" for number, text in
                                enumerate(choices, start=1))
            buttons = tuple(Button(str(number), f"choice:{number}")
                            for number in range(1, len(choices) + 1))
            return [Reply(f"{verdict.message}\n\nOr pick one:\n{listed}",
                          (buttons, (HINT, SKIP)))]
        if tries >= TRIES_BEFORE_ANSWER:
            self._done_with(checkpoint)
            worked = f"📖 Here's the worked answer:\n{checkpoint.explanation.strip()}"
            return [Reply(verdict.message), Reply(worked), *self._revealed(checkpoint),
                    *self._continue_step()]
        if tries >= TRIES_BEFORE_HINT:
            self.record.hints_used += 1
            return [Reply(f"{verdict.message}\n\n💡 Hint: {checkpoint.hint}", ((SKIP,),))]
        return [Reply(verdict.message, ((HINT, SKIP),))]

    def _revealed(self, checkpoint: Checkpoint) -> list[Reply]:
        tutorial = self.tutorial
        assert tutorial is not None
        shown = pictures.reveal_reply(self.content, tutorial, checkpoint)
        return [] if shown is None else [shown]

    def _done_with(self, checkpoint: Checkpoint) -> None:
        if checkpoint.id not in self.record.checkpoints_done:
            self.record.checkpoints_done.append(checkpoint.id)
        self.state.update(checkpoint=None, tries=0)

    def _skip(self) -> list[Reply]:
        at = self.state.get("at")
        if at == "checkpoint" and (checkpoint := self._checkpoint()) is not None:
            self._done_with(checkpoint)
            worked = f"⏭️ Skipped. The worked answer:\n{checkpoint.explanation.strip()}"
            return [Reply(worked), *self._revealed(checkpoint), *self._continue_step()]
        if at == "build":
            self.state["at"] = "step"
            return [Reply("⏭️ Skipped the build for now; your design is kept."),
                    *self._next()]
        return [Reply("There's nothing to skip right now.")]

    def _hint(self) -> list[Reply]:
        at = self.state.get("at")
        if at == "checkpoint" and (checkpoint := self._checkpoint()) is not None:
            self.record.hints_used += 1
            return [Reply(f"💡 {checkpoint.hint}", ((SKIP,),))]
        if at in ("build", "free") and self.tutorial is not None:
            return [self._build_hint()]
        return [Reply("Hints come with checkpoints and build tasks. /help shows the rest.")]

    def _build_hint(self) -> Reply:
        """The next rung of the ladder for the first unmet tier: the tutorial's hint,
        then what is missing, then the commands that would add it."""
        tutorial = self.tutorial
        assert tutorial is not None
        report = self._report()
        unmet = report.first_unmet
        if unmet is None:
            return Reply("🎉 Every tier is green already. Try /solution to compare with "
                         "the reference.")
        level = int(self.state.get("hint_level", 0))
        self.state["hint_level"] = level + 1
        self.record.hints_used += 1
        ladder = [hint.text for hint in tutorial.hints if hint.tier == unmet.tier.id]
        ladder.append("Still missing for " + unmet.heading + ":\n"
                      + "\n".join(f"- {sentence}" for sentence in unmet.missing))
        ladder.append("Commands that would get there: "
                      + "; ".join(_suggested_commands(unmet.missing)))
        return Reply(f"💡 ({min(level, len(ladder) - 1) + 1}/{len(ladder)}) "
                     + ladder[min(level, len(ladder) - 1)])

    # --- building ----------------------------------------------------------------

    def _palette(self) -> commands.Palette:
        tutorial = self.tutorial
        assert tutorial is not None
        return self.designs.palette(self.content, tutorial)

    def _report(self) -> tiers.TierReport:
        """The tiers judged on the current design, once per change of it in a turn."""
        tutorial = self.tutorial
        assert tutorial is not None
        design = self._current_design()
        key = (tutorial.id, id(design), design.revision)
        if self._judged is None or self._judged[0] != key:
            self._judged = (key, tiers.evaluate(design, tutorial.tiers, self.content.catalogue))
        return self._judged[1]

    def _current_design(self) -> Design:
        tutorial = self.tutorial
        assert tutorial is not None
        key = (self.event.conversation, tutorial.id)
        return self.designs.get(key, self.record.design, self._palette())

    def _passed_now(self) -> list[str]:
        return self._report().passed_ids

    def _design_command(self, text: str) -> list[Reply]:
        tutorial = self.tutorial
        if tutorial is None:
            return [Reply("Open a tutorial first: /start — then build with commands like "
                          "`add 8 app`.")]
        if self.state.get("at") in ("intro", "menu", None):
            self.state["at"] = "free"
        design = self._current_design()
        outcome = commands.run(design, self._palette(), text)
        replies = [Reply(outcome.message if outcome.ok else f"✗ {outcome.message}")]
        if outcome.ok and _first_word(text)[0] in ("show", "list") and not design.is_empty():
            drawing = Drawing(tutorial.id, tuple(commands.commands_for(design)))
            replies = [dataclasses.replace(replies[0], drawing=drawing)]
        if outcome.changed:
            key = (self.event.conversation, tutorial.id)
            self.record.design = self.designs.remember(key, design)
            replies += self._tier_news()
        return replies

    def _run(self, text: str) -> list[Reply]:
        """`simulate …` or `fail …`: the learner's design under the tutorial's traffic."""
        tutorial = self.tutorial
        if tutorial is None:
            return [Reply("Open a tutorial first: /start — then build, and `simulate` it.")]
        if self.state.get("at") in ("intro", "menu", None):
            self.state["at"] = "free"
        return [pictures.run_reply(self.content, tutorial, self._current_design(), text)]

    def _tier_news(self) -> list[Reply]:
        """Celebrate tiers that just turned green; finish a build task that is met."""
        tutorial = self.tutorial
        assert tutorial is not None
        report = self._report()
        news = []
        for result in report.tiers:
            if result.passed and result.tier.id not in self.record.tiers_passed:
                self.record.tiers_passed.append(result.tier.id)
                news.append(f"🎉 **{result.heading}** is green!")
        if not news:
            return []
        unmet = report.first_unmet
        if unmet is not None:
            news.append(f"Next, {unmet.heading} needs: " + "; ".join(unmet.missing))
        replies = [Reply("\n".join(news))]
        step = self._step()
        if (self.state.get("at") == "build" and step.build is not None
                and step.build.tier in report.passed_ids):
            self.state["at"] = "step"
            replies.append(Reply("✅ Build task done.", ((NEXT,),)))
        return replies

    # --- confirmations, solution, reset, the end --------------------------------

    def _ask_solution(self) -> list[Reply]:
        if self.tutorial is None:
            return [Reply("Open a tutorial first: /start")]
        self.state["confirm"] = "solution"
        return [Reply("Reveal the reference design? Try /hint first if you'd rather work "
                      "it out.", ((Button("Show it", "confirm:yes"),
                                   Button("Not yet", "confirm:no")),))]

    def _ask_reset(self) -> list[Reply]:
        if self.tutorial is None:
            return [Reply("Open the tutorial you want to reset first: /start")]
        self.state["confirm"] = "reset"
        return [Reply(f"Reset all progress in {self.tutorial.title}? This can't be undone.",
                      ((Button("Reset", "confirm:yes"), Button("Keep it", "confirm:no")),))]

    def _confirmation(self, text: str) -> list[Reply]:
        asked = self.state.get("confirm")
        self.state["confirm"] = None
        if text.strip().lower() not in ("yes", "y", "ok", "sure", "reset", "show it"):
            return [Reply("Okay, nothing changed.")]
        if asked == "reset" and self.tutorial is not None:
            self.turn.save_progress(ProgressRecord(self.tutorial.id))
            self._record = None
            self.designs.forget(self.event.conversation)
            self.state.update(at="intro", checkpoint=None, tries=0)
            return [Reply(f"🔄 {self.tutorial.title} is reset."), *self._open(self.tutorial.id)]
        if asked == "solution" and self.tutorial is not None:
            return [Reply(self._solution())]
        return [Reply("Okay.")]

    def _solution(self) -> str:
        tutorial = self.tutorial
        assert tutorial is not None
        reference = tutorial.reference
        lines = [f"📐 **Reference design**\n{reference.description.strip()}", "",
                 "Built with:"]
        lines += [f"- `{line}`" for line in commands.commands_for(reference)]
        lines += ["", "**Your design against it**"]
        lines += _diff(self._current_design(), tutorial, self.content)
        return "\n".join(lines)

    def _finish(self) -> list[Reply]:
        record = self.record
        if record.completed_at is None:
            record.completed_at = _now()
        self.state["at"] = "done"
        return self._summary()

    def _summary(self) -> list[Reply]:
        tutorial = self.tutorial
        assert tutorial is not None
        record = self.record
        tries = sum(self.turn.attempts(self.learner, tutorial.id, cp.id)
                    for cp in tutorial.checkpoints())
        elapsed = ""
        if record.started_at and record.completed_at:
            minutes = int((record.completed_at - record.started_at).total_seconds() // 60)
            elapsed = f"\n- Time: {minutes} min"
        lines = [tutorial.lesson.outro.strip(), "", f"🏁 **{tutorial.title}: done**{elapsed}",
                 f"- Answers tried: {tries}", f"- Hints used: {record.hints_used}",
                 f"- Tiers green: {len(record.tiers_passed)} of {len(tutorial.tiers)}"]
        lines += ["", "**Your design against the reference**"]
        lines += _diff(self._current_design(), tutorial, self.content)
        following = _next_tutorial(self.content, tutorial)
        buttons: tuple[tuple[Button, ...], ...] = ()
        if following is not None:
            lines.append(f"\nNext: {following.emoji} {following.title}")
            buttons = ((Button(f"{following.emoji} {following.title}",
                               f"open:{following.id}"),),)
        return [Reply("\n".join(lines), buttons)]

    def _help(self) -> list[Reply]:
        at = self.state.get("at")
        if at == "checkpoint":
            text = ("Answer in your own words: `5`, `1000/200`, `11.25k`, `99.7%`, "
                    "`750 GB`. /hint for a hint, /skip to see the worked answer.")
        elif at in ("build", "free"):
            text = ("Build by typing: `add 8 app`, `connect lb -> app`, "
                    "`set cache hit_rate 0.9`, `remove 2 app`, `undo`, `show`, `check`. "
                    "Run it: `simulate`, `simulate peak`, `simulate 2x`, `fail app 2`. "
                    "`help add` explains one command. /hint climbs a hint ladder; "
                    "/solution shows the reference.")
        else:
            text = ("/start picks a tutorial, /progress shows where you are, /resume "
                    "continues, /reset starts a tutorial over. In a lesson, answer "
                    "checkpoints in your own words and build with design commands.")
        return [Reply(text)]


def _choices(checkpoint: Checkpoint) -> list[str]:
    """A text checkpoint's model answer among its distractors, in an order fixed for
    the checkpoint (so a button keeps its meaning); none for other checkpoints."""
    answer = checkpoint.answer
    if not isinstance(answer, TextAnswer) or not answer.distractors:
        return []
    options = [answer.answer, *answer.distractors]
    return sorted(options, key=lambda text: hashlib.sha256(
        f"{checkpoint.id}\n{text}".encode()).hexdigest())


def _first_word(text: str) -> tuple[str, bool]:
    """The first word, lower case, without a leading '/' or a '@botname'."""
    head = text.split(maxsplit=1)[0]
    slash = head.startswith("/")
    return head.lstrip("/").split("@", 1)[0].lower(), slash


def _pick(text: str, tutorials: list[Tutorial]) -> Tutorial | None:
    wanted = text.strip().lower().lstrip("#")
    if wanted.isdigit() and 1 <= int(wanted) <= len(tutorials):
        return tutorials[int(wanted) - 1]
    for tutorial in tutorials:
        if wanted in (tutorial.id, tutorial.title.lower()):
            return tutorial
    titles = {tutorial.title.lower(): tutorial for tutorial in tutorials}
    close = difflib.get_close_matches(wanted, list(titles), n=1, cutoff=0.7)
    return titles[close[0]] if close else None


def _lesson_buttons(record: ProgressRecord | None = None) -> tuple[tuple[Button, ...], ...]:
    resuming = record is not None and record.started_at is not None
    start = "▶️ Resume the lesson" if resuming else "▶️ Start the lesson"
    return ((Button(start, "lesson:start"), Button("🛠️ Jump to building", "lesson:build")),
            (Button("📋 Requirements", "lesson:requirements"),))


def _suggested_commands(missing: list[str]) -> list[str]:
    found = []
    for sentence in missing:
        start = sentence.find("('")
        if start != -1:
            found.append(sentence[start + 2: sentence.find("')", start)])
    return found or ["`check` to see what is missing"]


def _diff(design: Design, tutorial: Tutorial, content: Content) -> list[str]:
    """Each reference component against the learner's count of the same type."""
    lines = []
    wanted: dict[str, int] = {}
    for node in tutorial.reference.nodes:
        wanted[node.type] = wanted.get(node.type, 0) + node.count
    for type_, count in wanted.items():
        component = content.catalogue.get(type_)
        name = component.named(count) if component else f"{count} × {type_}"
        have = design.count_of(type_)
        mark = "✅" if have >= count else "➕"
        lines.append(f"{mark} reference: {name}; you have {have}")
    return lines


def _next_tutorial(content: Content, tutorial: Tutorial) -> Tutorial | None:
    ordered = list(content.tutorials.values())
    index = ordered.index(tutorial)
    return ordered[index + 1] if index + 1 < len(ordered) else None


def _split(reply: Reply) -> list[Reply]:
    parts = lesson.split(reply.text)
    if len(parts) == 1:
        return [reply]
    return [Reply(part) for part in parts[:-1]] + [
        dataclasses.replace(reply, text=parts[-1])
    ]


def _now() -> datetime:
    return datetime.now(UTC)
