"""`tutorbot telegram`: run the bot, or check its configuration with `--check`.

    tutorbot telegram [--db URL] [--webhook URL [--listen ADDRESS] [--port N]
                      [--secret TOKEN]] [--check]

The token comes from TUTORBOT_TELEGRAM_TOKEN only, so it never shows in a process
list, and it is kept out of the logs. The bot stops cleanly on SIGTERM or SIGINT,
after the updates in hand.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from adapters import service
from adapters.service import ConfigurationError
from adapters.telegram.settings import (
    BASE_URL_VARIABLE,
    SECRET_SHAPE,
    SECRET_VARIABLE,
    TELEGRAM_BASE_URL,
    TOKEN_SHAPE,
    TOKEN_VARIABLE,
    Settings,
    Webhook,
)

if TYPE_CHECKING:
    from tutorbot.engine.engine import Engine
    from tutorbot.store import Store

log = logging.getLogger(__name__)


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `telegram` on the `tutorbot` command's subcommands."""
    parser = commands.add_parser(
        "telegram", help="run the tutor as a Telegram bot (token from "
                         f"{TOKEN_VARIABLE})",
        description="Run the tutor as a Telegram bot: long polling by default, or a "
                    "webhook behind HTTPS with --webhook.",
    )
    _options(parser)
    parser.set_defaults(run=run_command)


def _options(parser: argparse.ArgumentParser) -> None:
    service.database_option(parser)
    parser.add_argument("--webhook", metavar="URL",
                        help="receive updates at this public HTTPS URL instead of polling")
    parser.add_argument("--listen", default="0.0.0.0", metavar="ADDRESS",
                        help="address the webhook server binds (default: 0.0.0.0)")
    parser.add_argument("--port", type=int, default=8443,
                        help="port the webhook server binds (default: 8443)")
    parser.add_argument("--secret", metavar="TOKEN",
                        help=f"secret Telegram sends with every webhook request (default: "
                             f"{SECRET_VARIABLE})")
    parser.add_argument("--check", action="store_true",
                        help="validate the configuration, send nothing, exit 0 or 1")


def run_command(args: argparse.Namespace) -> int:
    if args.check:
        return check(args)
    # HTTP clients never log a request line here: the URL carries the token.
    return service.start("telegram", args, settings_from, _serving, quiet=("httpx", "httpcore"))


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings the arguments and environment describe; raises ConfigurationError."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigurationError(f"set {TOKEN_VARIABLE} to the token BotFather gave you")
    if not TOKEN_SHAPE.fullmatch(token):
        raise ConfigurationError(
            f"{TOKEN_VARIABLE} does not look like a bot token (digits, a colon, then "
            "letters, digits, '-' and '_')"
        )
    base_url = os.environ.get(BASE_URL_VARIABLE, "").strip() or TELEGRAM_BASE_URL
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{BASE_URL_VARIABLE} must be an http(s) URL, such as "
                                 f"{TELEGRAM_BASE_URL}")
    webhook = _webhook(args, base_url)
    return Settings(token=token, base_url=base_url, webhook=webhook)


def _webhook(args: argparse.Namespace, base_url: str) -> Webhook | None:
    if args.webhook is None:
        return None
    parts = urlsplit(args.webhook)
    self_hosted = base_url.rstrip("/") != TELEGRAM_BASE_URL
    allowed = ("https", "http") if self_hosted else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ConfigurationError(
            "--webhook must be an https:// URL Telegram can reach (plain http only with a "
            "self-hosted Bot API server)"
        )
    if not 1 <= args.port <= 65535:
        raise ConfigurationError(f"--port {args.port} is not a port number (1-65535)")
    try:
        ipaddress.ip_address(args.listen)
    except ValueError:
        if not args.listen or any(c.isspace() for c in args.listen):
            raise ConfigurationError(f"--listen {args.listen!r} is not an address") from None
    secret = (args.secret or os.environ.get(SECRET_VARIABLE, "")).strip()
    if not secret:
        raise ConfigurationError(
            f"webhook mode needs a secret: --secret or {SECRET_VARIABLE} (1-256 of A-Z, a-z, "
            "0-9, '_' and '-'), so that only Telegram can post updates"
        )
    if not SECRET_SHAPE.fullmatch(secret):
        raise ConfigurationError(
            "the webhook secret may hold only A-Z, a-z, 0-9, '_' and '-', 1 to 256 of them"
        )
    return Webhook(args.webhook, secret, args.listen, args.port)


def check(args: argparse.Namespace) -> int:
    """Print one line per part of the configuration; 0 if all is well, else 1."""
    found = service.Checklist()
    try:
        settings = settings_from(args)
    except ConfigurationError as error:
        found.line(False, str(error))
    else:
        found.line(True, f"token: present and well-formed (bot id {settings.bot_id})")
        if settings.self_hosted:
            found.line(True, f"Bot API: a self-hosted server at {_shown_url(settings.base_url)}")
        else:
            found.line(True, "Bot API: Telegram")
        hook = settings.webhook
        if hook is None:
            found.line(True, "mode: long polling")
        else:
            found.line(True, f"mode: webhook at {_shown_url(hook.url)}, listening on "
                             f"{hook.listen}:{hook.port}, secret set")
    found.storage(args.content, args.db)
    return found.finish()


def _shown_url(url: str) -> str:
    """A Bot API or webhook URL as it may be shown: no password, no token in its path."""
    return TOKEN_SHAPE.sub("<token>", service.shown_url(url))


def _serving(settings: Settings) -> service.Serve:
    async def serving(engine: Engine, store: Store, stop: asyncio.Event) -> None:
        from adapters.telegram.frontend import TelegramFrontend, serve

        await serve(TelegramFrontend(engine, store, settings), stop)

    return serving
