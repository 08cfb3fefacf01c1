"""One message through the gateway: validate, dedupe, store, ask the engine, store the answer.

Every channel calls :meth:`ConversationService.handle` with an :class:`IncomingMessage` and renders the
:class:`BotReply` it returns. Nothing is dropped silently: a duplicate returns None, and a message the
engine could not answer is stored as ``failed``, answered with "technical problem" in the person's
language, and answered properly by :meth:`ConversationService.retry_failed` once the engine is back.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.addresses import AddressBox
from bot.channels import PUSH_CHANNELS
from bot.messages import BotMessage, BotReply, Button, IncomingMessage, ReplyMeta
from bot.pseudonym import pseudonymise
from bot.rasa_client import EngineUnavailable, RasaClient
from bot.storage import Conversation, Database, StorageUnavailable, StoredMessage
from knowledge.messages import Messages
from nlu.languages import DEFAULT_LANGUAGE, normalise

logger = logging.getLogger(__name__)

DELETE_COMMAND = "/delete"

#: Commands people type (Telegram's menu, the web chat) and the intent payloads they stand for.
#: ``/delete`` never reaches the engine: the gateway deletes the person's data itself.
COMMANDS = {
    "/start": "/greet",
    "/help": "/help",
    "/menu": "/help",
    "/language": "/choose_language",
    "/human": "/request_human",
    "/delete": DELETE_COMMAND,
}
#: A button payload: ``/intent`` or ``/intent{json}``; intents may hold digits (``kb_aufenthalt_25a_25b``).
PAYLOAD = re.compile(r"^/[a-z0-9_]+(\{.*\})?$", re.S)


@dataclass(frozen=True)
class Delivery:
    """A late answer to a message that failed earlier, for its channel to deliver."""

    message: IncomingMessage
    reply: BotReply


def engine_text(text: str) -> str:
    """What the engine gets: commands mapped to intents, other slash-text as plain text."""
    command = text.split("@", 1)[0].strip().lower() if text.startswith("/") else ""
    if command in COMMANDS:
        return COMMANDS[command]
    if text.startswith("/") and not PAYLOAD.match(text):
        return text.lstrip("/").strip()
    return text


class ConversationService:
    def __init__(
        self, db: Database, rasa: RasaClient, messages: Messages, pseudonym_key: bytes, max_chars: int = 4000
    ) -> None:
        self._db = db
        self._rasa = rasa
        self._messages = messages
        self._key = pseudonym_key
        self._addresses = AddressBox(pseudonym_key)
        self._max_chars = max_chars
        self.counters: Counter[tuple[str, str]] = Counter()

    def pseudonym(self, channel: str, channel_user_id: str) -> str:
        return pseudonymise(self._key, channel, channel_user_id)

    def notice(self, key: str, language: str | None, pending: bool = False) -> BotReply:
        """A reply made by the gateway itself, from messages.yml, in the best language it has."""
        localized = self._messages.get(key, language or DEFAULT_LANGUAGE)
        menu = self._messages.get("btn_menu", localized.language).text
        message = BotMessage(localized.text, (Button(menu, "/help"),))
        return BotReply((message,), ReplyMeta(route="other", language=localized.language, pending=pending))

    async def handle(self, msg: IncomingMessage) -> BotReply | None:
        """Answer one message; None when it is a duplicate delivery of one already handled.

        Raises :class:`StorageUnavailable` when the database is down: the message could not be stored,
        so the channel must answer "technical problem" and let the platform deliver it again.
        """
        try:
            return await self._handle(msg)
        except (SQLAlchemyError, OSError) as exc:
            logger.error("database unavailable for a %s message: %s", msg.channel, type(exc).__name__)
            raise StorageUnavailable(type(exc).__name__) from exc

    async def _handle(self, msg: IncomingMessage) -> BotReply | None:
        text = msg.text.strip()
        pseudonym = self.pseudonym(msg.channel, msg.channel_user_id)
        if engine_text(text) == DELETE_COMMAND:
            return await self._delete_person(msg, pseudonym)
        address = msg.channel_user_id if msg.channel in PUSH_CHANNELS else None
        conversation_id, language = await self._conversation(msg.channel, pseudonym, address)
        stored = await self._store_inbound(conversation_id, msg, text)
        if stored is None:
            self.counters[(msg.channel, "duplicate")] += 1
            logger.info("duplicate %s message %s dropped", msg.channel, msg.message_id)
            return None
        self.counters[(msg.channel, "in")] += 1
        best = language or normalise(msg.client_language)
        if not text:
            return await self._finish(stored, conversation_id, self.notice("empty_message", best), "answered")
        if len(text) > self._max_chars:
            return await self._finish(
                stored, conversation_id, self.notice("message_too_long", best), "answered"
            )
        return await self._ask_engine(stored, conversation_id, msg, text, pseudonym, language)

    async def _ask_engine(
        self,
        stored: int,
        conversation_id: int,
        msg: IncomingMessage,
        text: str,
        pseudonym: str,
        language: str | None,
    ) -> BotReply:
        metadata = {
            "client_language": normalise(msg.client_language),
            "conversation_language": language,
            "message_id": msg.message_id,
        }
        try:
            reply = await self._rasa.send(pseudonym, engine_text(text), msg.channel, metadata)
        except EngineUnavailable as exc:
            logger.warning("engine unavailable for %s message %s: %s", msg.channel, msg.message_id, exc)
            self.counters[(msg.channel, "failed")] += 1
            best = language or normalise(msg.client_language)
            return await self._finish(
                stored,
                conversation_id,
                self.notice("technical_problem", best, pending=True),
                "failed",
                error=str(exc)[:64],
            )
        return await self._finish(stored, conversation_id, reply, "answered", from_engine=True)

    async def retry_failed(self, limit: int = 100) -> list[Delivery]:
        """Answer messages that failed while the engine was down (oldest first) and return the answers."""
        async with self._db.session() as session:
            rows = (
                await session.execute(
                    select(StoredMessage, Conversation)
                    .join(Conversation)
                    .where(StoredMessage.direction == "in", StoredMessage.status == "failed")
                    .order_by(StoredMessage.id)
                    .limit(limit)
                )
            ).all()
        deliveries = []
        for stored, conversation in rows:
            metadata = {
                "client_language": None,
                "conversation_language": conversation.language,
                "message_id": stored.channel_message_id,
            }
            try:
                reply = await self._rasa.send(
                    conversation.user_pseudonym, engine_text(stored.text), stored.channel, metadata
                )
            except EngineUnavailable:
                break
            await self._finish(stored.id, conversation.id, reply, "answered", from_engine=True)
            # The address to push the late answer to; the web chat polls, so it needs none.
            address = self._addresses.open(conversation.address) or ""
            message = IncomingMessage(stored.channel, address, stored.text, stored.channel_message_id)
            deliveries.append(Delivery(message, reply))
        return deliveries

    async def _delete_person(self, msg: IncomingMessage, pseudonym: str) -> BotReply:
        """``/delete``: forget the person here and in the engine; confirm in their language."""
        async with self._db.session() as session:
            language = await session.scalar(
                select(Conversation.language).where(
                    Conversation.channel == msg.channel, Conversation.user_pseudonym == pseudonym
                )
            )
        deleted = await self._db.delete_user(msg.channel, pseudonym)
        forgotten = await self._rasa.forget(pseudonym)
        logger.info(
            "deleted a %s conversation on request (%d messages, engine %s)",
            msg.channel,
            deleted,
            "cleared" if forgotten else "not reachable",
        )
        self.counters[(msg.channel, "deleted")] += 1
        return self.notice("data_deleted", language or normalise(msg.client_language))

    async def _conversation(
        self, channel: str, pseudonym: str, address: str | None = None
    ) -> tuple[int, str | None]:
        async with self._db.session() as session:
            query = select(Conversation).where(
                Conversation.channel == channel, Conversation.user_pseudonym == pseudonym
            )
            found = await session.scalar(query)
            if found is None:
                try:
                    found = Conversation(channel=channel, user_pseudonym=pseudonym)
                    session.add(found)
                    await session.commit()
                except IntegrityError:  # created by a concurrent message of the same person
                    await session.rollback()
                    found = await session.scalar(query)
            assert found is not None
            if address and self._addresses.open(found.address) != address:
                found.address = self._addresses.seal(address)
                await session.commit()
            return found.id, found.language

    async def _store_inbound(self, conversation_id: int, msg: IncomingMessage, text: str) -> int | None:
        async with self._db.session() as session:
            row = StoredMessage(
                conversation_id=conversation_id,
                channel=msg.channel,
                direction="in",
                channel_message_id=msg.message_id[:128],
                text=text,
                status="received",
            )
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                return None
            return row.id

    async def _finish(
        self,
        stored: int,
        conversation_id: int,
        reply: BotReply,
        status: str,
        error: str | None = None,
        from_engine: bool = False,
    ) -> BotReply:
        async with self._db.sessions.begin() as session:
            inbound = await session.get(StoredMessage, stored)
            if inbound is not None:
                inbound.status, inbound.error, inbound.route = status, error, reply.meta.route
                session.add(
                    StoredMessage(
                        conversation_id=conversation_id,
                        channel=inbound.channel,
                        direction="out",
                        channel_message_id=f"reply:{stored}:{status}",
                        status="replied",
                        route=reply.meta.route,
                        text="\n\n".join(m.text for m in reply.messages),
                    )
                )
            if from_engine and reply.meta.language:
                conversation = await session.get(Conversation, conversation_id)
                if conversation is not None:
                    conversation.language = reply.meta.language
        self.counters[(inbound.channel if inbound else "unknown", "out")] += 1
        return reply
