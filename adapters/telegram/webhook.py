"""Webhook mode: Telegram posts each update to us, and only Telegram may.

python-telegram-bot's own webhook server needs Tornado, which tutorbot does not
install; aiohttp, which it does (discord.py runs on it), serves the one route
instead. Every request must carry the secret given to `setWebhook` in
`X-Telegram-Bot-Api-Secret-Token`; any other is refused with 403 before its body is
read. An accepted update joins the same queue polling feeds, and the 200 goes back
once it is queued: the engine, not the answer, makes a redelivery harmless.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from telegram import Update

from adapters.telegram.settings import Webhook

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


class WebhookServer:
    """The HTTP endpoint Telegram posts updates to, for one application."""

    def __init__(self, application: Any, hook: Webhook) -> None:
        self.application = application
        self.hook = hook
        self._runner: web.AppRunner | None = None

    async def start(self, allowed_updates: Sequence[str] | None) -> None:
        """Listen, then tell Telegram where to post."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post("/" + self.hook.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0,
                                     handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.hook.listen, self.hook.port).start()
        await self.application.bot.set_webhook(
            self.hook.url, secret_token=self.hook.secret, allowed_updates=allowed_updates,
        )

    async def stop(self) -> None:
        """Stop listening. The webhook stays set: Telegram keeps what it could not
        deliver, and other processes behind the same URL go on."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.hook.secret.encode()):
            log.warning("webhook request from %s refused: wrong or missing secret",
                        request.remote)
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("webhook request refused: not an update (%s)", type(error).__name__)
            return web.Response(status=400)
        await self.application.update_queue.put(update)
        return web.Response(status=200)
