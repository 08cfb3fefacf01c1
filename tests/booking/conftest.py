"""Booking fixtures: a small fixed configuration, a migrated database (SQLite file or PostgreSQL schema)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from booking.config import BookingConfig, parse_booking_config
from booking.service import BookingService
from bot.storage import migrate
from tests.bot.conftest import postgres_schema_url  # noqa: F401 - the fixture, shared

#: A Monday, 08:00 UTC (09:00 in Berlin, winter time); the week before the summer time change.
NOW = dt.datetime(2027, 3, 22, 8, 0, tzinfo=dt.timezone.utc)

RAW: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "slot_minutes": 60,
    "days_ahead": 14,
    "min_notice_hours": 12,
    "reminder_time": "10:00",
    "hours_confirmed": True,
    "office": {
        "name": "MigraDo Test",
        "address": "Teststraße 1, 44135 Dortmund",
        "phone": "0231 000000",
        "email": "test@example.org",
    },
    "opening_hours": {d: ["09:00-12:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "closed_days": ["2027-03-26"],
    "counsellors": [
        {"id": "c1", "name": "Counsellor One", "languages": ["de", "ar"]},
        {"id": "c2", "name": "Counsellor Two", "languages": ["de", "uk"]},
    ],
}


def make_config(**changes: Any) -> BookingConfig:
    return parse_booking_config({**RAW, **changes})


@pytest.fixture
def config() -> BookingConfig:
    return make_config()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def booking_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database: a SQLite file, and a fresh PostgreSQL schema."""
    url = (
        f"sqlite:///{tmp_path / 'booking.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_schema_url")
    )
    migrate(url)
    yield url


@pytest.fixture
def service(booking_db: str, config: BookingConfig) -> Iterator[BookingService]:
    svc = BookingService(booking_db, config)
    yield svc
    svc.close()
