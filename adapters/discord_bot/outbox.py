"""Sending rendered messages: as an interaction's response and follow-ups, or into a
channel; and what each refusal from Discord means.

Two places a turn's replies go, one interface (`send`, `picture`), each returning
False once nothing more should be sent there:

- `InteractionOutbox`: the first message answers the interaction (or replaces the
  message whose button was pressed, when the reply says `edit`); once the
  interaction was deferred, the first message fills in the deferred response;
  the rest are follow-ups. An interaction Discord no longer knows (10062: it was
  not acknowledged within 3 s) is logged and dropped, never retried.
- `ChannelOutbox`: plain channel messages. A channel that refuses the bot (403)
  is marked in the store so the bot stops trying there, and the server's owner is
  told once (`Refusals`).

Every message is sent with `allowed_mentions` that ping nobody: the text is already
inert (`render`), and this holds even if it were not. Rate limits are discord.py's
business: it waits and retries.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord_bot import buttons
from adapters.discord_bot.render import (
    ATTACHMENT_DESCRIPTION_LIMIT,
    CONTENT_LIMIT,
    Message,
    plain_text,
)
from tutorbot.engine.messages import Image

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
UNKNOWN_INTERACTION = 10062
UNKNOWN_WEBHOOK = 10015
ALREADY_ACKNOWLEDGED = 40060
UNKNOWN_CHANNEL = 10003
CANNOT_DM = 50007
CAPTION_LIMIT = 300


def embed(message: Message) -> discord.Embed | None:
    if message.card is None:
        return None
    card = message.card
    return discord.Embed(title=card.title, description=card.description or None,
                         colour=card.colour)


def picture_file(image: Image) -> discord.File:
    return discord.File(io.BytesIO(image.data), filename=image.filename,
                        description=plain_text(image.alt, ATTACHMENT_DESCRIPTION_LIMIT) or None)


def caption(image: Image) -> str:
    return plain_text(image.alt, CAPTION_LIMIT) if image.alt else ""


class InteractionOutbox:
    """The replies to one interaction."""

    def __init__(self, interaction: discord.Interaction[Any], owner: int, *,
                 ephemeral: bool) -> None:
        self.interaction = interaction
        self.owner = owner
        self.ephemeral = ephemeral
        self._deferred: str | None = None  # "thinking" or "update"
        self._original_filled = False
        self.gone = False

    @property
    def acknowledged(self) -> bool:
        return self.interaction.response.is_done()

    async def defer(self) -> bool:
        """Acknowledge now and answer later: "thinking…" for a command, nothing visible
        for a button."""
        if self.acknowledged:
            return True
        component = self.interaction.type is discord.InteractionType.component
        try:
            if component:
                await self.interaction.response.defer()
            else:
                await self.interaction.response.defer(ephemeral=self.ephemeral, thinking=True)
        except discord.HTTPException as error:
            return self._failed(error, "defer")
        self._deferred = "update" if component else "thinking"
        log.debug("interaction %s deferred", self.interaction.id)
        return True

    async def send(self, message: Message, *, edit: bool = False) -> bool:
        if self.gone:
            return False
        shown = embed(message)
        view = buttons.view(self.owner, message.buttons)
        response = self.interaction.response
        component = self.interaction.type is discord.InteractionType.component
        try:
            if not response.is_done() and edit and component:
                await response.edit_message(
                    content=message.content or None, embed=shown, view=view, attachments=[])
            elif not response.is_done():
                await response.send_message(
                    content=message.content or None, embed=_given(shown), view=_given(view),
                    ephemeral=self.ephemeral, allowed_mentions=NO_PINGS)
            elif (self._deferred == "thinking" and not self._original_filled) or (
                    self._deferred == "update" and edit and not self._original_filled):
                await self.interaction.edit_original_response(
                    content=message.content or None, embed=shown, view=view,
                    allowed_mentions=NO_PINGS)
                self._original_filled = True
            else:
                await self.interaction.followup.send(
                    content=_given(message.content or None), embed=_given(shown),
                    view=_given(view),
                    ephemeral=self.ephemeral, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            return self._failed(error, "answer")
        return True

    async def picture(self, image: Image) -> bool:
        if self.gone:
            return False
        try:
            if not self.acknowledged:
                await self.interaction.response.send_message(
                    content=caption(image), file=picture_file(image), ephemeral=self.ephemeral,
                    allowed_mentions=NO_PINGS)
            else:
                await self.interaction.followup.send(
                    content=caption(image), file=picture_file(image), ephemeral=self.ephemeral,
                    allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            return self._failed(error, "send a picture")
        return True

    async def refuse(self, text: str) -> None:
        """A short ephemeral answer that changes nothing (someone else's button, a
        command not allowed here)."""
        try:
            if self.acknowledged:
                await self.interaction.followup.send(text, ephemeral=True,
                                                     allowed_mentions=NO_PINGS)
            else:
                await self.interaction.response.send_message(text, ephemeral=True,
                                                             allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            self._failed(error, "refuse")

    def _failed(self, error: discord.HTTPException, doing: str) -> bool:
        self.gone = True
        if error.code == UNKNOWN_INTERACTION:
            log.warning("interaction %s expired before it was answered (10062); dropped",
                        self.interaction.id)
        elif error.code == UNKNOWN_WEBHOOK:
            log.warning("interaction %s can no longer be followed up (10015)",
                        self.interaction.id)
        elif error.code == ALREADY_ACKNOWLEDGED:
            log.error("interaction %s was answered twice (40060)", self.interaction.id)
        else:
            log.error("could not %s interaction %s: %s %s", doing, self.interaction.id,
                      error.status, error.code)
        return False


Forbidden = Callable[[discord.abc.Messageable, int, discord.HTTPException], Awaitable[None]]


class ChannelOutbox:
    """Replies into a channel, thread or DM; `refused` is told of a 403 there."""

    def __init__(self, channel: discord.abc.Messageable, channel_id: int, owner: int,
                 refused: Forbidden, *, reference: discord.Message | None = None) -> None:
        self.channel = channel
        self.channel_id = channel_id
        self.owner = owner
        self.refused = refused
        self.reference = reference
        self.gone = False

    async def send(self, message: Message, *, edit: bool = False) -> bool:
        return await self._post(
            content=message.content or None, embed=embed(message),
            view=buttons.view(self.owner, message.buttons),
        )

    async def picture(self, image: Image) -> bool:
        return await self._post(content=caption(image) or None, file=picture_file(image))

    async def post_text(self, text: str, *, mentions: discord.AllowedMentions = NO_PINGS,
                        ) -> bool:
        """A line of the bot's own (already safe) text."""
        return await self._post(content=text[:CONTENT_LIMIT], mentions=mentions)

    async def _post(self, *, content: str | None = None, embed: discord.Embed | None = None,
                    view: discord.ui.View | None = None, file: discord.File | None = None,
                    mentions: discord.AllowedMentions = NO_PINGS) -> bool:
        if self.gone:
            return False
        options: dict[str, Any] = {"allowed_mentions": mentions}
        if embed is not None:
            options["embed"] = embed
        if view is not None:
            options["view"] = view
        if file is not None:
            options["file"] = file
        if self.reference is not None:
            options["reference"] = self.reference
            options["mention_author"] = False
            self.reference = None
        try:
            await self.channel.send(content, **options)
        except (discord.Forbidden, discord.NotFound) as error:
            self.gone = True
            await self.refused(self.channel, self.channel_id, error)
            return False
        except discord.HTTPException as error:
            log.error("could not write in channel %s: %s %s", self.channel_id, error.status,
                      error.code)
            return False
        return True


def _given(value: Any) -> Any:
    """discord.py's "not given" for None where None is not accepted."""
    return discord.utils.MISSING if value is None else value


async def typing_after(channel: discord.abc.Messageable, delay: float,
                       work: asyncio.Future[Any]) -> None:
    """Show "typing…" in `channel` if `work` is still going after `delay` seconds."""
    done, _ = await asyncio.wait({work}, timeout=delay)
    if done:
        return
    try:
        await channel.typing()
    except discord.HTTPException as error:
        log.debug("typing not shown in a channel: %s %s", error.status, error.code)
