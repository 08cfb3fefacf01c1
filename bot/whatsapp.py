"""The WhatsApp Cloud API channel: the webhook Meta calls, answered through the Graph API.

``GET /webhooks/whatsapp`` answers Meta's verification. ``POST /webhooks/whatsapp`` checks the signature
of the raw body (at most 256 KiB) before parsing it, acknowledges at once (Meta sends the webhook again
otherwise) and answers in background tasks, one person's messages in order. Sending is in
:mod:`bot.whatsapp_api`; docs/whatsapp.md explains the set-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.conversation import ConversationService
from bot.errors import BadRequest, HttpError
from bot.messages import BotReply, IncomingMessage
from bot.settings import Settings, SettingsError
from bot.state import CHANNELS, DATABASE, SERVICE, SETTINGS
from bot.storage import Conversation, Database, StorageUnavailable
from bot.whatsapp_api import GraphClient, PayloadIds, render
from knowledge.messages import Messages, load_messages

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MAX_BODY_BYTES = 256 * 1024
SEEN_WAMIDS = 10_000  # how many message ids the in-memory duplicate filter remembers
SHUTDOWN_GRACE_SECONDS = 5.0
SIGNATURE_HEADER = "X-Hub-Signature-256"
#: Message types that need no answer: reactions to our messages, "changed number" notices.
SILENT_TYPES = frozenset({"reaction", "system"})


class BadSignature(HttpError):
    status = 401
    code = "bad_signature"


@dataclass(frozen=True)
class Inbound:
    """One message from a WhatsApp user, as far as the channel cares."""

    wamid: str
    wa_id: str
    kind: str  # WhatsApp's message type: text, interactive, image, ...
    text: str | None = None  # typed text, or a template button's payload
    choice: tuple[str, str] | None = None  # (id, title) of a tapped reply button or list row

    @property
    def readable(self) -> bool:
        return self.text is not None or self.choice is not None


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """Meta's ``sha256=<hex HMAC-SHA256 of the raw body>``, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().encode(errors="replace"))


def _message(raw: dict[str, Any]) -> Inbound | None:
    wamid, wa_id, kind = raw.get("id"), raw.get("from"), raw.get("type")
    if not (isinstance(wamid, str) and isinstance(wa_id, str) and isinstance(kind, str)):
        return None
    found = raw.get(kind)
    detail: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text" and isinstance(detail.get("body"), str):
        return Inbound(wamid, wa_id, kind, text=detail["body"])
    if kind == "button":  # a quick-reply button of a template message
        text = detail.get("payload") or detail.get("text")
        return Inbound(wamid, wa_id, kind, text=text if isinstance(text, str) else None)
    if kind == "interactive":
        reply = detail.get(detail.get("type", ""))
        if detail.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
            return Inbound(wamid, wa_id, kind, choice=(str(reply.get("id", "")), str(reply.get("title", ""))))
    if kind == "request_welcome":  # the person opened the chat for the first time
        return Inbound(wamid, wa_id, kind, text="/start")
    return Inbound(wamid, wa_id, kind)


