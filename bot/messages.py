"""The gateway's one internal message type, shared by every channel.

A channel adapter turns its platform payload into an :class:`IncomingMessage`, hands it to the
conversation service and renders the :class:`BotReply` it gets back. Channel quirks stay in the
channel module; nothing here knows about Telegram, WhatsApp or the web chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The routes a reply can take (public contract of ``ankommen ask``).
ROUTES = ("greeting", "answer", "booking", "referral", "handoff", "language_choice", "fallback", "other")


@dataclass(frozen=True)
class IncomingMessage:
    """One message from a person, as every channel delivers it."""

    channel: str  # "web", "telegram", "whatsapp", "cli"
    channel_user_id: str  # the platform's id (chat id, phone number, web session); never stored raw
    text: str
    message_id: str  # the platform's message id; duplicates of it are dropped
    client_language: str | None = None  # the language the client reports (Telegram language_code, browser)


@dataclass(frozen=True)
class Button:
    """A reply option: ``title`` is shown, ``payload`` is sent back when it is chosen."""

    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One bubble of the bot's answer."""

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class ReplyMeta:
    """What the actions say about their answer (see docs/architecture.md, "reply metadata")."""

    route: str = "other"
    language: str | None = None
    topic: str | None = None
    entry: str | None = None
    confidence: float = 0.0
    machine_translation: bool = False
    pending: bool = False  # True: the engine failed; the real answer follows once it is back

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ReplyMeta:
        route = payload.get("route")
        return cls(
            route=route if route in ROUTES else "other",
            language=payload.get("language") or None,
            topic=payload.get("topic") or None,
            entry=payload.get("entry") or None,
            confidence=float(payload.get("confidence") or 0.0),
            machine_translation=bool(payload.get("machine_translation", False)),
        )


@dataclass(frozen=True)
class BotReply:
    """Everything the bot answers to one incoming message."""

    messages: tuple[BotMessage, ...]
    meta: ReplyMeta = field(default_factory=ReplyMeta)
