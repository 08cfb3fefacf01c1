"""The gateway's settings: one typed object, read from the environment (and `.env`) once at start-up.

A missing or placeholder secret stops start-up with its name. In development (the default) the
pseudonymisation key is created once and kept in ``var/pseudonym.key`` so `make run` needs no set-up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'ankommen.db'}"
FRAME_ANCESTORS = re.compile(
    r"^('self'|'none'|https?://[A-Za-z0-9.*:-]+)( ('self'|https?://[A-Za-z0-9.*:-]+))*$"
)
TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PLACEHOLDERS = {"change-me", "changeme", "xxx", "todo", "secret", "placeholder"}
WHATSAPP_SECRETS = (
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
)


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    rasa_url: str
    action_server_url: str
    host: str
    port: int
    pseudonym_key: bytes
    retention_days: int
    rasa_timeout: float
    retry_seconds: float
    max_message_chars: int
    telegram_bot_token: str | None
    telegram_api_url: str
    telegram_webhook_url: str | None
    telegram_webhook_secret: str | None
    webchat_frame_ancestors: str
    whatsapp_access_token: str | None
    whatsapp_app_secret: str | None
    whatsapp_verify_token: str | None
    whatsapp_phone_number_id: str | None
    whatsapp_api_url: str

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_access_token and self.whatsapp_app_secret)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)


def _secret(env: dict[str, str], name: str, production: bool) -> str | None:
    value = env.get(name, "").strip() or None
    if value and production and value.lower() in PLACEHOLDERS:
        raise SettingsError(f"{name} holds a placeholder value; set the real secret")
    return value


def _dev_pseudonym_key() -> bytes:
    path = VAR_DIR / "pseudonym.key"
    if path.exists():
        return path.read_bytes().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    path.write_bytes(key)
    path.chmod(0o600)
    logger.warning("PSEUDONYM_KEY is not set: created a development key in %s", path)
    return key


def _int(env: dict[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name) or default)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0")
    return value


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name) or default)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number of seconds") from exc
    if not 0 < value < 24 * 3600:
        raise SettingsError(f"{name} must be between 0 and 86400 seconds")
    return value


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; ``env`` (for tests) replaces the process environment and `.env`."""
    if env is None:
        load_dotenv(ROOT / ".env", override=False)
        env = dict(os.environ)
    environment = env.get("ANKOMMEN_ENV", "development").strip() or "development"
    if environment not in ("development", "production"):
        raise SettingsError("ANKOMMEN_ENV must be development or production")
    production = environment == "production"

    key = _secret(env, "PSEUDONYM_KEY", production)
    if key is None:
        if production:
            raise SettingsError("PSEUDONYM_KEY is required in production (a long random string)")
        pseudonym_key = _dev_pseudonym_key()
    else:
        pseudonym_key = key.encode()

    whatsapp = {name: _secret(env, name, production) for name in WHATSAPP_SECRETS}
    given = [n for n, v in whatsapp.items() if v]
    if given and len(given) < len(WHATSAPP_SECRETS):
        missing = ", ".join(n for n, v in whatsapp.items() if not v)
        raise SettingsError(f"WhatsApp is partly configured; also set {missing}")

    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    webhook_secret = _secret(env, "TELEGRAM_WEBHOOK_SECRET", production)
    if webhook_url and not webhook_secret:
        # Telegram echoes it in X-Telegram-Bot-Api-Secret-Token; derived so that it survives restarts.
        webhook_secret = hmac.new(pseudonym_key, b"ankommen:telegram-webhook", hashlib.sha256).hexdigest()
    if webhook_secret and not TELEGRAM_SECRET.match(webhook_secret):
        raise SettingsError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")

    words = env.get("WEBCHAT_FRAME_ANCESTORS", "").replace("'", "").split() or ["self"]
    ancestors = " ".join(f"'{w}'" if w in ("self", "none") else w for w in words)
    if not FRAME_ANCESTORS.match(ancestors):
        raise SettingsError(
            "WEBCHAT_FRAME_ANCESTORS must be origins like https://www.dortmund.de, separated by spaces"
        )

    return Settings(
        environment=environment,
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
        action_server_url=env.get("ACTION_SERVER_URL") or "http://127.0.0.1:5055/webhook",
        host=env.get("GATEWAY_HOST") or "0.0.0.0",  # noqa: S104 - the gateway is the public process
        port=_int(env, "GATEWAY_PORT", 8080),
        pseudonym_key=pseudonym_key,
        retention_days=_int(env, "RETENTION_DAYS", 180),
        rasa_timeout=_seconds(env, "RASA_TIMEOUT", 30),
        retry_seconds=_seconds(env, "ENGINE_RETRY_SECONDS", 15),
        max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 4000),
        telegram_bot_token=_secret(env, "TELEGRAM_BOT_TOKEN", production),
        telegram_api_url=env.get("TELEGRAM_API_URL") or "https://api.telegram.org/bot",
        telegram_webhook_url=webhook_url,
        telegram_webhook_secret=webhook_secret,
        webchat_frame_ancestors=ancestors,
        whatsapp_access_token=whatsapp["WHATSAPP_ACCESS_TOKEN"],
        whatsapp_app_secret=whatsapp["WHATSAPP_APP_SECRET"],
        whatsapp_verify_token=whatsapp["WHATSAPP_VERIFY_TOKEN"],
        whatsapp_phone_number_id=whatsapp["WHATSAPP_PHONE_NUMBER_ID"],
        whatsapp_api_url=(env.get("WHATSAPP_API_URL") or "https://graph.facebook.com/v21.0").rstrip("/"),
    )
