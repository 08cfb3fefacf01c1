"""Appointment times from the configuration: local opening hours cut into slots, returned in UTC.

Wall-clock hours stay the same across the summer/winter time change (09:00 is 09:00 in Dortmund in
March and in November); only their UTC instant moves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from booking.config import BookingConfig

UTC = dt.timezone.utc


@dataclass(frozen=True)
class SlotTime:
    counsellor_id: str
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    languages: frozenset[str]


def slots_on(config: BookingConfig, day: dt.date) -> list[SlotTime]:
    """Every slot of every counsellor on one local day (closed days give none)."""
    length = dt.timedelta(minutes=config.slot_minutes)
    found = []
    for counsellor in config.counsellors:
        for start, end in config.hours_for(counsellor, day):
            local = dt.datetime.combine(day, start, tzinfo=config.timezone)
            close = dt.datetime.combine(day, end, tzinfo=config.timezone)
            # Step in wall-clock time: aware arithmetic in one zone keeps the local hour.
            while local + length <= close:
                found.append(
                    SlotTime(
                        counsellor.id,
                        local.astimezone(UTC),
                        (local + length).astimezone(UTC),
                        counsellor.languages,
                    )
                )
                local += length
    return sorted(found, key=lambda s: (s.starts_at, s.counsellor_id))


def local_today(config: BookingConfig, now: dt.datetime) -> dt.date:
    return now.astimezone(config.timezone).date()


def horizon(config: BookingConfig, now: dt.datetime) -> list[SlotTime]:
    """The slots from today to ``days_ahead`` days ahead (past ones included; callers filter)."""
    today = local_today(config, now)
    found = []
    for offset in range(config.days_ahead + 1):
        found.extend(slots_on(config, today + dt.timedelta(days=offset)))
    return found


def horizon_end(config: BookingConfig, now: dt.datetime) -> dt.datetime:
    """The first instant after the bookable horizon (local midnight after the last day), in UTC."""
    last = local_today(config, now) + dt.timedelta(days=config.days_ahead + 1)
    return dt.datetime.combine(last, dt.time(0), tzinfo=config.timezone).astimezone(UTC)


def local_day_bounds(config: BookingConfig, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """One local day as a [start, end) range of UTC instants (23 or 25 hours on change days)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=config.timezone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=config.timezone)
    return start.astimezone(UTC), end.astimezone(UTC)
