"""The engine: one event in, replies out, with the state they reflect committed.

Each event is one store turn: read, decide (`dialogue`), write, commit, and only
then return the replies. Turns of one conversation run one at a time in this
process (a lock per conversation) and in the database (the store serialises
them), so two messages arriving together never lose an update. Nothing raises
out of `handle`: a failure is logged with its cause, the turn is rolled back,
and the learner gets a short apology and a way forward.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from tutorbot.content.loader import Content
from tutorbot.engine.dialogue import Designs, Dialogue
from tutorbot.engine.messages import Event, Reply
from tutorbot.engine.ports import Store

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
