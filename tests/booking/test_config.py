"""The booking configuration: the shipped file loads and warns; bad values name their field."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from booking.config import CONFIG_ENV, BookingConfigError, load_booking_config, parse_booking_config
from tests.booking.conftest import RAW, make_config


def test_the_shipped_file_loads_and_lists_its_placeholders() -> None:
    config = load_booking_config()
    assert str(config.timezone) == "Europe/Berlin"
    assert config.counsellors and config.opening_hours
    placeholders = config.placeholders()
    assert "office.address" in placeholders and "office.phone" in placeholders
    assert any(p.startswith("hours_confirmed") for p in placeholders)
    assert not config.office.address_known


def test_a_complete_configuration_has_no_placeholders() -> None:
    config = make_config()
    assert config.placeholders() == []
    assert config.office.address_known
    assert config.languages == frozenset({"de", "ar", "uk"})
    assert config.opening_hours[0] == ((dt.time(9), dt.time(12)),)
    assert dt.date(2027, 3, 26) in config.closed_days


def test_the_environment_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "booking.yml"
    path.write_text(
        "counsellors: [{id: x, name: PLACEHOLDER, languages: [de]}]\n"
        "office: {name: A, address: PLACEHOLDER, phone: PLACEHOLDER}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(CONFIG_ENV, str(path))
    config = load_booking_config()
    assert config.source == path
    assert "counsellors[x].name" in config.placeholders()
    assert config.slot_minutes == 45 and config.days_ahead == 21  # defaults


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slot_minutes": 0}, "slot_minutes"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"opening_hours": {"mon": ["12:00-09:00"]}}, "opening_hours.mon"),
        ({"opening_hours": {"montag": ["09:00-12:00"]}}, "opening_hours"),
        ({"opening_hours": {"mon": ["9 bis 12"]}}, "opening_hours.mon"),
        ({"closed_days": ["24.12.2026"]}, "closed_days"),
        ({"counsellors": []}, "counsellors"),
        ({"counsellors": [{"id": "a", "name": "A", "languages": ["Deutsch"]}]}, "languages"),
        ({"office": {"name": "A", "phone": "1"}}, "office.address"),
        ({"reminder_time": "zehn"}, "reminder_time"),
    ],
)
def test_a_bad_value_names_its_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(BookingConfigError, match=field.replace(".", r"\.")):
        parse_booking_config({**RAW, **change})


def test_a_counsellor_may_have_own_hours() -> None:
    counsellors = [
        *RAW["counsellors"],
        {"id": "c3", "name": "C", "languages": ["fa"], "opening_hours": {"sat": ["10:00-11:00"]}},
    ]
    config = make_config(counsellors=counsellors)
    c3 = config.counsellor("c3")
    assert c3 is not None
    assert config.hours_for(c3, dt.date(2027, 3, 27)) == ((dt.time(10), dt.time(11)),)  # a Saturday
    assert config.hours_for(c3, dt.date(2027, 3, 22)) == ()


async def test_start_up_warns_about_placeholders(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """The gateway logs one WARNING per placeholder when it starts (the shipped file has several)."""
    from bot.app import _resources, create_app
    from tests.bot.conftest import settings_for

    app = create_app(settings_for(f"sqlite:///{tmp_path / 'w.db'}", "http://127.0.0.1:9"))
    caplog.set_level(logging.WARNING, logger="bot.app")
    resources = _resources(app)
    await resources.__anext__()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("office.address is still a placeholder" in w for w in warnings)
    with pytest.raises(StopAsyncIteration):
        await resources.__anext__()
