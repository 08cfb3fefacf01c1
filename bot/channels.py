"""What a channel (Telegram, WhatsApp) offers the rest of the gateway besides its own routes.

A channel module turns platform payloads into :class:`bot.messages.IncomingMessage` and renders the
:class:`bot.messages.BotReply` it gets back in its request handler. Answers that come later (a message
that failed while the engine was down and is retried) have no request to ride on, so the gateway hands
them to the channel's :meth:`Channel.deliver` with the person's platform address.
"""

from __future__ import annotations

from typing import Protocol

from bot.messages import BotReply

#: Channels whose people are reached by pushing to an address. The web chat polls instead.
PUSH_CHANNELS = frozenset({"telegram", "whatsapp"})


class Channel(Protocol):
    name: str

    async def deliver(self, address: str, reply: BotReply) -> None:
        """Send a reply produced later to ``address`` (a chat id, a WhatsApp id)."""
        ...
