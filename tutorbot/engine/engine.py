"""The engine: one event in, replies out, with the state they reflect committed.

Each event is one store turn: read, decide (`dialogue`), write, commit, and only
then return the replies. Turns of one conversation run one at a time in this
process (a lock per conversation) and in the database (the store serialises
them), so two messages arriving together never lose an update. Nothing raises
out of `handle`: a failure is logged with its cause, the turn is rolled back,
and the learner gets a short apology and a way forward.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import defaultdict

from tutorbot.content.loader import Content
from tutorbot.content.models import Tutorial
from tutorbot.engine import pictures
from tutorbot.engine.dialogue import Designs, Dialogue
from tutorbot.engine.messages import Drawing, Event, Image, Reply
from tutorbot.engine.ports import Store
from tutorbot.errors import TutorbotError

log = logging.getLogger(__name__)

APOLOGY = ("Sorry — something went wrong on my side, and nothing was changed. "
           "Please try again, or type /help.")


class Engine:
    def __init__(self, content: Content, store: Store) -> None:
        self.content = content
        self.store = store
        self.designs = Designs()
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()

    def handle(self, event: Event) -> list[Reply]:
        """The replies to `event`, after its effects are committed; never raises."""
        with self._locks_guard:
            lock = self._locks[event.conversation]
        with lock:
            try:
                with self.store.turn(event.conversation) as turn:
                    if event.delivery is not None and not turn.first_delivery(
                        event.platform, event.delivery
                    ):
                        log.info("update %s delivered again: ignored", event.delivery)
                        return []
                    replies = Dialogue(self.content, turn, event, self.designs).respond()
            except Exception:
                log.exception("turn failed in conversation %s", event.conversation)
                self.designs.forget(event.conversation)
                return [Reply(APOLOGY)]
        log.debug("conversation %s: %d replies", event.conversation, len(replies))
        return replies

    def current_tutorial(self, conversation: str) -> Tutorial | None:
        """The tutorial open in the conversation, from its last committed state (for
        a frontend's autocomplete; it takes no lock). None when none is open or the
        database cannot say."""
        try:
            state = self.store.conversation_state(conversation)
        except TutorbotError:
            log.warning("could not read the state of conversation %s", conversation)
            return None
        tutorial_id = state.get("tutorial")
        return self.content.tutorials.get(tutorial_id) if isinstance(tutorial_id, str) else None

    def draw(self, drawing: Drawing) -> Image | None:
        """The picture a reply asks for; None (and the cause logged) if it cannot be
        drawn, in which case the reply's text stands alone. Call it after `handle`
        has returned: it is slow, and holds no conversation up."""
        try:
            return pictures.draw(self.content, drawing)
        except Exception:
            log.exception("could not draw a picture of %s", drawing.tutorial_id)
            return None

    def finish(self, replies: list[Reply]) -> list[Reply]:
        """The replies with their pictures drawn, for adapters that simply wait."""
        return [
            dataclasses.replace(reply, image=self.draw(reply.drawing), drawing=None)
            if reply.drawing is not None else reply
            for reply in replies
        ]
