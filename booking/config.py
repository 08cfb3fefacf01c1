"""The appointment configuration: opening hours, counsellors, closed days, place and contact.

It lives in ``knowledge/booking.yml`` (or the file ``ANKOMMEN_BOOKING_CONFIG`` names) so that the office
changes it without touching Python; ``docs/operations.md`` explains every field. Values the project does
not know (MigraDo's address, phone, real hours) are shipped as ``PLACEHOLDER`` and reported by
:meth:`BookingConfig.placeholders`, which start-up logs as a WARNING.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CONFIG_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "booking.yml"
CONFIG_ENV = "ANKOMMEN_BOOKING_CONFIG"
PLACEHOLDER = "PLACEHOLDER"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")

Hours = dict[int, tuple[tuple[dt.time, dt.time], ...]]  # weekday (Monday 0) -> intervals


class BookingConfigError(ValueError):
    """The booking configuration is malformed; the message names the field."""


def is_placeholder(value: str | None) -> bool:
    return value is None or value.strip().upper().startswith(PLACEHOLDER)


@dataclass(frozen=True)
class Counsellor:
    id: str
    name: str
    languages: frozenset[str]
    opening_hours: Hours | None = None  # None: the office's hours


@dataclass(frozen=True)
class Office:
    name: str
    address: str
    phone: str
    email: str
    how_to_cancel: str  # "chat": people cancel in the chat (the only way the bot knows)
    bring_entry: str  # the knowledge entry that says what to bring (beratung_was_mitbringen)

    @property
    def address_known(self) -> bool:
        return not is_placeholder(self.address)

    @property
    def phone_known(self) -> bool:
        return not is_placeholder(self.phone)


@dataclass(frozen=True)
class BookingConfig:
    timezone: ZoneInfo
    slot_minutes: int
    days_ahead: int
    min_notice_hours: int
    reminder_time: dt.time
    office: Office
    opening_hours: Hours
    closed_days: frozenset[dt.date]
    counsellors: tuple[Counsellor, ...]
    hours_confirmed: bool = False
    source: Path | None = field(default=None, compare=False)

    def counsellor(self, counsellor_id: str) -> Counsellor | None:
        return next((c for c in self.counsellors if c.id == counsellor_id), None)

    def hours_for(self, counsellor: Counsellor, day: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        if day in self.closed_days:
            return ()
        hours = counsellor.opening_hours if counsellor.opening_hours is not None else self.opening_hours
        return hours.get(day.weekday(), ())

    @property
    def languages(self) -> frozenset[str]:
        """Every language some counsellor offers."""
        return frozenset().union(*(c.languages for c in self.counsellors))

    def placeholders(self) -> list[str]:
        """The names of fields still holding placeholder or example values (empty when all is set)."""
        found = [
            f"office.{name}"
            for name in ("name", "address", "phone", "email")
            if is_placeholder(getattr(self.office, name))
        ]
        found += [f"counsellors[{c.id}].name" for c in self.counsellors if is_placeholder(c.name)]
        if not self.hours_confirmed:
            found.append("hours_confirmed (opening_hours, closed_days and counsellors are examples)")
        return found


def _time(text: str, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError as exc:
        raise BookingConfigError(f"{where}: {text!r} is not a time like 09:30") from exc


def _hours(raw: Any, where: str) -> Hours:
    if not isinstance(raw, dict):
        raise BookingConfigError(f"{where} must map weekdays (mon ... sun) to lists of 'HH:MM-HH:MM'")
    hours: Hours = {}
    for key, intervals in raw.items():
        day = str(key).strip().lower()
        if day not in WEEKDAYS:
            raise BookingConfigError(f"{where}: {key!r} is not a weekday (mon, tue, ... sun)")
        parsed = []
        for text in intervals or []:
            match = INTERVAL.match(str(text))
            if not match:
                raise BookingConfigError(f"{where}.{day}: {text!r} is not like '09:00-12:00'")
            start = _time(f"{int(match[1]):02d}:{match[2]}", f"{where}.{day}")
            end = _time(f"{int(match[3]):02d}:{match[4]}", f"{where}.{day}")
            if end <= start:
                raise BookingConfigError(f"{where}.{day}: {text!r} ends before it starts")
            parsed.append((start, end))
        hours[WEEKDAYS.index(day)] = tuple(sorted(parsed))
    return hours


def _positive(raw: dict[str, Any], name: str, default: int, low: int = 1, high: int = 10_000) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BookingConfigError(f"{name} must be a whole number from {low} to {high}")
    return value


def _text(raw: dict[str, Any], name: str, where: str, default: str | None = None) -> str:
    value = raw.get(name, default)
    if value is None or not str(value).strip():
        raise BookingConfigError(f"{where}.{name} is missing (write PLACEHOLDER if it is not known yet)")
    return str(value).strip()


def _counsellor(raw: Any, index: int) -> Counsellor:
    where = f"counsellors[{index}]"
    if not isinstance(raw, dict):
        raise BookingConfigError(f"{where} must have id, name and languages")
    languages = frozenset(str(lang).strip().lower() for lang in raw.get("languages") or [])
    if not languages or not all(LANGUAGE.match(lang) for lang in languages):
        raise BookingConfigError(f"{where}.languages must list language codes like de, en, ar")
    hours = raw.get("opening_hours")
    return Counsellor(
        id=_text(raw, "id", where),
        name=_text(raw, "name", where),
        languages=languages,
        opening_hours=None if hours is None else _hours(hours, f"{where}.opening_hours"),
    )


def parse_booking_config(raw: Any, source: Path | None = None) -> BookingConfig:
    """Build the configuration from the parsed YAML; :class:`BookingConfigError` names a bad field."""
    if not isinstance(raw, dict):
        raise BookingConfigError("the booking configuration must be a YAML mapping")
    try:
        timezone = ZoneInfo(str(raw.get("timezone", "Europe/Berlin")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BookingConfigError(f"timezone {raw.get('timezone')!r} is unknown") from exc
    office_raw = raw.get("office") or {}
    if not isinstance(office_raw, dict):
        raise BookingConfigError("office must be a mapping (name, address, phone, ...)")
    office = Office(
        name=_text(office_raw, "name", "office"),
        address=_text(office_raw, "address", "office"),
        phone=_text(office_raw, "phone", "office"),
        email=_text(office_raw, "email", "office", PLACEHOLDER),
        how_to_cancel=_text(office_raw, "how_to_cancel", "office", "chat"),
        bring_entry=_text(office_raw, "bring_entry", "office", "beratung_was_mitbringen"),
    )
    closed: set[dt.date] = set()
    for value in raw.get("closed_days") or []:
        try:
            closed.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError as exc:
            raise BookingConfigError(f"closed_days: {value!r} is not a date like 2026-12-24") from exc
    counsellors = tuple(_counsellor(c, i) for i, c in enumerate(raw.get("counsellors") or []))
    if not counsellors:
        raise BookingConfigError("counsellors must list at least one counsellor")
    ids = [c.id for c in counsellors]
    if len(set(ids)) != len(ids):
        raise BookingConfigError("counsellors: every id must be unique")
    return BookingConfig(
        timezone=timezone,
        slot_minutes=_positive(raw, "slot_minutes", 45, 10, 480),
        days_ahead=_positive(raw, "days_ahead", 21, 1, 365),
        min_notice_hours=_positive(raw, "min_notice_hours", 12, 0, 24 * 14),
        reminder_time=_time(str(raw.get("reminder_time", "10:00")), "reminder_time"),
        office=office,
        opening_hours=_hours(raw.get("opening_hours") or {}, "opening_hours"),
        closed_days=frozenset(closed),
        counsellors=counsellors,
        hours_confirmed=raw.get("hours_confirmed") is True,
        source=source,
    )


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or CONFIG_FILE)


def load_booking_config(path: Path | None = None) -> BookingConfig:
    """Read ``path`` (default: ``ANKOMMEN_BOOKING_CONFIG`` or ``knowledge/booking.yml``)."""
    path = path or config_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BookingConfigError(f"{path} is not valid YAML: {exc}") from exc
    return parse_booking_config(raw, source=path)
