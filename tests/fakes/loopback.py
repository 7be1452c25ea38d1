"""What every fake platform shares: an aiohttp application on 127.0.0.1.

A fake lists its routes in `routes`, is used as `async with`, and listens on a
free port that `port` gives once started. It stops at once even with long polls
or websockets open: its handlers are cancelled rather than waited for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from aiohttp import web


class LoopbackServer(ABC):
    """Base of the fakes: start, stop, and the port it listens on."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    @abstractmethod
    def routes(self, application: web.Application) -> None:
        """Add the fake's handlers to the application."""

    async def start(self) -> None:
        application = web.Application(client_max_size=64 * 1024 * 1024)
        self.routes(application)
        self._runner = web.AppRunner(
            application, shutdown_timeout=0.05, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
