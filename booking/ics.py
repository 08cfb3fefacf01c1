"""Calendar files (RFC 5545) for bookings: one for the person, a list for the office.

Times are written in UTC (``...Z``), so every calendar shows them in its own time zone; the UID is the
booking reference. The place is the office address from the configuration, or a notice that MigraDo
confirms it while the address is still a placeholder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from booking.config import Office
from booking.views import BookingView

PRODID = "-//Ankommen//MigraDo appointments//DE"
PLACE_UNKNOWN = "Ort wird von MigraDo bestätigt / place to be confirmed by MigraDo"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
    ).replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not parts else 74  # continuation lines start with a space
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def place(office: Office) -> str:
    return f"{office.name}, {office.address}" if office.address_known else PLACE_UNKNOWN


def _event(booking: BookingView, office: Office, summary: str, stamp: dt.datetime) -> list[str]:
    description = f"Reference / Nummer: {booking.reference}"
    if office.phone_known:
        description += f"\nTelefon: {office.phone}"
    return [
        "BEGIN:VEVENT",
        f"UID:{booking.reference}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(booking.slot.starts_at)}",
        f"DTEND:{_utc(booking.slot.ends_at)}",
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(place(office))}",
        f"DESCRIPTION:{escape(description)}",
        "STATUS:" + ("CANCELLED" if booking.status == "cancelled" else "CONFIRMED"),
        "END:VEVENT",
    ]


def calendar(
    bookings: Iterable[tuple[BookingView, str]], office: Office, now: dt.datetime | None = None
) -> str:
    """A VCALENDAR with one event per (booking, summary)."""
    stamp = now or dt.datetime.now(dt.timezone.utc)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for booking, summary in bookings:
        lines += _event(booking, office, summary, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def ics_for(
    booking: BookingView, office: Office, summary: str | None = None, now: dt.datetime | None = None
) -> str:
    """The person's calendar file for one booking (no name or phone in it)."""
    return calendar([(booking, summary or f"{office.name} ({booking.reference})")], office, now)
