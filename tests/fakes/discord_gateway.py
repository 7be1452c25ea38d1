"""The gateway half of the fake Discord: a websocket that speaks Discord's gateway protocol.

HELLO, IDENTIFY and READY, the guilds as GUILD_CREATE, heartbeats and their ACKs,
dispatches numbered per session, and RESUME replaying what a dropped socket
missed. Frames are plain JSON text, or one zlib stream per connection flushed
after every payload when the client connects with `compress=zlib-stream`.
Intents are checked at IDENTIFY (privileged ones the application was not granted
close the socket with 4014) and again on every dispatch.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import WSMsgType, web

from .discord_model import NO_INTENTS, PRIVILEGED_INTENTS, Intent, Json

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

UNKNOWN_ERROR = 4000
UNKNOWN_OPCODE = 4001
DECODE_ERROR = 4002
NOT_AUTHENTICATED = 4003
AUTHENTICATION_FAILED = 4004
ALREADY_AUTHENTICATED = 4005
INVALID_SHARD = 4010
INVALID_API_VERSION = 4012
INVALID_INTENTS = 4013
DISALLOWED_INTENTS = 4014

Shape = Callable[["Session", Json], Json | None]


class GatewayHost(Protocol):
    """What the gateway asks of the fake it belongs to."""

    token: str
    granted_intents: Intent
    heartbeat_interval: float

    def ready_payload(self, session: Session) -> Json: ...

    def guild_creates(self, session: Session) -> list[Json]: ...

    def member_chunks(self, session: Session, request: Json) -> list[Json]: ...

    def gateway_changed(self) -> None: ...


class _Connection:
    """One websocket; payloads are queued so that sync callers keep their order."""

    _ids = itertools.count(1)

    def __init__(self, socket: web.WebSocketResponse, compressed: bool) -> None:
        self.id = next(self._ids)
        self.socket = socket
        self._compressor = zlib.compressobj() if compressed else None
        self._outbox: asyncio.Queue[Json | tuple[int, str]] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write(), name=f"fake-discord-ws-{self.id}")
        self.closing = False
        self.close_code: int | None = None

    def send(self, payload: Json) -> None:
        if not self.closing:
            self._outbox.put_nowait(payload)

    def close(self, code: int, reason: str = "") -> None:
        if not self.closing:
            self.closing = True
            self.close_code = code
            self._outbox.put_nowait((code, reason))

    async def _write(self) -> None:
        while True:
            item = await self._outbox.get()
            try:
                if isinstance(item, tuple):
                    await self.socket.close(code=item[0], message=item[1].encode())
                    return
                text = json.dumps(item, separators=(",", ":"))
                if self._compressor is None:
                    await self.socket.send_str(text)
                else:
                    data = self._compressor.compress(text.encode())
                    await self.socket.send_bytes(data + self._compressor.flush(zlib.Z_SYNC_FLUSH))
            except (ConnectionError, RuntimeError) as error:
                log.debug("gateway connection %s stopped writing: %s", self.id, error)
                return

    async def finish(self) -> None:
        self.closing = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


@dataclass(eq=False)
class Session:
    """An identified gateway session; it outlives its socket so that it can be resumed."""

    id: str
    shard_id: int
    shard_count: int
    intents: Intent
    sequence: int = 0
    events: list[tuple[int, str, Json]] = field(default_factory=list)
    connection: _Connection | None = None
    resumes: int = 0

    def routes(self, guild_id: int | None) -> bool:
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def push(self, event: str, data: Json) -> None:
        self.sequence += 1
        self.events.append((self.sequence, event, data))
        if self.connection is not None:
            self.connection.send({"op": DISPATCH, "t": event, "s": self.sequence, "d": data})


@dataclass
class _Held:
    event: str
    data: Json
    guild_id: int | None
    intent: Intent
    shape: Shape | None


class Gateway:
    """Serves `GET /gateway` as a websocket and routes dispatches to the sessions."""

    def __init__(self, host: GatewayHost) -> None:
        self._host = host
        self._ids = itertools.count(1)
        self.sessions: dict[str, Session] = {}
        self.connections: set[_Connection] = set()
        self.identifies = 0
        self.resumes = 0
        self.close_codes: list[int | None] = []
        self._held: list[_Held] = []

    @property
    def live_sessions(self) -> list[Session]:
        return [session for session in self.sessions.values() if session.connection is not None]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            log.error("the fake gateway speaks zlib-stream or plain frames, not %s", compress)
            raise web.HTTPBadRequest(text=f"unsupported compression {compress}")
        socket = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await socket.prepare(request)
        connection = _Connection(socket, compressed=compress is not None)
        self.connections.add(connection)
        connection.send({"op": HELLO, "d": {"heartbeat_interval": self._host.heartbeat_interval},
                         "s": None, "t": None})
        if request.query.get("v", "10") not in ("9", "10"):
            connection.close(INVALID_API_VERSION, "Invalid API version")
        session: Session | None = None
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    if message.type is WSMsgType.BINARY:
                        connection.close(DECODE_ERROR, "Error while decoding payload.")
                    continue
                session = self._receive(connection, session, message.data)
        finally:
            self.connections.discard(connection)
            await connection.finish()
            self.close_codes.append(connection.close_code or socket.close_code)
            if session is not None and session.connection is connection:
                session.connection = None
                if socket.close_code in (1000, 1001) and connection.close_code is None:
                    self.sessions.pop(session.id, None)
            self._host.gateway_changed()
        return socket

    def _receive(
        self, connection: _Connection, session: Session | None, text: str
    ) -> Session | None:
        try:
            payload = json.loads(text)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            connection.close(DECODE_ERROR, "Error while decoding payload.")
            return session
        if op == HEARTBEAT:
            connection.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            if session is not None:
                connection.close(ALREADY_AUTHENTICATED, "Already authenticated.")
                return session
            return self._identify(connection, data)
        elif op == RESUME:
            return self._resume(connection, data)
        elif session is None:
            connection.close(NOT_AUTHENTICATED, "Not authenticated.")
        elif op == REQUEST_MEMBERS:
            for chunk in self._host.member_chunks(session, data):
                session.push("GUILD_MEMBERS_CHUNK", chunk)
        elif op not in (PRESENCE, VOICE):
            connection.close(UNKNOWN_OPCODE, "Unknown opcode.")
        return session

    def _identify(self, connection: _Connection, data: Json) -> Session | None:
        if data.get("token") != self._host.token:
            connection.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return None
        if not isinstance(data.get("intents"), int):
            connection.close(INVALID_INTENTS, "Invalid intent(s).")
            return None
        intents = Intent(data["intents"])
        if intents & PRIVILEGED_INTENTS & ~self._host.granted_intents:
            connection.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return None
        shard_id, shard_count = data.get("shard") or (0, 1)
        if not 0 <= shard_id < shard_count:
            connection.close(INVALID_SHARD, "Invalid shard.")
            return None
        self.identifies += 1
        session = Session(f"session-{next(self._ids)}", shard_id, shard_count, intents)
        session.connection = connection
        self.sessions[session.id] = session
        session.push("READY", self._host.ready_payload(session))
        for guild in self._host.guild_creates(session):
            session.push("GUILD_CREATE", guild)
        held, self._held = self._held, []
        for item in held:
            if session.routes(item.guild_id):
                self._deliver(session, item)
            else:
                self._held.append(item)
        self._host.gateway_changed()
        return session

    def _resume(self, connection: _Connection, data: Json) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self._host.token:
            connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        if session.connection is not None:
            session.connection.close(UNKNOWN_ERROR, "Session resumed elsewhere.")
        self.resumes += 1
        session.resumes += 1
        session.connection = connection
        seen = data.get("seq") or 0
        for number, event, payload in session.events:
            if number > seen:
                connection.send({"op": DISPATCH, "t": event, "s": number, "d": payload})
        session.push("RESUMED", {})
        self._host.gateway_changed()
        return session

    def dispatch(
        self, event: str, data: Json, *, guild_id: int | None,
        intent: Intent = NO_INTENTS, shape: Shape | None = None, hold: bool = False,
    ) -> int:
        """Send an event to every session whose shard owns `guild_id`.

        With `hold`, an event nobody is connected for waits for the next IDENTIFY;
        otherwise it is lost, as the state it carries arrives with READY anyway.
        """
        item = _Held(event, data, guild_id, intent, shape)
        targets = [session for session in self.sessions.values() if session.routes(guild_id)]
        if not targets and hold:
            self._held.append(item)
        for session in targets:
            self._deliver(session, item)
        return len(targets)

    @staticmethod
    def _deliver(session: Session, item: _Held) -> None:
        if item.intent and not session.intents & item.intent:
            return
        payload = item.shape(session, item.data) if item.shape else item.data
        if payload is not None:
            session.push(item.event, payload)

    def disconnect(self, *, code: int = UNKNOWN_ERROR, resumable: bool = True) -> int:
        """Close every live socket; the sessions stay resumable unless told otherwise."""
        dropped = 0
        for session in self.live_sessions:
            assert session.connection is not None
            session.connection.close(code, "The fake dropped the connection.")
            session.connection = None
            dropped += 1
        for connection in list(self.connections):
            connection.close(code, "The fake dropped the connection.")
        if not resumable:
            self.sessions.clear()
        return dropped

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every live session, as Discord does before moving it."""
        for session in self.live_sessions:
            assert session.connection is not None
            session.connection.send({"op": RECONNECT, "d": None, "s": None, "t": None})

    def invalidate_sessions(self) -> None:
        """Send op 9 with `d: false`: the clients must identify again."""
        for session in self.live_sessions:
            assert session.connection is not None
            session.connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
        self.sessions.clear()

    async def close(self) -> None:
        for connection in list(self.connections):
            connection.close(1001, "The fake is shutting down.")
        for connection in list(self.connections):
            await connection.finish()

