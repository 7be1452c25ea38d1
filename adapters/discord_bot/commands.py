"""The slash commands: what learners and server admins can type after `/`.

    /tutor start [tutorial] | hint | skip | next | progress | resume | reset | solution | help
    /design add component [count] | remove component [count] | connect from to | show |
            check | simulate [run] | undo
    /answer value
    /tutor-settings show | channel channel answer | everywhere | role [role]   (Manage Server)

Each learner command is the engine's own text command (`/design add app 3` is
`add 3 app`), so the engine stays the one place that decides. `/tutor-settings` is
a command of its own because Discord grants `default_member_permissions` per
top-level command: members without Manage Server do not even see it, and the
frontend checks again (a server may have granted it to a role instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

if TYPE_CHECKING:
    from adapters.discord_bot.frontend import DiscordFrontend

Interaction = discord.Interaction[Any]
Choices = list[app_commands.Choice[str]]

LEARNER_CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True)
TUTOR_COMMANDS = (
    ("hint", "A hint for the question or build task in hand"),
    ("skip", "Skip this question and see the worked answer"),
    ("next", "Go on to the next step"),
    ("progress", "Your progress in each tutorial"),
    ("resume", "Continue where you stopped"),
    ("reset", "Start the current tutorial over (asks first)"),
    ("solution", "Compare your design with the reference (asks first)"),
    ("help", "What you can do right now"),
)


def command_set(frontend: DiscordFrontend) -> list[app_commands.Group | app_commands.Command[
        Any, Any, Any]]:
    """Every command the bot offers, answered by `frontend`."""
    return [_tutor(frontend), _design(frontend), _answer(frontend), _settings(frontend)]


def _tutor(frontend: DiscordFrontend) -> app_commands.Group:
    tutor = app_commands.Group(name="tutor", description="Learn system design by doing",
                               allowed_contexts=LEARNER_CONTEXTS)

    @tutor.command(name="start", description="Pick a tutorial; in a server, your lesson "
                                             "opens in a private thread")
    @app_commands.describe(tutorial="Open this tutorial straight away")
    async def start(interaction: Interaction, tutorial: str | None = None) -> None:
        await frontend.start(interaction, tutorial)

    @start.autocomplete("tutorial")
    async def tutorials(interaction: Interaction, current: str) -> Choices:
        return frontend.tutorial_choices(current)

    for name, description in TUTOR_COMMANDS:
        tutor.add_command(_text_command(frontend, name, description, f"/{name}"))
    return tutor


def _text_command(frontend: DiscordFrontend, name: str, description: str,
                  text: str) -> app_commands.Command[Any, Any, Any]:
    async def run(interaction: Interaction) -> None:
        await frontend.command(interaction, text=text)

    return app_commands.Command(name=name, description=description, callback=run)


def _design(frontend: DiscordFrontend) -> app_commands.Group:
    design = app_commands.Group(name="design", description="Build your architecture",
                                allowed_contexts=LEARNER_CONTEXTS)

    @design.command(name="add", description="Add components: /design add app 3")
    @app_commands.describe(component="What to add", count="How many (default 1)")
    async def add(interaction: Interaction, component: str,
                  count: app_commands.Range[int, 1, 1000] = 1) -> None:
        await frontend.command(interaction, text=f"add {count} {_word(component)}")

    @design.command(name="remove", description="Remove components: /design remove app 2")
    @app_commands.describe(component="What to remove", count="How many (default: all)")
    async def remove(interaction: Interaction, component: str,
                     count: app_commands.Range[int, 1, 1000] | None = None) -> None:
        amount = f"{count} " if count is not None else ""
        await frontend.command(interaction, text=f"remove {amount}{_word(component)}")

    @design.command(name="connect", description="Connect two components: traffic flows "
                                                "from the first to the second")
    @app_commands.rename(source="from", target="to")
    @app_commands.describe(source="Where traffic comes from", target="Where it goes")
    async def connect(interaction: Interaction, source: str, target: str) -> None:
        await frontend.command(interaction, text=f"connect {_word(source)} {_word(target)}")

    async def components(interaction: Interaction, current: str) -> Choices:
        return await frontend.component_choices(interaction, current)

    add.autocomplete("component")(components)
    remove.autocomplete("component")(components)
    connect.autocomplete("source")(components)
    connect.autocomplete("target")(components)

    @design.command(name="simulate", description="Run your design under the tutorial's "
                                                 "traffic")
    @app_commands.describe(run="Optional: peak, 2x, or fail app 2")
    async def simulate(interaction: Interaction, run: str | None = None) -> None:
        words = " ".join((run or "").split())[:100]
        text = words if words.lower().startswith("fail") else f"simulate {words}".strip()
        await frontend.command(interaction, text=text)

    for name, description in (("show", "Your design, as a list and a picture"),
                              ("check", "Which tiers your design passes"),
                              ("undo", "Undo your last design change")):
        design.add_command(_text_command(frontend, name, description, name))
    return design


def _answer(frontend: DiscordFrontend) -> app_commands.Command[Any, Any, Any]:
    @app_commands.command(name="answer", description="Answer the checkpoint question: "
                                                     "5, 1000/200, 11.25k, 99.7%")
    @app_commands.describe(value="Your answer, in your own words")
    @app_commands.allowed_contexts(guilds=True, dms=True)
    async def answer(interaction: Interaction,
                     value: app_commands.Range[str, 1, 1000]) -> None:
        await frontend.command(interaction, text=value)

    return answer


def _settings(frontend: DiscordFrontend) -> app_commands.Group:
    settings = app_commands.Group(
        name="tutor-settings", description="Where the tutor answers on this server",
        guild_only=True, default_permissions=discord.Permissions(manage_guild=True),
    )

    @settings.command(name="show", description="The tutor's settings on this server")
    async def show(interaction: Interaction) -> None:
        await frontend.settings_show(interaction)

    @settings.command(name="channel", description="Answer in this channel, or stop")
    @app_commands.describe(channel="A text channel", answer="Whether the tutor answers there")
    async def channel(interaction: Interaction, channel: discord.TextChannel,
                      answer: bool) -> None:
        await frontend.settings_channel(interaction, channel.id, answer)

    @settings.command(name="everywhere", description="Answer in every channel again")
    async def everywhere(interaction: Interaction) -> None:
        await frontend.settings_everywhere(interaction)

    @settings.command(name="role", description="A role that may change these settings "
                                               "too (leave empty to clear)")
    @app_commands.describe(role="Members with this role may change the settings")
    async def role(interaction: Interaction, role: discord.Role | None = None) -> None:
        await frontend.settings_role(interaction, None if role is None else role.id)

    return settings


def _word(text: str) -> str:
    """A component name as typed into an option: one word, printable, short."""
    words = "".join(c for c in text if c.isprintable()).split()
    return "_".join(words)[:60] or "?"
