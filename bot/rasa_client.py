"""The one client the gateway uses to talk to the Rasa engine (its REST channel)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from bot.messages import BotMessage, BotReply, Button, ReplyMeta

logger = logging.getLogger(__name__)


class EngineUnavailable(Exception):
    """The engine (or the action server behind it) did not answer usefully."""


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float = 30.0) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, sender: str, text: str, input_channel: str, metadata: dict[str, Any]) -> BotReply:
        """Send one message and return the engine's whole answer."""
        body = {"sender": sender, "message": text, "input_channel": input_channel, "metadata": metadata}
        url = f"{self._base_url}/webhooks/rest/webhook"
        try:
            async with self._session.post(url, json=body, timeout=self._timeout) as response:
                if response.status >= 400:
                    raise EngineUnavailable(f"engine answered HTTP {response.status}")
                payload = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise EngineUnavailable(type(exc).__name__) from exc
        if not isinstance(payload, list):
            raise EngineUnavailable("engine answer is not a list")
        reply = parse_reply(payload)
        if not reply.messages:
            # An empty answer means an action failed inside the engine (e.g. the action server is down).
            raise EngineUnavailable("engine answered nothing")
        return reply

    async def forget(self, sender: str) -> bool:
        """Replace the engine's conversation with an empty one (``/delete``); False if it is unreachable."""
        url = f"{self._base_url}/conversations/{sender}/tracker/events"
        try:
            async with self._session.put(url, json=[], timeout=self._timeout) as response:
                return response.status < 400
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False

    async def healthy(self) -> bool:
        try:
            async with self._session.get(
                f"{self._base_url}/", timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False


def parse_reply(payload: list[dict[str, Any]]) -> BotReply:
    """Turn Rasa's REST answer into bubbles and the actions' metadata (the last ``custom.ankommen`` wins)."""
    messages: list[BotMessage] = []
    meta = ReplyMeta()
    for item in payload:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("ankommen"), dict):
            meta = ReplyMeta.from_payload(custom["ankommen"])
        text = item.get("text")
        if isinstance(text, str) and text.strip():
            buttons = tuple(
                Button(str(b.get("title", "")), str(b.get("payload", "")))
                for b in item.get("buttons") or []
                if isinstance(b, dict) and b.get("title") and b.get("payload")
            )
            messages.append(BotMessage(text=text, buttons=buttons))
    return BotReply(messages=tuple(messages), meta=meta)
