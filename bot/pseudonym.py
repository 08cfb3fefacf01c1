"""Pseudonymous user ids: what Rasa and the database see instead of a phone number or chat id."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(key: bytes, channel: str, channel_user_id: str) -> str:
    """A keyed hash of the channel's user id: stable for one key, not reversible without it."""
    digest = hmac.new(key, f"{channel}:{channel_user_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]
