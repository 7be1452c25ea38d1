"""What the Discord frontend remembers durably besides lessons: server settings, each
learner's lesson thread, the synced command set, long button payloads, and the
channels it may no longer write to.

It all lives in the store the engine uses, so every process of a sharded bot sees
the same: each record is a JSON object in the store's bot settings, under a key
starting `discord:`. Channels the bot may not write to use the store's chat
records. Every method does database I/O: call them in a thread.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from tutorbot.store import Store

log = logging.getLogger(__name__)

PLATFORM = "discord"


@dataclass(frozen=True)
class ServerSettings:
    """One server's choices: the channels the bot answers in (none: every channel)
    and a role whose members may change the settings besides those with Manage Server."""

    channels: frozenset[int] = frozenset()
    admin_role: int | None = None

    def answers_in(self, channel_id: int) -> bool:
        return not self.channels or channel_id in self.channels

    def to_state(self) -> dict[str, Any]:
        return {"channels": sorted(str(channel) for channel in self.channels),
                "admin_role": None if self.admin_role is None else str(self.admin_role)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ServerSettings:
        channels = state.get("channels") or []
        role = state.get("admin_role")
        return cls(frozenset(int(channel) for channel in channels if str(channel).isdigit()),
                   int(role) if isinstance(role, str) and role.isdigit() else None)


class Registry:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, key: str) -> dict[str, Any]:
        stored = self.store.bot_setting(f"{PLATFORM}:{key}")
        try:
            found = json.loads(stored) if stored is not None else {}
        except ValueError:
            log.warning("bot setting %s is not JSON; using defaults", key)
            return {}
        return found if isinstance(found, dict) else {}

    def _write(self, key: str, state: dict[str, Any]) -> None:
        self.store.set_bot_setting(f"{PLATFORM}:{key}", json.dumps(state))

    def server(self, guild_id: int) -> ServerSettings:
        return ServerSettings.from_state(self._read(f"guild:{guild_id}"))

    def save_server(self, guild_id: int, settings: ServerSettings) -> None:
        self._write(f"guild:{guild_id}", settings.to_state())
        log.info("settings of server %s saved: %d answering channels", guild_id,
                 len(settings.channels))

    def thread_of(self, channel_id: int, user_id: int) -> int | None:
        """The lesson thread last opened for the learner under the channel."""
        found = self._read(f"thread:{channel_id}:{user_id}").get("thread")
        return int(found) if isinstance(found, str) and found.isdigit() else None

    def remember_thread(self, channel_id: int, user_id: int, thread_id: int) -> None:
        self._write(f"thread:{channel_id}:{user_id}", {"thread": str(thread_id)})

    def commands_hash(self, application_id: int) -> str | None:
        found = self._read(f"app:{application_id}").get("commands")
        return found if isinstance(found, str) else None

    def save_commands_hash(self, application_id: int, digest: str) -> None:
        self._write(f"app:{application_id}", {"commands": digest})

    def remember_payload(self, digest: str, payload: str) -> None:
        self._write(f"button:{digest}", {"payload": payload})

    def payload(self, digest: str) -> str | None:
        found = self._read(f"button:{digest}").get("payload")
        return found if isinstance(found, str) else None

    def writable(self, channel_id: int) -> bool:
        return self.store.chat_active(PLATFORM, str(channel_id))

    def forbid(self, channel_id: int, reason: str) -> bool:
        """Stop writing to the channel; True if it was writable until now."""
        was = self.store.chat_active(PLATFORM, str(channel_id))
        self.store.set_chat_active(PLATFORM, str(channel_id), False, reason)
        return was

    def allow(self, channel_id: int) -> None:
        self.store.set_chat_active(PLATFORM, str(channel_id), True)
