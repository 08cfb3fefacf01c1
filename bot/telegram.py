"""Telegram: python-telegram-bot inside the gateway, by long polling (default) or by webhook.

``setup_telegram(app)`` builds a PTB :class:`~telegram.ext.Application` without PTB's ``Updater``:

- **Polling** (no ``TELEGRAM_WEBHOOK_URL``): our own ``getUpdates`` loop processes each batch and only
  then asks for the next one with ``offset`` = last ``update_id`` + 1, which is what confirms a batch to
  Telegram. A stop or crash mid-batch therefore loses nothing: the batch comes again after a restart,
  and the conversation service drops what it had already handled (``message_id`` = ``update_id``).
  (PTB's ``Updater`` confirms a batch as soon as it is queued, before it is processed.)
- **Webhook** (``TELEGRAM_WEBHOOK_URL`` set): like PTB's ``customwebhookbot`` example, our aiohttp app
  serves ``POST /webhooks/telegram``, checks ``X-Telegram-Bot-Api-Secret-Token`` and puts the update
  on ``application.update_queue``.

Private text, commands and button taps go to the conversation service; other input gets the
``non_text_input`` notice; groups are ignored except ``/start``. Chat ids and texts are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiohttp import web
from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.errors import BadRequest
from bot.messages import BotMessage, BotReply, IncomingMessage
from bot.settings import Settings
from bot.state import CHANNELS, SERVICE, SETTINGS
from bot.storage import StorageUnavailable
from bot.telegram_render import CallbackIds, retry_seconds, send_reply, set_commands, typing, with_retries
from nlu.languages import normalise

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
ALLOWED_UPDATES = ("message", "callback_query")
COMMANDS = ("start", "help", "menu", "language", "human", "delete")
POLL_TIMEOUT = 25  # seconds Telegram holds an empty getUpdates open
CONCURRENT_UPDATES = 32  # updates of different chats handled at once; one chat stays in order
RECENT_UPDATES = 10_000  # update ids remembered to drop a second delivery at once
STOP_SECONDS = 45.0  # how long a stop waits for a batch in progress
RETRY_UNSTORED_SECONDS = 3.0  # pause before fetching updates again that could not be stored

TelegramApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE


def command_text(text: str) -> str:
    """``/start@AnkommenBot`` or ``/start deep-link`` → ``/start``; other text as it is."""
    if text.startswith("/"):
        name = text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        if name in COMMANDS:
            return "/" + name
    return text


def file_url(api_url: str) -> str:
    """``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot``."""
    return (
        api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url.rstrip("/") + "/file"
    )


class TelegramChannel:
    """The Telegram bot: its PTB application, its handlers, polling or webhook, and late answers."""

    name = CHANNEL

    def __init__(self, app: web.Application, settings: Settings) -> None:
        self._app = app
        self._settings = settings
        self.webhook_mode = bool(settings.telegram_webhook_url)
        self.ids = CallbackIds()
        self.application: TelegramApp | None = None
        self.ready = asyncio.Event()  # set once Telegram accepted the token and updates flow
        self.stopping = asyncio.Event()  # set when the gateway shuts down
        self._recent: OrderedDict[int, None] = OrderedDict()  # update ids handled
        self._told: OrderedDict[int, None] = OrderedDict()  # told "technical problem": storage was down
        self._unstored: set[int] = set()  # to fetch again once the database is back
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def build(self) -> TelegramApp:
        """A PTB application talking to ``TELEGRAM_API_URL``, without PTB's Updater."""
        token = self._settings.telegram_bot_token
        assert token, "setup_telegram is only called with TELEGRAM_BOT_TOKEN set"
        application = (
            Application.builder()
            .token(token)
            .base_url(self._settings.telegram_api_url)
            .base_file_url(file_url(self._settings.telegram_api_url))
            .updater(None)
            .job_queue(None)
            .concurrent_updates(CONCURRENT_UPDATES)
            .build()
        )
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        application.add_handler(TypeHandler(Update, self.drop_duplicates), group=-1)
        application.add_handler(MessageHandler(private & filters.TEXT, self.on_text))
        application.add_handler(
            MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_other)
        )
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(
            CommandHandler("start", self.on_group_start, filters.ChatType.GROUPS & filters.UpdateType.MESSAGE)
        )
        application.add_error_handler(self.on_error)
        return application

    # --- handlers -------------------------------------------------------------------------------

    async def drop_duplicates(self, update: Update, context: Context) -> None:
        """Runs first: a second delivery of an update id seen recently stops here."""
        if update.update_id in self._recent:
            logger.info("duplicate telegram update %s dropped", update.update_id)
            raise ApplicationHandlerStop
        self._recent[update.update_id] = None
        while len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)

    async def on_text(self, update: Update, context: Context) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and message.text is not None
        language = user.language_code if user else None
        await self._converse(update, message.chat_id, command_text(message.text), language)

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        try:
            await with_retries(query.answer, "answerCallbackQuery")
        except TelegramError as exc:  # a tap older than Telegram's limit: answer anyway
            logger.debug("answerCallbackQuery failed: %s", type(exc).__name__)
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        payload = self.ids.payload_for(query.data or "") or "/help"  # unknown short id: the menu
        await self._converse(update, chat.id, payload, query.from_user.language_code)

    async def on_other(self, update: Update, context: Context) -> None:
        """Voice, photo, sticker, document, location...: the bot reads text; here is the menu."""
        message, user = update.effective_message, update.effective_user
        assert message is not None
        language = normalise(user.language_code if user else None)
        reply = self._app[SERVICE].notice("non_text_input", language)
        await send_reply(context.bot, message.chat_id, reply, self.ids)

    async def on_group_start(self, update: Update, context: Context) -> None:
        """``/start`` in a group: the bot talks in private chats only (no buttons in groups)."""
        message, user = update.effective_message, update.effective_user
        assert message is not None
        notice = self._app[SERVICE].notice(
            "group_chat_private_only", normalise(user.language_code if user else None)
        )
        reply = BotReply(tuple(BotMessage(m.text) for m in notice.messages), notice.meta)
        await send_reply(context.bot, message.chat_id, reply, self.ids)

    async def on_error(self, update: object, context: Context) -> None:
        """PTB's error handler: the update id and the error, never the message text or the chat."""
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        logger.error(
            "telegram update %s failed: %s",
            update_id,
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )

    async def _converse(self, update: Update, chat_id: int, text: str, language: str | None) -> None:
        """One turn: typing, the conversation service, the reply. One chat's turns stay in order."""
        service, update_id = self._app[SERVICE], update.update_id
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            bot = self._bot()
            async with typing(bot, chat_id):
                message = IncomingMessage(CHANNEL, str(chat_id), text, str(update_id), language)
                try:
                    reply = await service.handle(message)
                except StorageUnavailable:
                    # Not stored: polling fetches this update again (see _answer); say so only once.
                    self._recent.pop(update_id, None)
                    if not self.webhook_mode:
                        self._unstored.add(update_id)
                    # Polling keeps the update at Telegram, so it will be answered; a webhook's is gone.
                    key = "storage_unavailable" if self.webhook_mode else "technical_problem"
                    reply = None if update_id in self._told else service.notice(key, normalise(language))
                    self._told[update_id] = None
                    while len(self._told) > RECENT_UPDATES:
                        self._told.popitem(last=False)
                except Exception:
                    logger.exception("telegram update %s: the conversation service failed", update_id)
                    reply = service.notice("technical_problem", normalise(language))
            if reply is not None:  # None: a second delivery of a message already answered
                await send_reply(bot, chat_id, reply, self.ids)

    # --- delivery of late answers -----------------------------------------------------------------

    def _bot(self) -> Bot:
        if self.application is None:
            raise RuntimeError("the Telegram bot is not running")
        return self.application.bot

    async def deliver(self, address: str, reply: BotReply) -> None:
        """Send an answer that was produced later (the engine was down) to chat ``address``."""
        if not self.ready.is_set():
            raise RuntimeError("the Telegram bot is not connected yet")
        await send_reply(self._bot(), int(address), reply, self.ids)

    # --- webhook --------------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /webhooks/telegram``: 401 without the secret token, 403 with a wrong one, 400 if bad."""
        secret = self._settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            raise web.HTTPUnauthorized()
        if not hmac.compare_digest(given.encode(), secret.encode()):
            raise web.HTTPForbidden()
        application = self.application
        if application is None or not application.running:
            raise web.HTTPServiceUnavailable()  # Telegram delivers it again later
        try:
            data = await request.json()
        except ValueError as exc:
            raise BadRequest("the body must be JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise BadRequest("the body must be a Telegram update")
        try:
            update = Update.de_json(data, application.bot)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise BadRequest("the body must be a Telegram update") from exc
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    # --- start, poll, stop ----------------------------------------------------------------------

    async def lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: connect in the background, so a Telegram outage never blocks the
        gateway; stop after the batch in progress."""
        runner = asyncio.create_task(self._run())
        yield
        self.stopping.set()
        try:
            await asyncio.wait_for(runner, STOP_SECONDS)
        except asyncio.TimeoutError:
            logger.warning("telegram: stopped while a batch was still being answered")
        application = self.application
        if application is not None:
            if application.running:
                await application.stop()  # answers what is already in the webhook queue
            await application.shutdown()

    async def _run(self) -> None:
        try:
            application = self.application = self.build()
            if not await self._connect(application):
                return
            self.ready.set()
            if not self.webhook_mode:
                await self._poll(application)
        except Exception:  # a bug, not Telegram: say so now, not only at shutdown
            logger.exception("the Telegram channel stopped")

    async def _connect(self, application: TelegramApp) -> bool:
        """getMe, webhook or no webhook, the command menu; retried while Telegram is unreachable."""
        failures = 0
        while not self.stopping.is_set():
            try:
                await application.initialize()  # getMe; does nothing the second time
                if not application.running:
                    await application.start()  # before setWebhook, so the route takes updates at once
                bot = application.bot
                if self.webhook_mode:
                    await bot.set_webhook(
                        url=self._settings.telegram_webhook_url or "",
                        secret_token=self._settings.telegram_webhook_secret,
                        allowed_updates=list(ALLOWED_UPDATES),
                    )
                else:  # getUpdates answers 409 Conflict while a webhook is set
                    await bot.delete_webhook(drop_pending_updates=False)
                await set_commands(bot)
                logger.info(
                    "telegram bot @%s connected (%s)",
                    bot.username,
                    "webhook" if self.webhook_mode else "polling",
                )
                return True
            except InvalidToken:
                logger.error("Telegram refused TELEGRAM_BOT_TOKEN; the Telegram channel stays off")
                return False
            except TelegramError as exc:
                failures += 1
                logger.warning("telegram: cannot connect yet (%s); trying again", type(exc).__name__)
                await self._pause(
                    retry_seconds(exc) if isinstance(exc, RetryAfter) else min(2.0**failures, 60.0)
                )
        return False

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _poll(self, application: TelegramApp) -> None:
        """Long polling; a batch is confirmed (offset) only after every update in it was handled."""
        bot, offset, failures = application.bot, None, 0
        while not self.stopping.is_set():
            fetch = asyncio.ensure_future(
                bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=list(ALLOWED_UPDATES))
            )
            stop = asyncio.ensure_future(self.stopping.wait())
            await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await fetch
                break
            try:
                updates = fetch.result()
            except InvalidToken:
                logger.error("Telegram refused TELEGRAM_BOT_TOKEN while polling; polling stops")
                return
            except TelegramError as exc:
                failures += 1
                logger.warning("telegram getUpdates failed (%s); trying again", type(exc).__name__)
                await self._pause(
                    retry_seconds(exc) if isinstance(exc, RetryAfter) else min(2.0**failures, 30.0)
                )
                continue
            failures = 0
            if updates:
                offset = await self._answer(application, updates)
        if offset is not None:  # confirm the last batch now, not only at the next start
            with contextlib.suppress(TelegramError):
                await bot.get_updates(offset=offset, timeout=0, allowed_updates=list(ALLOWED_UPDATES))

    async def _answer(self, application: TelegramApp, updates: Sequence[Update]) -> int:
        """Handle a batch (chats in parallel); the offset that confirms what was handled."""
        results = await asyncio.gather(
            *(application.process_update(u) for u in updates), return_exceptions=True
        )
        for error in results:
            if isinstance(error, Exception):  # PTB hands handler errors to on_error; this is PTB's own
                logger.error("telegram update processing failed: %s", type(error).__name__)
        unstored = sorted(self._unstored & {u.update_id for u in updates})
        self._unstored.clear()
        if unstored:  # the database was down: fetch these again (the rest is dropped as duplicates)
            await self._pause(RETRY_UNSTORED_SECONDS)
            return unstored[0]
        return updates[-1].update_id + 1


def setup_telegram(app: web.Application) -> None:
    """Add the Telegram channel: its lifecycle, and in webhook mode the route Telegram posts to."""
    # PTB's documented opt-in to time periods as timedelta (its future default); silences the
    # deprecation warning PTB raises itself when it builds a RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(max(logging.getLogger("httpx").getEffectiveLevel(), logging.WARNING))
    channel = TelegramChannel(app, app[SETTINGS])
    app[CHANNELS][CHANNEL] = channel
    if channel.webhook_mode:
        app.router.add_post(WEBHOOK_PATH, channel.webhook)
    app.cleanup_ctx.append(channel.lifecycle)
