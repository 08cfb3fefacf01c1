"""Settings from the environment: defaults for a laptop, clear errors for a broken configuration."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

BASE = {"PSEUDONYM_KEY": "k" * 32}


def test_embedded_defaults_need_no_configuration() -> None:
    settings = load_settings(dict(BASE))
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("ankommen.db")
    assert settings.port == 8080
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.telegram_bot_token is None and settings.whatsapp_app_secret is None
    assert settings.retention_days == 180 and settings.retry_seconds == 15


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GATEWAY_PORT", "eighty", "whole number"),
        ("RETENTION_DAYS", "0", "greater than 0"),
        ("RASA_TIMEOUT", "soon", "number of seconds"),
        ("ENGINE_RETRY_SECONDS", "-1", "between 0 and 86400"),
    ],
)
def test_malformed_numbers_name_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be .*{message}|{name}.*{message}"):
        load_settings({**BASE, name: value})


def test_whatsapp_needs_all_four_settings_or_none() -> None:
    with pytest.raises(SettingsError, match="WHATSAPP_"):
        load_settings({**BASE, "WHATSAPP_ACCESS_TOKEN": "token"})


def test_production_refuses_a_missing_key_and_placeholder_secrets() -> None:
    with pytest.raises(SettingsError, match="PSEUDONYM_KEY"):
        load_settings({"ANKOMMEN_ENV": "production"})
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN holds a placeholder"):
        load_settings({**BASE, "ANKOMMEN_ENV": "production", "TELEGRAM_BOT_TOKEN": "change-me"})


def test_urls_lose_their_trailing_slash() -> None:
    settings = load_settings({**BASE, "RASA_URL": "http://engine:5005/"})
    assert settings.rasa_url == "http://engine:5005"


def test_the_pages_that_may_embed_the_chat() -> None:
    assert load_settings(dict(BASE)).webchat_frame_ancestors == "'self'"
    given = {**BASE, "WEBCHAT_FRAME_ANCESTORS": "self  https://www.dortmund.de"}
    assert load_settings(given).webchat_frame_ancestors == "'self' https://www.dortmund.de"
    with pytest.raises(SettingsError, match="WEBCHAT_FRAME_ANCESTORS"):
        load_settings({**BASE, "WEBCHAT_FRAME_ANCESTORS": "https://x.example; script-src *"})
