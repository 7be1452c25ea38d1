"""`tutorbot discord`: run the bot, or check its configuration with `--check`.

    tutorbot discord [--db URL] [--shard-count N [--shard-ids 0,1 | 0-3]]
                     [--message-content auto|on|off] [--check]

The token comes from TUTORBOT_DISCORD_TOKEN only, so it never shows in a process
list, and it is kept out of the logs. TUTORBOT_DISCORD_API_URL and
TUTORBOT_DISCORD_GATEWAY_URL point the bot at another Discord (a test double).
The bot stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import TYPE_CHECKING

from adapters import service
from adapters.discord_bot.config import (
    API_URL_VARIABLE,
    GATEWAY_URL_VARIABLE,
    TOKEN_VARIABLE,
    Settings,
    settings_from,
)
from adapters.service import ConfigurationError

if TYPE_CHECKING:
    from tutorbot.engine.engine import Engine
    from tutorbot.store import Store

log = logging.getLogger(__name__)


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `discord` on the `tutorbot` command's subcommands."""
    parser = commands.add_parser(
        "discord", help=f"run the tutor as a Discord bot (token from {TOKEN_VARIABLE})",
        description="Run the tutor as a Discord bot: slash commands, buttons, and a "
                    "private lesson thread per learner.",
    )
    _options(parser)
    parser.set_defaults(run=run_command)


def _options(parser: argparse.ArgumentParser) -> None:
    service.database_option(parser)
    parser.add_argument("--shard-count", type=int, metavar="N",
                        help="shards across every process (default: as Discord advises)")
    parser.add_argument("--shard-ids", metavar="IDS",
                        help="the shards this process runs, such as 0,1 or 0-3 (needs "
                             "--shard-count)")
    parser.add_argument("--message-content", choices=("auto", "on", "off"), default="auto",
                        help="ask for the message-content intent, which lets learners type "
                             "in lesson threads: auto (when the application has it), on, off")
    parser.add_argument("--check", action="store_true",
                        help="validate the configuration without connecting; exit 0 or 1")


def run_command(args: argparse.Namespace) -> int:
    if args.check:
        return check(args)
    return service.start("discord", args, settings_from, _serving)


def check(args: argparse.Namespace) -> int:
    """Print one line per part of the configuration; 0 if all is well, else 1."""
    found = service.Checklist()
    try:
        settings = settings_from(args)
    except ConfigurationError as error:
        found.line(False, str(error))
    else:
        found.line(True, f"token: present and well-formed (bot id {settings.bot_id})")
        if settings.custom_endpoints:
            found.line(True, f"Discord: API {service.shown_url(settings.api_url)}, gateway "
                             f"{service.shown_url(settings.gateway_url)}")
        else:
            found.line(True, "Discord: discord.com")
        if settings.shard_count is None:
            found.line(True, "shards: as many as Discord advises, all in this process")
        else:
            ids = settings.shard_ids or tuple(range(settings.shard_count))
            found.line(True, f"shards: {', '.join(map(str, ids))} of {settings.shard_count}")
        found.line(True, f"message-content intent: {settings.message_content}")
    found.storage(args.content, args.db)
    return found.finish()


def point_discord_py_at(settings: Settings) -> None:
    """discord.py's REST base and gateway are process-wide; set them for this process."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = settings.api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    if settings.custom_endpoints:
        log.info("Discord API at %s (set by %s, %s)", service.shown_url(settings.api_url),
                 API_URL_VARIABLE, GATEWAY_URL_VARIABLE)


def _serving(settings: Settings) -> service.Serve:
    async def serving(engine: Engine, store: Store, stop: asyncio.Event) -> None:
        from adapters.discord_bot.frontend import DiscordFrontend, serve

        point_discord_py_at(settings)
        await serve(DiscordFrontend(engine, store, settings), stop)

    return serving
