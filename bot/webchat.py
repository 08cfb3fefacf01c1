"""The local web chat: the page, the message endpoint, and late answers after an engine outage."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.errors import BadRequest
from bot.messages import BotReply, IncomingMessage
from bot.state import DATABASE, SERVICE, SETTINGS
from bot.storage import Conversation, StoredMessage

STATIC = Path(__file__).resolve().parent / "static"
SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CHANNEL = "web"


def reply_json(reply: BotReply | None, at: dt.datetime) -> dict[str, Any]:
    if reply is None:
        return {"duplicate": True, "messages": [], "meta": None, "at": at.isoformat()}
    meta = reply.meta
    return {
        "messages": [
            {"text": m.text, "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons]}
            for m in reply.messages
        ],
        "meta": {
            "route": meta.route,
            "language": meta.language,
            "topic": meta.topic,
            "entry": meta.entry,
            "confidence": meta.confidence,
            "machine_translation": meta.machine_translation,
            "pending": meta.pending,
        },
        "at": at.isoformat(),
    }


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise BadRequest("the body must be JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"`{name}` must be a string")
    return value


async def page(request: web.Request) -> web.FileResponse:
    """The chat page; it may be framed only by the sites in ``WEBCHAT_FRAME_ANCESTORS`` (embed.js)."""
    ancestors = request.app[SETTINGS].webchat_frame_ancestors
    return web.FileResponse(
        STATIC / "index.html",
        headers={
            "Content-Security-Policy": f"frame-ancestors {ancestors}",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


async def chat(request: web.Request) -> web.Response:
    """``POST /api/chat {"session", "text", "message_id"?, "language"?}`` → the bot's answer."""
    body = await _json_body(request)
    session = _field(body, "session") or ""
    if not SESSION.match(session):
        raise BadRequest("`session` must be 8 to 64 characters of A-Z, a-z, 0-9, _ or -")
    text = _field(body, "text") or ""
    message_id = _field(body, "message_id", required=False) or secrets.token_hex(8)
    language = _field(body, "language", required=False)
    message = IncomingMessage(CHANNEL, session, text, message_id[:128], language)
    reply = await request.app[SERVICE].handle(message)
    return web.json_response(reply_json(reply, dt.datetime.now(dt.timezone.utc)))


async def updates(request: web.Request) -> web.Response:
    """``GET /api/chat/updates?session=S&since=ISO``: answers given after ``since`` (late answers)."""
    session = request.query.get("session", "")
    if not SESSION.match(session):
        raise BadRequest("`session` is missing or malformed")
    try:
        since = dt.datetime.fromisoformat(request.query.get("since", ""))
    except ValueError as exc:
        raise BadRequest("`since` must be an ISO timestamp") from exc
    pseudonym = request.app[SERVICE].pseudonym(CHANNEL, session)
    async with request.app[DATABASE].session() as db:
        rows = (
            await db.scalars(
                select(StoredMessage)
                .join(Conversation)
                .where(
                    Conversation.channel == CHANNEL,
                    Conversation.user_pseudonym == pseudonym,
                    StoredMessage.direction == "out",
                    StoredMessage.created_at > since,
                )
                .order_by(StoredMessage.id)
            )
        ).all()
    return web.json_response(
        {"messages": [{"text": r.text, "buttons": [], "at": r.created_at.isoformat()} for r in rows]}
    )


def setup_webchat(app: web.Application) -> None:
    app.router.add_get("/", page)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/api/chat/updates", updates)
    app.router.add_static("/static/", STATIC)
