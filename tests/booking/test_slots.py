"""Slot times: local opening hours stay local across the summer/winter time change; stored in UTC."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from booking.service import BookingService
from booking.slots import horizon, horizon_end, local_day_bounds, slots_on
from tests.booking.conftest import make_config

UTC = dt.timezone.utc
EVERY_DAY = {d: ["09:00-12:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _utc_hours(day: dt.date) -> list[int]:
    config = make_config(opening_hours=EVERY_DAY, closed_days=[])
    return sorted({s.starts_at.hour for s in slots_on(config, day)})


def test_spring_forward_moves_the_utc_hour_not_the_local_one() -> None:
    assert _utc_hours(dt.date(2027, 3, 27)) == [8, 9, 10]  # CET: 09:00 local = 08:00 UTC
    assert _utc_hours(dt.date(2027, 3, 28)) == [7, 8, 9]  # CEST from 02:00 that night
    assert _utc_hours(dt.date(2027, 3, 29)) == [7, 8, 9]


def test_fall_back_moves_the_utc_hour_not_the_local_one() -> None:
    assert _utc_hours(dt.date(2026, 10, 24)) == [7, 8, 9]  # CEST
    assert _utc_hours(dt.date(2026, 10, 25)) == [8, 9, 10]  # CET from 03:00 that night
    config = make_config(opening_hours=EVERY_DAY, closed_days=[])
    local = [
        s.starts_at.astimezone(config.timezone).strftime("%H:%M")
        for s in slots_on(config, dt.date(2026, 10, 25))
    ]
    assert local == ["09:00", "09:00", "10:00", "10:00", "11:00", "11:00"]  # two counsellors


def test_change_days_have_23_and_25_hours() -> None:
    config = make_config()
    start, end = local_day_bounds(config, dt.date(2027, 3, 28))
    assert end - start == dt.timedelta(hours=23)
    start, end = local_day_bounds(config, dt.date(2026, 10, 25))
    assert end - start == dt.timedelta(hours=25)


def test_closed_days_and_weekends_have_no_slots() -> None:
    config = make_config()
    assert slots_on(config, dt.date(2027, 3, 26)) == []  # closed day (a Friday)
    assert slots_on(config, dt.date(2027, 3, 27)) == []  # Saturday: no hours
    assert len(slots_on(config, dt.date(2027, 3, 25))) == 6  # 3 hours x 2 counsellors


def test_the_horizon_ends_at_local_midnight() -> None:
    config = make_config(days_ahead=7)
    now = dt.datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    end = horizon_end(config, now)
    assert end == dt.datetime(2027, 3, 30, 0, 0, tzinfo=config.timezone)
    assert all(s.starts_at < end for s in horizon(config, now))


def test_slots_are_stored_in_utc_and_shown_in_berlin_time(service: BookingService) -> None:
    now = dt.datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # Thursday before the change
    (after_change,) = service.free_slots("ar", day=dt.date(2027, 3, 29), limit=1, now=now)
    assert after_change.starts_at.strftime("%H:%M %z") == "09:00 +0200"
    (before_change,) = service.free_slots(
        "ar", day=dt.date(2027, 3, 25), limit=1, now=dt.datetime(2027, 3, 24, 8, 0, tzinfo=UTC)
    )
    assert before_change.starts_at.strftime("%H:%M %z") == "09:00 +0100"
    with service.engine.connect() as connection:
        raw = connection.execute(
            text("SELECT starts_at FROM slots WHERE id = :i"), {"i": after_change.id}
        ).scalar_one()
    if isinstance(raw, str):  # SQLite keeps the UTC text
        assert raw.startswith("2027-03-29 07:00:00")
    else:  # PostgreSQL: timestamptz
        assert raw.astimezone(UTC) == dt.datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


def test_generating_slots_twice_adds_nothing(service: BookingService) -> None:
    now = dt.datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    service.ensure_slots(now)
    with service.engine.connect() as connection:
        first = connection.execute(text("SELECT count(*) FROM slots")).scalar_one()
    again = BookingService(str(service.engine.url.render_as_string(hide_password=False)), service.config)
    again.ensure_slots(now)
    again.close()
    with service.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM slots")).scalar_one() == first
    assert first == 10 * 6  # 14 days ahead: 10 weekdays open (one closed day) x 3 hours x 2 counsellors
