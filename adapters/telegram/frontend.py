"""The tutor in Telegram: updates in, the engine's replies out.

Each update is decided first (`updates`: which conversation, is it meant for the
bot, what does the engine hear) and then acted on: the engine's turn runs in a
worker thread, since it reads and writes the database, and its replies are rendered
(`markup`) and sent (`outbox`). A picture is drawn after the turn, with "sending a
photo…" shown meanwhile. Updates of one chat are taken in order, different chats
side by side (`ordering`); an update Telegram delivers twice is answered once,
because the engine records its id in the same transaction as its effects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast

from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from adapters import service
from adapters.telegram import markup
from adapters.telegram.buttons import CallbackData
from adapters.telegram.ordering import ChatOrderedProcessor
from adapters.telegram.outbox import Outbox, Outcome
from adapters.telegram.settings import Settings
from adapters.telegram.updates import (
    Incoming,
    Me,
    Unreadable,
    Where,
    from_button,
    from_message,
)
from adapters.telegram.webhook import WebhookServer
from tutorbot.engine.engine import Engine
from tutorbot.engine.messages import Reply
from tutorbot.store import Store

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

COMMANDS = (
    ("start", "Pick a tutorial"),
    ("help", "What I can do here"),
    ("hint", "A hint for the question or task in hand"),
    ("skip", "Skip this question and see the worked answer"),
    ("progress", "Your progress in each tutorial"),
    ("tutorials", "The list of tutorials"),
    ("resume", "Continue where you stopped"),
    ("reset", "Start a tutorial over"),
    ("solution", "Compare with the reference design"),
    ("show", "Your design, as a picture"),
    ("check", "Which tiers of requirements are green"),
    ("simulate", "Run your design: /simulate peak, /fail app 2"),
    ("a", "Answer in a group: /a 42"),
)
UNREADABLE = ("I read text and buttons only. Type your answer or a command — "
              "/help lists them.")


class TelegramFrontend:
    """One bot: its PTB application, the engine it talks for, and the store behind it."""

    def __init__(self, engine: Engine, store: Store, settings: Settings) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.buttons = CallbackData()
        self.application: App = self._build()
        self.outbox = Outbox(self.application.bot, store, retries=settings.send_retries,
                             pause=settings.retry_pause)
        self.me = Me(0, "")
        self._chores: asyncio.Task[None] | None = None

    def _build(self) -> App:
        settings = self.settings
        builder = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.base_url)
            .base_file_url(settings.base_file_url)
            .concurrent_updates(ChatOrderedProcessor(settings.concurrency))
            .connection_pool_size(settings.connections)
            .connect_timeout(settings.connect_timeout)
            .pool_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .write_timeout(settings.read_timeout)
            .job_queue(None)
        )
        limits = settings.rate_limits
        if limits is not None:
            limiter = AIORateLimiter(
                overall_max_rate=limits.per_second, group_max_rate=limits.per_group_per_minute,
                max_retries=limits.retries,
            )
            # The builder's type names the default "no limiter" arguments (None); this
            # limiter takes a retry count instead, which the bot never passes.
            builder = builder.rate_limiter(cast(Any, limiter))
        application: App = builder.build()
        application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migration))
        # Text, and everything else people send (stickers, photos, voice notes).
        application.add_handler(MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self.on_message
        ))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(
            ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        application.add_handler(TypeHandler(object, self.on_ignored))
        application.add_error_handler(self.on_error)
        return application

    # Lifecycle ------------------------------------------------------------------------------

    async def prepare(self) -> None:
        """After `initialize` (which asked Telegram who the bot is): the command menu, what
        privacy mode means here, and the chores."""
        bot = self.application.bot
        self.me = Me(bot.id, bot.username)
        if bot.bot.can_read_all_group_messages:
            log.info("@%s reads every group message (privacy mode off); it answers only "
                     "commands, replies to it and mentions of it", bot.username)
        else:
            log.info("@%s has privacy mode on: in groups it sees only commands, replies to "
                     "its messages and mentions; learners answer with /a or by replying",
                     bot.username)
        try:
            await bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
        except TelegramError as error:
            log.warning("the command menu was not set: %s", error.message)
        self._chores = asyncio.create_task(service.forget_old_deliveries(self.store, 3600))

    async def finish(self) -> None:
        if self._chores is not None:
            self._chores.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._chores

    # Handlers -------------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        incoming = from_message(message, update.update_id, self.me)
        if isinstance(incoming, Unreadable):
            await self._unreadable(incoming, update.update_id)
        elif incoming is None:
            log.debug("update %s dropped: not from a person in a chat", update.update_id)
        elif not incoming.event.addressed:
            log.debug("update %s dropped: not addressed to the bot", update.update_id)
        else:
            await self._turn(incoming)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        incoming = from_button(query, update.update_id, self.buttons.decode(query.data or ""))
        if incoming is None:
            log.debug("update %s dropped: the button's message is out of reach",
                      update.update_id)
            await self.outbox.answer_button(query.id)
            return
        await self._turn(incoming)

    async def on_migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id is not None:
            await self.outbox.migrate(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id is not None:
            await self.outbox.migrate(message.migrate_from_chat_id, message.chat.id)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        if status in ("kicked", "left"):
            await self.outbox.close(change.chat.id, f"the bot's membership became {status}")
        else:
            await self.outbox.heard_from(change.chat.id)

    async def on_ignored(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        number = update.update_id if isinstance(update, Update) else "?"
        kinds = ", ".join(sorted(update.to_dict())) if isinstance(update, Update) else "?"
        log.debug("update %s ignored (%s)", number, kinds)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        number = update.update_id if isinstance(update, Update) else None
        log.error("update %s failed", number, exc_info=context.error)

    # Acting ---------------------------------------------------------------------------------

    async def _turn(self, incoming: Incoming) -> None:
        where = incoming.where
        answering = None
        if incoming.query_id is not None:
            answering = asyncio.create_task(self.outbox.answer_button(incoming.query_id))
        await self.outbox.heard_from(where.chat_id)
        work = asyncio.ensure_future(asyncio.to_thread(self.engine.handle, incoming.event))
        done, _ = await asyncio.wait({work}, timeout=self.settings.typing_after)
        if not done:
            await self.outbox.show_action(where, ChatAction.TYPING)
        replies = await work
        if answering is not None:
            await answering
        for reply in replies:
            if await self._deliver(where, reply) is Outcome.GONE:
                break

    async def _unreadable(self, unreadable: Unreadable, update_id: int) -> None:
        if not unreadable.addressed:
            log.debug("update %s dropped: not text, and not addressed", update_id)
            return
        await self.outbox.heard_from(unreadable.where.chat_id)
        await self.outbox.send_text(unreadable.where, markup.split(UNREADABLE), None)

    async def _deliver(self, where: Where, reply: Reply) -> Outcome:
        chunks = markup.split(reply.text)
        keyboard = self.buttons.keyboard(reply.buttons)
        if not chunks and keyboard is not None:
            chunks = ["…"]
        outcome = Outcome.SENT
        if chunks:
            outcome = await self.outbox.send_text(where, chunks, keyboard, edit=reply.edit)
            if outcome is Outcome.GONE:
                return outcome
        image = reply.image
        if reply.drawing is not None:
            showing = asyncio.create_task(self.outbox.show_action(where, ChatAction.UPLOAD_PHOTO))
            image = await asyncio.to_thread(self.engine.draw, reply.drawing)
            await showing
        if image is not None:
            outcome = await self.outbox.send_photo(where, image, markup.caption(image.alt))
        return outcome


async def serve(frontend: TelegramFrontend, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set, then finish the updates in hand and close."""
    settings = frontend.settings
    application = frontend.application
    async with application:
        await frontend.prepare()
        allowed = list(settings.allowed_updates) if settings.allowed_updates else None
        hook = settings.webhook
        receiver = None
        updater = application.updater
        assert updater is not None
        if hook is None:
            await updater.start_polling(
                poll_interval=0, timeout=int(settings.poll_timeout), allowed_updates=allowed,
                bootstrap_retries=3,
            )
            log.info("polling %s for updates", "a self-hosted Bot API server"
                     if settings.self_hosted else "Telegram")
        else:
            receiver = WebhookServer(application, hook)
            await receiver.start(allowed)
            log.info("webhook set; listening on %s:%d", hook.listen, hook.port)
        await application.start()
        try:
            await stop.wait()
        finally:
            log.info("stopping: finishing the updates in hand")
            if receiver is not None:
                await receiver.stop()
            if updater.running:
                await updater.stop()
            await application.stop()
            await frontend.finish()
    log.info("stopped")
