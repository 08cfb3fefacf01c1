"""Channel addresses (a Telegram chat id, a WhatsApp number), encrypted at rest.

The database knows people only by pseudonym. To deliver an answer that comes late (the engine was down
when the message arrived) the gateway needs the platform address again, so it keeps it encrypted with a
key derived from ``PSEUDONYM_KEY`` (Fernet: AES-128-CBC + HMAC-SHA256). The address is deleted with the
conversation: on ``/delete`` and after the retention period.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class AddressBox:
    """Encrypts and decrypts addresses with a key derived from the pseudonym key."""

    def __init__(self, pseudonym_key: bytes) -> None:
        derived = hmac.new(pseudonym_key, b"ankommen:address-encryption:v1", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, address: str) -> str:
        return self._fernet.encrypt(address.encode()).decode("ascii")

    def open(self, token: str | None) -> str | None:
        """The address, or None when there is none or it was sealed with another key."""
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None
