"""The Discord frontend: the tutor as a bot, through discord.py.

`command` is `tutorbot discord` and `config` its settings (importing either costs
no discord.py, so the other commands start quickly); `frontend` holds the bot itself
(`DiscordFrontend`, its client, `serve`), `commands` the slash commands, `render`
turns replies into Discord messages and cards, `buttons` turns the engine's buttons
into ones that survive restarts, `outbox` sends and decides what each refusal
means, and `registry` keeps the frontend's own durable records in the store.
discord.py is imported only inside this package. (It is not called `discord`, so it
can never hide the library from an import.)
"""

from adapters.discord_bot.command import add_command
from adapters.discord_bot.config import Settings

__all__ = ["Settings", "add_command"]
