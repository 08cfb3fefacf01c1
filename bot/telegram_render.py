"""Telegram's side of a reply: text chunks, inline keyboards, the command menu, and polite retries.

:mod:`bot.telegram` receives updates; this module turns a :class:`bot.messages.BotReply` into
``sendMessage`` calls and keeps to Telegram's limits: texts of at most 4,096 characters, callback data
of at most 64 bytes, ``retry_after`` on 429 (flood control) and a short back-off on 5xx and network
errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import yaml
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.button_ids import ButtonIds
from bot.messages import BotReply, Button
from nlu.languages import SUPPORTED

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_CALLBACK_BYTES = 64
SHORT_ID = "#"  # callback data starting with this is a short id for a long payload
ATTEMPTS = 4
BACKOFF_SECONDS = 0.5  # 0.5, 1, 2 s between attempts after a 5xx or network error
MAX_RETRY_AFTER = 60.0
TYPING_EVERY_SECONDS = 4.0  # Telegram shows "typing…" for about 5 s
COMMANDS_FILE = Path(__file__).resolve().parent / "telegram_commands.yml"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut ``text`` into chunks Telegram accepts, preferably at a paragraph, a line or a space."""
    text = text.strip()
    chunks: list[str] = []
    while text:
        end, used = 0, 0
        while end < len(text) and used + _units(text[end]) <= limit:
            used += _units(text[end])
            end += 1
        if end < len(text):
            for separator in ("\n\n", "\n", " "):
                found = text.rfind(separator, limit // 2, end)
                if found > 0:
                    end = found
                    break
        chunks.append(text[:end].rstrip())
        text = text[end:].lstrip()
    return chunks


class CallbackIds(ButtonIds):
    """Button payloads as callback data (1-64 bytes); longer ones as ``#`` + 24 hex digits."""

    def __init__(self, size: int = 10_000) -> None:
        super().__init__(SHORT_ID, 24, lambda text: len(text.encode()), size)

    def data_for(self, payload: str) -> str:
        return self.id_for(payload, MAX_CALLBACK_BYTES)
        short = SHORT_ID + hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._payloads[short] = payload
        self._payloads.move_to_end(short)
        while len(self._payloads) > self._size:
            self._payloads.popitem(last=False)
        return short

    def payload_for(self, data: str) -> str | None:
        if not data.startswith(SHORT_ID):
            return data or None
        payload = self._payloads.get(data)
        if payload is not None:
            self._payloads.move_to_end(data)
        return payload


def keyboard(buttons: Sequence[Button], ids: CallbackIds) -> InlineKeyboardMarkup | None:
    """One button per row: titles in many languages are long, and rows of one read well on phones."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=ids.data_for(b.payload))] for b in buttons]
    )


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asks for, capped at a minute (int before PTB's switch to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> T:
    """Run a Bot API call; on 429 wait ``retry_after``, on 5xx/network errors back off, then retry.

    Client errors (400 Bad Request, 403 Forbidden: the person blocked the bot) are not retried.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == ATTEMPTS:
                raise
            wait = retry_seconds(exc)
            logger.warning("telegram %s: flood control, retrying in %.1f s", what, wait)
            await asyncio.sleep(wait)
        except BadRequest:
            raise
        except NetworkError as exc:  # 5xx, time-outs, connection errors
            if attempt == ATTEMPTS:
                raise
            wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
            logger.warning("telegram %s failed (%s), retrying in %.1f s", what, type(exc).__name__, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def send_reply(bot: Bot, chat_id: int | str, reply: BotReply, ids: CallbackIds) -> int:
    """Send every message of ``reply``; buttons go under the last chunk of their message."""
    sent = 0
    for message in reply.messages:
        chunks = split_text(message.text) or (["…"] if message.buttons else [])
        for index, chunk in enumerate(chunks):
            markup = keyboard(message.buttons, ids) if index == len(chunks) - 1 else None
            call = functools.partial(
                bot.send_message,
                chat_id=chat_id,
                text=chunk,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
            await with_retries(call, "sendMessage")
            sent += 1
    return sent


async def _chat_action(bot: Bot, chat_id: int | str) -> None:
    try:
        await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
    except TelegramError as exc:  # only cosmetic: never let it stop the answer
        logger.debug("sendChatAction failed: %s", type(exc).__name__)


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int | str) -> AsyncIterator[None]:
    """Show "typing…" before the body runs and keep it up until the body is done."""
    await _chat_action(bot, chat_id)

    async def keep_up() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY_SECONDS)
            await _chat_action(bot, chat_id)

    task = asyncio.create_task(keep_up())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def load_commands(path: Path = COMMANDS_FILE) -> tuple[str, dict[str, list[BotCommand]]]:
    """The default language and the command menu per language, checked against the languages we speak."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names: list[str] = data["commands"]
    languages: dict[str, dict[str, str]] = data["languages"]
    missing = sorted(SUPPORTED - set(languages))
    if missing:
        raise ValueError(f"{path.name}: no commands for {', '.join(missing)}")
    menus: dict[str, list[BotCommand]] = {}
    for language, texts in languages.items():
        for name in names:
            description = str(texts.get(name) or "").strip()
            if not 1 <= len(description) <= 256:
                raise ValueError(f"{path.name}: {language}.{name} needs a description of 1-256 characters")
        menus[language] = [BotCommand(name, str(texts[name]).strip()) for name in names]
    default = data["default"]
    if default not in menus:
        raise ValueError(f"{path.name}: the default language {default!r} has no commands")
    return default, menus


async def set_commands(bot: Bot, path: Path = COMMANDS_FILE) -> None:
    """``setMyCommands`` for every language we speak, and the default language's menu for the rest."""
    default, menus = load_commands(path)
    await with_retries(functools.partial(bot.set_my_commands, menus[default]), "setMyCommands")
    for language, commands in menus.items():
        call = functools.partial(bot.set_my_commands, commands, language_code=language)
        await with_retries(call, "setMyCommands")
