"""Button payloads as the short ids a platform allows (Telegram callback data, WhatsApp button ids).

A payload that fits is used as it is, so it survives a restart. A longer one becomes a prefix and a
SHA-256 prefix, remembered in memory for the ``size`` most recent payloads; an id this process no longer
knows (after a restart) resolves to None and the channel falls back to something sensible.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable


class ButtonIds:
    def __init__(self, prefix: str, hex_digits: int, measure: Callable[[str], int] = len, size: int = 10_000):
        self._prefix = prefix
        self._hex_digits = hex_digits
        self._measure = measure
        self._size = size
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def id_for(self, payload: str, limit: int) -> str:
        """The id to send for ``payload``, at most ``limit`` long as the platform measures it."""
        fits = payload and payload == payload.strip() and self._measure(payload) <= limit
        if fits and not payload.startswith(self._prefix):
            return payload
        short = self._prefix + hashlib.sha256(payload.encode()).hexdigest()[: self._hex_digits]
        self._payloads[short] = payload
        self._payloads.move_to_end(short)
        while len(self._payloads) > self._size:
            self._payloads.popitem(last=False)
        return short

    def payload_for(self, button_id: str) -> str | None:
        """The payload behind an id; None for an empty id or a short id this process no longer knows."""
        if not button_id.startswith(self._prefix):
            return button_id or None
        payload = self._payloads.get(button_id)
        if payload is not None:
            self._payloads.move_to_end(button_id)
        return payload
