"""Tests for booking.dates: multilingual date wishes and clock times."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from booking.dates import DateWish, parse_choice_time, parse_date_wish

TODAY = date(2026, 11, 25)  # a Wednesday
TOMORROW = TODAY + timedelta(days=1)
DAY_AFTER = TODAY + timedelta(days=2)
NEXT_MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "language", "day", "part"),
    [
        # German
        ("morgen vormittag", "de", TOMORROW, "morning"),
        ("Morgen früh", "de", TOMORROW, "morning"),
        ("übermorgen nachmittag", "de", DAY_AFTER, "afternoon"),
        ("uebermorgen", "de", DAY_AFTER, "any"),
        ("heute abend", "de", TODAY, "afternoon"),
        ("am Montag", "de", NEXT_MONDAY, "any"),
        # English
        ("tomorrow morning", "en", TOMORROW, "morning"),
        ("tommorow afternoon", "en", TOMORROW, "afternoon"),
        ("day after tomorrow", "en", DAY_AFTER, "any"),
        ("Monday", "en", NEXT_MONDAY, "any"),
        # Arabic (with and without vowel marks)
        ("غدا صباحا", "ar", TOMORROW, "morning"),
        ("غداً صباحاً", "ar", TOMORROW, "morning"),
        ("بعد غد بعد الظهر", "ar", DAY_AFTER, "afternoon"),
        ("يوم الاثنين", "ar", NEXT_MONDAY, "any"),
        # Ukrainian
        ("завтра вранці", "uk", TOMORROW, "morning"),
        ("післязавтра після обіду", "uk", DAY_AFTER, "afternoon"),
        ("у понеділок", "uk", NEXT_MONDAY, "any"),
        # Russian
        ("завтра утром", "ru", TOMORROW, "morning"),
        ("послезавтра после обеда", "ru", DAY_AFTER, "afternoon"),
        ("в понедельник", "ru", NEXT_MONDAY, "any"),
        # Turkish
        ("yarın sabah", "tr", TOMORROW, "morning"),
        ("yarin ogleden sonra", "tr", TOMORROW, "afternoon"),
        ("pazartesi", "tr", NEXT_MONDAY, "any"),
        # Persian (Persian digits and zero-width non-joiner)
        ("فردا صبح", "fa", TOMORROW, "morning"),
        ("پس‌فردا بعدازظهر", "fa", DAY_AFTER, "afternoon"),
        ("دوشنبه", "fa", NEXT_MONDAY, "any"),
        # Romanian
        ("mâine dimineață", "ro", TOMORROW, "morning"),
        ("maine dupa amiaza", "ro", TOMORROW, "afternoon"),
        ("luni", "ro", NEXT_MONDAY, "any"),
        # Bulgarian
        ("утре сутрин", "bg", TOMORROW, "morning"),
        ("вдругиден следобед", "bg", DAY_AFTER, "afternoon"),
        ("понеделник", "bg", NEXT_MONDAY, "any"),
        # Polish
        ("jutro rano", "pl", TOMORROW, "morning"),
        ("pojutrze po południu", "pl", DAY_AFTER, "afternoon"),
        ("w poniedzialek", "pl", NEXT_MONDAY, "any"),
        # French
        ("demain matin", "fr", TOMORROW, "morning"),
        ("après-demain après-midi", "fr", DAY_AFTER, "afternoon"),
        ("lundi", "fr", NEXT_MONDAY, "any"),
        # Spanish ("mañana" is tomorrow, "por la mañana" is in the morning)
        ("mañana por la mañana", "es", TOMORROW, "morning"),
        ("pasado manana por la tarde", "es", DAY_AFTER, "afternoon"),
        ("el lunes", "es", NEXT_MONDAY, "any"),
    ],
)
def test_relative_days_and_weekdays(text: str, language: str, day: date, part: str) -> None:
    assert parse_date_wish(text, language, TODAY) == DateWish(day, part, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3.12.", date(2026, 12, 3)),
        ("am 03.12.2026", date(2026, 12, 3)),
        ("3.12.26", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3/12", date(2026, 12, 3)),
        ("٣/١٢", date(2026, 12, 3)),
        ("۳/۱۲", date(2026, 12, 3)),
        ("03-12-2026", date(2026, 12, 3)),
    ],
)
def test_explicit_dates(text: str, day: date) -> None:
    assert parse_date_wish(text, "de", TODAY) == DateWish(day, "any", None)


def test_explicit_date_keeps_the_part_of_day() -> None:
    assert parse_date_wish("3.12. vormittags", "de", TODAY) == DateWish(date(2026, 12, 3), "morning", None)


def test_weekday_on_the_same_weekday_means_next_week() -> None:
    assert parse_date_wish("Mittwoch", "de", TODAY).day == TODAY + timedelta(days=7)


@pytest.mark.parametrize("text", ["20.11.", "2026-11-24", "01.01.2025", "24/11"])
def test_past_dates(text: str) -> None:
    wish = parse_date_wish(text, "de", TODAY)
    assert wish.error == "past"


def test_today_is_not_past() -> None:
    assert parse_date_wish("25.11.", "de", TODAY) == DateWish(TODAY, "any", None)


@pytest.mark.parametrize(
    ("today", "text", "day"),
    [
        (date(2026, 12, 20), "5.1.", date(2027, 1, 5)),
        (date(2026, 12, 30), "2/1", date(2027, 1, 2)),
        (date(2026, 12, 31), "morgen", date(2027, 1, 1)),
        (date(2026, 12, 31), "Freitag", date(2027, 1, 1)),
    ],
)
def test_year_rollover_in_december(today: date, text: str, day: date) -> None:
    assert parse_date_wish(text, "de", today).day == day


def test_part_of_day_alone() -> None:
    assert parse_date_wish("lieber nachmittags", "de", TODAY) == DateWish(None, "afternoon", None)


@pytest.mark.parametrize("text", ["", "asdf qwer", "hallo", "10.30", "31.02.", "99/99", "Termin bitte", "🙂"])
def test_nonsense_is_unknown(text: str) -> None:
    wish = parse_date_wish(text, "de", TODAY)
    assert wish.day is None
    assert wish.error == "unknown"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:30", time(10, 30)),
        ("10.30", time(10, 30)),
        ("10 Uhr", time(10, 0)),
        ("um 10", time(10, 0)),
        ("10h30", time(10, 30)),
        ("2 pm", time(14, 0)),
        ("14:00 Uhr", time(14, 0)),
        ("١٠:٣٠", time(10, 30)),
        ("۹:۰۰", time(9, 0)),
        ("9", time(9, 0)),
    ],
)
def test_choice_time(text: str, expected: time) -> None:
    assert parse_choice_time(text) == expected


@pytest.mark.parametrize("text", ["hallo", "25:00", "10:75", "3.12.", "", "morgen"])
def test_choice_time_none(text: str) -> None:
    assert parse_choice_time(text) is None