def parse_webhook(payload: Any, phone_number_id: str) -> list[Inbound]:
    """The messages sent to our number; status callbacks and other numbers' messages are left out."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        raise BadRequest("the body must be a WhatsApp webhook object")
    found: list[Inbound] = []
    for entry in payload.get("entry", []):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages":
                continue
            metadata = value.get("metadata")
            if not isinstance(metadata, dict) or metadata.get("phone_number_id") != phone_number_id:
                logger.warning("WhatsApp webhook for another phone number id ignored")
                continue
            messages = value.get("messages")
            for raw in messages if isinstance(messages, list) else []:
                inbound = _message(raw) if isinstance(raw, dict) else None
                if inbound is not None:
                    found.append(inbound)
    return found


class WhatsAppChannel:
    """Answers WhatsApp messages and delivers late answers (:class:`bot.channels.Channel`)."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession,
        service: ConversationService,
        database: Database,
    ) -> None:
        self.app_secret = _required(settings.whatsapp_app_secret, "WHATSAPP_APP_SECRET")
        self.verify_token = _required(settings.whatsapp_verify_token, "WHATSAPP_VERIFY_TOKEN")
        self.phone_number_id = _required(settings.whatsapp_phone_number_id, "WHATSAPP_PHONE_NUMBER_ID")
        token = _required(settings.whatsapp_access_token, "WHATSAPP_ACCESS_TOKEN")
        self._client = GraphClient(session, settings.whatsapp_api_url, token, self.phone_number_id)
        self._service = service
        self._database = database
        self._messages: Messages = load_messages()
        self._ids = PayloadIds()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._turns: dict[str, list[Any]] = {}  # wa_id → [lock, holders], while messages are in flight
        self._tasks: set[asyncio.Task[None]] = set()

    async def deliver(self, address: str, reply: BotReply) -> None:
        """Send a reply to a WhatsApp id, bubble by bubble, in order."""
        label_key = "btn_language" if reply.meta.route == "language_choice" else "btn_menu"
        label = self._messages.get(label_key, reply.meta.language).text
        for message in reply.messages:
            for payload in render(message, self._ids, label):
                await self._client.send(address, payload)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the webhook has been acknowledged; keep it until it is done."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Let running work finish for a moment, then cancel the rest."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def process(self, inbound: Inbound) -> None:
        """Answer one message once per wamid, after the same person's earlier ones."""
        if self._already_seen(inbound.wamid):
            logger.info("duplicate WhatsApp message %s dropped", inbound.wamid)
            return
        if inbound.kind in SILENT_TYPES:
            return
        try:
            with self._turn(inbound.wa_id) as lock:
                async with lock:
                    await self._answer(inbound)
        except Exception:
            logger.exception("WhatsApp message %s (%s) could not be answered", inbound.wamid, inbound.kind)

    async def _answer(self, inbound: Inbound) -> None:
        reading = asyncio.create_task(self._client.mark_read(inbound.wamid, typing=inbound.readable))
        try:
            if not inbound.readable:
                logger.info("WhatsApp %s message answered with the text-only notice", inbound.kind)
                reply: BotReply | None = self._service.notice("non_text_input", await self._language(inbound))
            else:
                reply = await self._handle(inbound)
        finally:
            await reading
        if reply is not None:
            await self.deliver(inbound.wa_id, reply)

    async def _handle(self, inbound: Inbound) -> BotReply | None:
        text = inbound.text or ""
        if inbound.choice is not None:
            button_id, title = inbound.choice
            text = self._ids.payload_for(button_id) or title  # an unknown short id: the title is the text
        try:
            return await self._service.handle(IncomingMessage(CHANNEL, inbound.wa_id, text, inbound.wamid))
        except StorageUnavailable:
            self._seen.pop(inbound.wamid, None)  # not stored: a redelivery must be handled
            return self._service.notice("storage_unavailable", None)

    async def _language(self, inbound: Inbound) -> str | None:
        """The language of the person's conversation so far, if there is one."""
        pseudonym = self._service.pseudonym(CHANNEL, inbound.wa_id)
        try:
            async with self._database.session() as session:
                return await session.scalar(
                    select(Conversation.language).where(
                        Conversation.channel == CHANNEL, Conversation.user_pseudonym == pseudonym
                    )
                )
        except (SQLAlchemyError, OSError):
            return None

    def _already_seen(self, wamid: str) -> bool:
        """In-memory filter for redeliveries; the service also drops text it has stored before."""
        if wamid in self._seen:
            return True
        self._seen[wamid] = None
        while len(self._seen) > SEEN_WAMIDS:
            self._seen.popitem(last=False)
        return False

    @contextlib.contextmanager
    def _turn(self, wa_id: str) -> Iterator[asyncio.Lock]:
        """The person's lock, forgotten again when none of their messages is in flight."""
        turn = self._turns.setdefault(wa_id, [asyncio.Lock(), 0])
        turn[1] += 1
        try:
            yield turn[0]
        finally:
            turn[1] -= 1
            if turn[1] == 0:
                del self._turns[wa_id]


WHATSAPP = web.AppKey("whatsapp", WhatsAppChannel)


def _required(value: str | None, name: str) -> str:
    if not value:
        raise SettingsError(f"{name} is required for WhatsApp")
    return value


async def _read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 as soon as it is known to be longer than ``limit`` bytes."""
    body = bytearray()
    if (request.content_length or 0) <= limit:
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > limit:
                break
        else:
            return bytes(body)
    raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length or len(body))


async def verify(request: web.Request) -> web.Response:
    """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` is ours."""
    token, challenge = request.query.get("hub.verify_token", ""), request.query.get("hub.challenge", "")
    ours = hmac.compare_digest(token.encode(), request.app[WHATSAPP].verify_token.encode())
    if request.query.get("hub.mode") == "subscribe" and challenge and ours:
        return web.Response(text=challenge, content_type="text/plain")
    logger.warning("WhatsApp webhook verification refused")
    raise web.HTTPForbidden()


async def receive(request: web.Request) -> web.Response:
    """Check the signature over the raw body, acknowledge, and answer in the background."""
    channel = request.app[WHATSAPP]
    body = await _read_body(request)
    if not signature_ok(channel.app_secret, body, request.headers.get(SIGNATURE_HEADER)):
        logger.warning("WhatsApp webhook with a bad or missing signature refused")
        raise BadSignature(f"bad or missing {SIGNATURE_HEADER}")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("the body must be JSON") from exc
    for inbound in parse_webhook(payload, channel.phone_number_id):
        channel.spawn(channel.process(inbound))
    return web.Response(text="OK", content_type="text/plain")


async def _whatsapp(app: web.Application) -> AsyncIterator[None]:
    """The Graph API session and the channel; runs after the gateway's own resources exist."""
    async with aiohttp.ClientSession() as session:
        channel = WhatsAppChannel(app[SETTINGS], session, app[SERVICE], app[DATABASE])
        app[WHATSAPP] = channel
        app[CHANNELS][CHANNEL] = channel
        try:
            yield
        finally:
            await channel.close()


def setup_whatsapp(app: web.Application) -> None:
    """Add the webhook routes and the channel's start-up and shut-down."""
    app.router.add_get("/webhooks/whatsapp", verify)
    app.router.add_post("/webhooks/whatsapp", receive)
    app.cleanup_ctx.append(_whatsapp)
