"""The engine, driven as a learner drives it: whole lessons, detours and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tutorbot.content import load_content
from tutorbot.design.commands import commands_for
from tutorbot.engine.engine import APOLOGY, Engine
from tutorbot.engine.memory import MemoryStore, MemoryTurn
from tutorbot.engine.messages import Drawing, Event, Reply

CONTENT = load_content()


class Learner:
    """Sends what a person would send and keeps what the tutor said back."""

    def __init__(self, engine: Engine, user: str = "u1", chat: str = "private",
                 conversation: str = "console:u1") -> None:
        self.engine, self.user, self.chat, self.conversation = engine, user, chat, conversation
        self.replies: list[Reply] = []

    def says(self, text: str, addressed: bool = True) -> str:
        return self._send(self._event(text=text, addressed=addressed))

    def taps(self, payload: str) -> str:
        return self._send(self._event(button=payload))

    def _event(self, text: str | None = None, button: str | None = None,
               addressed: bool = True) -> Event:
        chat = "group" if self.chat == "group" else "private"
        return Event("console", self.conversation, self.user, "Ada", chat=chat, text=text,
                     button=button, addressed=addressed)

    def _send(self, event: Event) -> str:
        self.replies = self.engine.handle(event)
        return "\n".join(reply.text for reply in self.replies)

    def buttons(self) -> list[str]:
        return [b.payload for reply in self.replies for row in reply.buttons for b in row]


def open_blog(learner: Learner, button: str | None = "lesson:start") -> None:
    """From the menu into the blog tutorial, then press `button` on its card."""
    learner.says("/start")
    learner.says("1")
    if button is not None:
        learner.taps(button)


@pytest.fixture
def learner() -> Learner:
    return Learner(Engine(CONTENT, MemoryStore()))


def test_start_lists_the_tutorials_in_course_order(learner: Learner) -> None:
    text = learner.says("/start")

    assert text.index("Personal Blog") < text.index("Image Hosting") < text.index(
        "Real-Time Chat System**") < text.index("BoE Walkthrough")
    assert text.count("not started") == 4
    assert learner.buttons()[0] == "open:tutorial-simple-blog"


def test_the_blog_lesson_end_to_end(learner: Learner) -> None:
    learner.says("/start")
    intro = learner.says("1")
    step1 = learner.taps("lesson:start")
    foreseen = learner.says("4")
    right = learner.says("1000/200")
    step2 = learner.says("next")
    learner.says("the app server loses everything on restart, the database persists it")
    for command in ["add client", "add app", "add db_primary", "connect client app"]:
        learner.says(command)
    tier0 = learner.says("connect app db_primary")
    step3 = learner.says("next")
    partial = learner.says("health checks")
    learner.says("it spreads traffic across servers and fails over")
    learner.says("add lb")
    tier1 = learner.says("add app")
    for command in ["connect client lb", "connect lb app"]:
        learner.says(command)
    step4 = learner.says("next")
    step5 = learner.says("next")
    learner.says("9,500")
    learner.says("add 6 app")
    tier2 = learner.says("add db_replica")
    learner.says("connect app db_replica")
    summary = learner.says("next")
    progress = learner.says("/progress")

    assert "Personal Blog Platform" in intro and "Scenario" in intro
    assert "Step 1/5" in step1 and "Checkpoint" in step1
    assert "I read 4 servers" in foreseen
    assert right.startswith("✅ Correct: 5 servers")
    assert "Step 2/5" in step2 and "Why do we need a database" in step2
    assert "T0 🎯 Basic Setup** is green" in tier0 and "Build task done" in tier0
    assert "Step 3/5" in step3
    assert "You named providing failover" in partial
    assert "T1 ⚖️ High Availability** is green" in tier1
    assert "Step 4/5" in step4 and "Ready for the next step" in step4
    assert "Step 5/5" in step5
    assert "T2 📈 Scale to 1,000 QPS** is green" in tier2
    assert "Personal Blog Platform: done" in summary
    assert "Tiers green: 3 of 3" in summary
    assert "open:tutorial-intermediate-images" in learner.buttons() or "Next:" in summary
    assert "Personal Blog Platform: done ✅" in progress


def test_wrong_answers_get_a_hint_then_the_worked_answer(learner: Learner) -> None:
    open_blog(learner)

    first = learner.says("7")
    second = learner.says("8")
    third = learner.says("9")

    assert "💡 Hint" not in first
    assert "💡 Hint: Divide total requests" in second
    assert "worked answer" in third
    assert "Ready for the next step" in third


def test_unreadable_answers_do_not_spend_a_try(learner: Learner) -> None:
    open_blog(learner)

    replies = [learner.says(text) for text in ["lots", "", "🙂", "__import__('os')"]]
    after = learner.says("7")

    assert all("worked answer" not in reply for reply in replies)
    assert "💡 Hint" not in after


def test_skip_and_hint_during_a_checkpoint(learner: Learner) -> None:
    open_blog(learner)

    hint = learner.says("/hint")
    skipped = learner.taps("skip")

    assert hint.startswith("💡 Divide total requests")
    assert "Skipped" in skipped and "Ready for the next step" in skipped


def test_the_build_hint_ladder_climbs(learner: Learner) -> None:
    open_blog(learner, "lesson:build")

    rungs = [learner.says("/hint") for _ in range(4)]

    assert rungs[0].startswith("💡 (1/3)")
    assert "Still missing for T0" in rungs[1]
    assert "add app" in rungs[2]
    assert rungs[3].startswith("💡 (3/3)")


def test_solution_needs_confirmation_and_shows_a_diff(learner: Learner) -> None:
    open_blog(learner, None)
    learner.says("add 6 app")

    asked = learner.says("/solution")
    shown = learner.taps("confirm:yes")

    assert "Reveal the reference design?" in asked
    assert "add 8 app as app" in shown
    assert "reference: 8 App Servers; you have 6" in shown


def test_a_tapped_confirmation_replaces_its_question_so_it_cannot_be_tapped_twice(
    learner: Learner,
) -> None:
    open_blog(learner, None)
    learner.says("/solution")

    learner.taps("confirm:no")
    answered = learner.replies
    again = learner.taps("confirm:yes")

    assert [(reply.text, reply.edit) for reply in answered] == [("Okay, nothing changed.", True)]
    assert "older message" in again and "Reference design" not in again


def test_reset_asks_first_and_then_forgets_the_tutorial(learner: Learner) -> None:
    open_blog(learner, None)
    learner.says("add 6 app")

    kept = learner.says("/reset") and learner.says("no")
    learner.says("/reset")
    learner.says("yes")
    shown = learner.says("show")

    assert "nothing changed" in kept
    assert "App Server" not in shown


@pytest.mark.parametrize("text", [
    "", " ", "x" * 10_000, "\x00\x01\x02", "/frobnicate", "/strat", "connect -> ->",
    "🙂" * 50, "solution", "next", "yes",
])
def test_any_text_at_any_point_gets_a_sensible_reply(learner: Learner, text: str) -> None:
    for state in [[], ["/start"], ["/start", "1"], ["/start", "1", "btn:lesson:start"]]:
        for step in state:
            learner.taps(step[4:]) if step.startswith("btn:") else learner.says(step)

        reply = learner.says(text)

        assert reply and APOLOGY not in reply


def test_a_button_from_an_old_message_says_where_we_are(learner: Learner) -> None:
    open_blog(learner)

    reply = learner.taps("open:no-such-tutorial")

    assert "older message" in reply
    assert "Checkpoint" in reply


def test_group_messages_not_meant_for_the_bot_get_no_reply() -> None:
    engine = Engine(CONTENT, MemoryStore())
    ada = Learner(engine, user="ada", chat="group", conversation="console:g1:ada")
    bob = Learner(engine, user="bob", chat="group", conversation="console:g1:bob")

    ignored = ada.says("lunch anyone?", addressed=False)
    ada.says("/start")
    ada.says("1")
    bobs_menu = bob.says("/start")

    assert ignored == ""
    assert "not started" in bobs_menu


class BrokenTurn(MemoryTurn):
    def add_attempt(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")


class BrokenStore(MemoryStore):
    broken = False

    @contextmanager
    def turn(self, conversation: str) -> Iterator[MemoryTurn]:
        with super().turn(conversation) as turn:
            if self.broken:
                turn.__class__ = BrokenTurn
            yield turn


def test_an_internal_error_apologises_and_changes_nothing() -> None:
    store = BrokenStore()
    learner = Learner(Engine(CONTENT, store))
    open_blog(learner)

    store.broken = True
    failed = learner.says("5")
    store.broken = False
    retried = learner.says("5")

    assert failed == APOLOGY
    assert retried.startswith("✅ Correct")


@pytest.mark.parametrize("length", [10, 3500, 3501, 9000, 20_000])
def test_long_text_is_split_into_messages_that_fit(length: int) -> None:
    from tutorbot.engine.lesson import MESSAGE_LIMIT, split

    text = "\n\n".join(["para " + "x" * 900] * (length // 900) + ["y" * (length % 900)])
    text += "\n" + "z" * 5000 if length > 9000 else ""

    parts = split(text)

    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_an_update_delivered_twice_is_answered_and_counted_once() -> None:
    engine = Engine(CONTENT, MemoryStore())
    learner = Learner(engine)
    open_blog(learner)
    answer = Event("console", learner.conversation, learner.user, "Ada", text="3",
                   delivery="update-41")

    first = engine.handle(answer)
    again = engine.handle(answer)

    second_try = learner.says("3")
    progress = learner.says("/progress")

    assert "Not quite" in first[0].text and "💡" not in first[0].text
    assert again == []
    assert "💡" in second_try  # a hint comes with the second wrong try, not the third
    assert "step 1 of 5" in progress


def build_blog_reference(learner: Learner) -> None:
    open_blog(learner, "lesson:build")
    for line in commands_for(CONTENT.tutorial("tutorial-simple-blog").reference):
        learner.says(line)


def test_show_asks_for_a_picture_that_the_engine_draws_after_the_turn(
    learner: Learner,
) -> None:
    build_blog_reference(learner)

    learner.says("show")
    (asked,) = [reply for reply in learner.replies if reply.drawing is not None]
    (drawn,) = learner.engine.finish([asked])

    assert asked.image is None and drawn.drawing is None and drawn.image is not None
    assert drawn.image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "App Servers ×8" in drawn.image.alt
    assert "client → lb → app ×8" in drawn.image.text


def test_simulate_runs_the_learners_design_and_tints_its_picture(learner: Learner) -> None:
    build_blog_reference(learner)

    normal = learner.says("simulate")
    drawing = learner.replies[0].drawing
    short = learner.says("fail app 2")
    peak = learner.says("simulate peak")

    assert "app ×8: 1,000 of 1,200 req/s, 83%" in normal
    assert drawing is not None and drawing.run == "simulate"
    assert "Bottleneck app: 1,000 req/s offered, 900 capacity, 111% — add 1 server" in short
    assert "app ×8: 1,200 of 1,200 req/s, 100%" in peak
    image = learner.engine.draw(drawing)
    assert image is not None and "83%" in image.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("simulate 1000000x", "a load factor is a number above 0 and at most 1,000"),
        ("simulate -2", "a load factor is a number above 0"),
        ("fail quantum", "there is no 'quantum' in your design to fail"),
        ("fail", "say which component fails"),
        ("simulate banana", "I don't know 'banana' in a run"),
    ],
)
def test_a_run_that_cannot_happen_is_one_clear_line(
    learner: Learner, typed: str, expected: str
) -> None:
    build_blog_reference(learner)

    said = learner.says(typed)

    assert said.startswith("✗ ") and expected in said and "\n" not in said


def test_a_design_not_connected_end_to_end_is_explained_not_simulated(
    learner: Learner,
) -> None:
    open_blog(learner, "lesson:build")
    learner.says("add 3 app")

    said = learner.says("simulate")

    assert said.startswith("✗ ") and "client" in said


def test_simulate_outside_a_tutorial_says_how_to_get_there(learner: Learner) -> None:
    said = learner.says("simulate")

    assert "Open a tutorial first" in said


def test_a_picture_that_cannot_be_drawn_leaves_the_text_alone(learner: Learner) -> None:
    stale = Drawing("a-tutorial-since-removed", ("add app",))

    (reply,) = learner.engine.finish([Reply("Your design:", drawing=stale)])

    assert (reply.text, reply.image, reply.drawing) == ("Your design:", None, None)


def test_a_predicted_figure_is_then_run_for_real_on_the_reference(learner: Learner) -> None:
    learner.says("/start")
    learner.says("2")
    said = learner.taps("lesson:start")
    for _ in range(40):  # skip and move on until the prediction is asked
        if "whole Redis cluster fails" in said:
            break
        asks = "Checkpoint" in said or "Build" in said
        said = learner.says("/skip") if asks else learner.says("next")
    assert "whole Redis cluster fails" in said

    answered = learner.says("950")
    (revealed,) = [reply for reply in learner.replies if reply.text.startswith("🔬")]

    assert answered.startswith("✅")
    assert "`fail cache` on the reference design" in revealed.text
    assert "Read Replica** gets **950 queries/s of the 10,000 it can take (9.5%)" in (
        revealed.text)
    assert revealed.drawing is not None and revealed.drawing.run == "simulate fail cache"


def test_a_frontend_can_glance_at_the_open_tutorial(learner: Learner) -> None:
    before = learner.engine.current_tutorial(learner.conversation)
    open_blog(learner, None)

    found = learner.engine.current_tutorial(learner.conversation)

    assert before is None
    assert found is not None and found.id == "tutorial-simple-blog"


def test_at_a_question_an_answer_that_starts_like_a_run_is_an_answer(
    learner: Learner,
) -> None:
    open_blog(learner)
    learner.says("5")
    learner.says("next")

    answered = learner.says("fail over: the app server loses everything on restart, "
                            "the database persists it")
    ran = learner.says("simulate")

    assert "✗" not in answered and "run" not in answered
    assert ran.startswith("✗ ") and "client" in ran  # a real run, on the empty design


def _to_the_database_question(learner: Learner) -> None:
    open_blog(learner)
    learner.says("5")
    learner.says("next")


def test_a_wrong_text_answer_offers_the_choices_to_tap(learner: Learner) -> None:
    _to_the_database_question(learner)

    wrong = learner.says("no idea")
    offered = learner.buttons()
    listed = {line.split(". ", 1)[1]: line.split(". ", 1)[0]
              for line in wrong.splitlines() if line[:1].isdigit() and ". " in line}
    model = "To persist data permanently (blog posts and comments)"
    right = learner.taps(f"choice:{listed[model]}")

    assert "Or pick one:" in wrong and len(listed) == 4
    assert "To spread traffic evenly across app servers" in listed
    assert [p for p in offered if p.startswith("choice:")] == [f"choice:{n}" for n in range(1, 5)]
    assert right.startswith("✅")


def test_a_tapped_distractor_is_a_wrong_try_and_the_next_brings_the_hint(
    learner: Learner,
) -> None:
    _to_the_database_question(learner)
    wrong = learner.says("no idea")
    number = next(line.split(". ", 1)[0] for line in wrong.splitlines()
                  if line.endswith("To make the app server respond faster"))

    tapped = learner.taps(f"choice:{number}")

    assert not tapped.startswith("✅")
    assert "💡 Hint" in tapped


def test_a_choice_from_a_question_already_answered_is_an_old_button(learner: Learner) -> None:
    _to_the_database_question(learner)
    learner.says("no idea")
    learner.says("the app server loses everything on restart, the database persists it")

    stale = learner.taps("choice:1")

    assert "older message" in stale
