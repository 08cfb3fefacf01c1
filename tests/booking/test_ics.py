"""Calendar files: RFC 5545 lines, UTC times, the reference as UID, folding and escaping."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from booking.config import Office
from booking.ics import PLACE_UNKNOWN, calendar, escape, fold, ics_for
from booking.views import BookingView, SlotView

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = dt.datetime(2027, 3, 22, 8, 0, tzinfo=dt.timezone.utc)


def _booking(status: str = "active") -> BookingView:
    start = dt.datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN)  # summer time: 07:00 UTC
    slot = SlotView(7, start, start + dt.timedelta(minutes=45), "c1", frozenset({"de", "ar"}))
    return BookingView("K7Q4M9", slot, "wohnen", "ar", "A. B.", True, False, status, "web", phone="0231 1")


def _office(address: str = "PLACEHOLDER") -> Office:
    return Office("MigraDo", address, "PLACEHOLDER", "PLACEHOLDER", "chat", "beratung_was_mitbringen")


def test_one_booking_as_a_calendar_file() -> None:
    ics = ics_for(_booking(), _office(), now=STAMP)
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    lines = ics.replace("\r\n ", "").split("\r\n")
    assert "UID:K7Q4M9" in lines
    assert "DTSTART:20270329T070000Z" in lines and "DTEND:20270329T074500Z" in lines
    assert "DTSTAMP:20270322T080000Z" in lines
    assert "STATUS:CONFIRMED" in lines
    assert f"LOCATION:{escape(PLACE_UNKNOWN)}" in lines  # the address is not known: never invented
    assert "A. B." not in ics and "0231" not in ics  # neither name nor phone in the person's file


def test_a_known_address_and_a_cancelled_booking() -> None:
    ics = ics_for(_booking("cancelled"), _office("Teststraße 1, 44135 Dortmund"), now=STAMP)
    assert "LOCATION:MigraDo\\, Teststraße 1\\, 44135 Dortmund" in ics
    assert "STATUS:CANCELLED" in ics


def test_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "موعد " * 40
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert "".join(parts) == line


def test_escaping() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_calendar_of_several_bookings() -> None:
    ics = calendar([(_booking(), "eins"), (_booking(), "zwei")], _office(), now=STAMP)
    assert ics.count("BEGIN:VEVENT") == 2
