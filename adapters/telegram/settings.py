"""How the Telegram frontend is configured: from the command line and the environment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TOKEN_VARIABLE = "TUTORBOT_TELEGRAM_TOKEN"
BASE_URL_VARIABLE = "TUTORBOT_TELEGRAM_BASE_URL"
SECRET_VARIABLE = "TUTORBOT_TELEGRAM_WEBHOOK_SECRET"
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"

TOKEN_SHAPE = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,100}")
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
"""The update kinds asked for; edited messages are asked for only to be ignored
knowingly, so that Telegram does not keep an older, wider choice."""


@dataclass(frozen=True)
class Webhook:
    """Receiving updates over HTTPS: Telegram posts to `url`, which a proxy or load
    balancer forwards to `listen`:`port`; `secret` is checked on every request."""

    url: str
    secret: str = field(repr=False)
    listen: str = "0.0.0.0"
    port: int = 8443

    @property
    def path(self) -> str:
        """The URL's path, which the local server answers on."""
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True)
class RateLimits:
    """What python-telegram-bot's rate limiter holds the bot to (Telegram's own limits by
    default), and how often it retries after a 429."""

    per_second: float = 30.0
    per_group_per_minute: float = 20.0
    retries: int = 3


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    base_url: str = TELEGRAM_BASE_URL
    webhook: Webhook | None = None
    rate_limits: RateLimits | None = field(default_factory=RateLimits)
    """None sends as fast as the bot can (for benchmarks against a fake)."""
    concurrency: int = 64
    """Updates handled at once, across chats."""
    connections: int = 32
    """Open connections to the Bot API at most: httpx looks at each kept connection on
    every request, so a few hundred cost more than waiting a moment for one."""
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    poll_timeout: float = 10.0
    """How long one getUpdates waits for news."""
    send_retries: int = 3
    retry_pause: float = 0.5
    allowed_updates: tuple[str, ...] | None = ALLOWED_UPDATES
    typing_after: float = 0.4
    """Seconds a turn may take before the chat shows "typing…"."""

    @property
    def base_file_url(self) -> str:
        if self.base_url.endswith("/bot"):
            return self.base_url.removesuffix("bot") + "file/bot"
        return self.base_url.rstrip("/") + "/file/bot"

    @property
    def bot_id(self) -> str:
        return self.token.partition(":")[0]

    @property
    def self_hosted(self) -> bool:
        return self.base_url.rstrip("/") != TELEGRAM_BASE_URL
