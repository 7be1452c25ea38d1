"""The Telegram frontend: the tutor as a bot, through python-telegram-bot.

`command` is `tutorbot telegram` (importing it costs no python-telegram-bot, so the
other commands start quickly); `frontend` holds the bot itself (`TelegramFrontend`,
`serve`), `updates` reads Telegram's updates into engine events, `markup` renders
replies as Telegram HTML, `outbox` sends them and decides what each error means, and
`ordering` keeps each chat's updates in order. python-telegram-bot is imported only
inside this package.
"""

from adapters.telegram.command import add_command
from adapters.telegram.settings import RateLimits, Settings, Webhook

__all__ = ["RateLimits", "Settings", "Webhook", "add_command"]
