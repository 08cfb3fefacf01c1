"""Understand a free-text date wish ("morgen vormittag", "غدا صباحا", "3.12.") without network or ML.

Word tables cover de en ar uk ru tr fa ro bg pl fr es. Text is folded first (lower case, no accents or
Arabic vowel marks, Arabic-Indic and Persian digits as 0-9), so "übermorgen" and "uebermorgen", "mâine"
and "maine" match the same entry. Every table entry is folded the same way when the module loads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, Literal

Part = Literal["morning", "afternoon", "any"]

PAST_GRACE_DAYS = 60
"""A date without a year that lies up to this many days back is "past"; further back means next year."""


@dataclass(frozen=True)
class DateWish:
    """A day (or None) and a part of the day; ``error`` is "past", or "unknown" when nothing was found."""

    day: date | None
    part: Part
    error: str | None


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTERS = str.maketrans({"ß": "ss", "ł": "l", "ı": "i", "أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه",
                          "ى": "ی", "ي": "ی", "ك": "ک", "\u200c": "", "'": "", "’": "", "ʼ": ""})  # fmt: skip


def fold(text: str) -> str:
    """Lower case, digits 0-9, no diacritics, umlauts as "ue"/"u" alike, one space between words."""
    text = text.casefold().translate(_DIGITS).translate(_LETTERS)
    text = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", text)  # "après-midi" -> "après midi"
    text = re.sub(r"(?<=[aou])e", "", text)  # German "ue"/"oe"/"ae" spelling of umlauts -> base letter
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+|[./:-]", text))


# Relative days: offset from today. Longer phrases are tried first ("day after tomorrow" before "tomorrow").
_RELATIVE: dict[int, tuple[str, ...]] = {
    0: ("heute", "today", "اليوم", "النهارده", "امروز", "сьогодні", "сегодня", "bugün", "azi", "astazi",
        "днес", "dzis", "dzisiaj", "aujourdhui", "hoy"),
    1: ("morgen", "morgn", "tomorrow", "tomorow", "tommorow", "tmrw", "غدا", "بكره", "بكرا", "فردا", "завтра",
        "yarın", "yarin", "mâine", "maine", "утре", "jutro", "demain", "manana"),
    2: ("übermorgen", "ubermorgen", "day after tomorrow", "بعد غد", "بعد بكره", "بعد بكرا", "پس فردا",
        "پسفردا", "післязавтра", "послезавтра", "после завтра", "öbür gün", "yarından sonra", "poimâine",
        "poimaine", "вдругиден", "pojutrze", "après demain", "pasado mañana"),
}  # fmt: skip

# Weekdays (Monday = 0), with the inflected forms people use after "on"/"am"/"в"/"w".
_WEEKDAYS: dict[int, tuple[str, ...]] = {
    0: ("montag", "monday", "الاثنين", "الاتنين", "اثنين", "دوشنبه", "понеділок", "понедельник", "pazartesi",
        "pazartesiye", "luni", "понеделник", "poniedziałek", "lundi", "lunes"),
    1: ("dienstag", "tuesday", "الثلاثاء", "الثلاثا", "التلات", "ثلاثاء", "سه شنبه", "سهشنبه",
        "вівторок", "вторник", "salı", "salıya", "marți", "wtorek", "mardi", "martes"),
    2: ("mittwoch", "wednesday", "الاربعاء", "الاربع", "اربعاء", "چهارشنبه", "середа", "середу",
        "среда", "среду", "çarşamba", "çarşambaya", "miercuri", "сряда", "środa", "środę",
        "mercredi", "miércoles"),
    3: ("donnerstag", "thursday", "الخميس", "خميس", "پنجشنبه", "پنج شنبه", "четвер", "четверг", "perşembe",
        "perşembeye", "joi", "четвъртък", "czwartek", "jeudi", "jueves"),
    4: ("freitag", "friday", "الجمعه", "جمعه", "п'ятниця", "п'ятницю", "пятница", "пятницу", "cuma", "cumaya",
        "vineri", "петък", "piątek", "vendredi", "viernes"),
    5: ("samstag", "sonnabend", "saturday", "السبت", "سبت", "شنبه", "субота", "суботу", "суббота", "субботу",
        "cumartesi", "cumartesiye", "sâmbătă", "събота", "sobota", "sobotę", "samedi", "sábado"),
    6: ("sonntag", "sunday", "الاحد", "احد", "یکشنبه", "یک شنبه", "неділя", "неділю", "воскресенье", "pazar",
        "pazara", "duminică", "неделя", "niedziela", "niedzielę", "dimanche", "domingo"),
}  # fmt: skip

# Parts of the day. Evening words count as "afternoon" (the later part of the office day).
_PARTS: dict[Part, tuple[str, ...]] = {
    "morning": ("vormittag", "vormittags", "morgens", "früh", "am morgen", "morning", "in the morning",
                "صباح", "صباحا", "الصبح", "الصباح", "صبح", "вранці", "зранку", "ранок", "до обіду", "утром",
                "утро", "с утра", "до обеда", "sabah", "öğleden önce", "dimineață", "dimineața", "сутрин",
                "сутринта", "преди обяд", "rano", "przed południem", "matin", "matinée", "le matin",
                "por la mañana", "de la mañana", "en la mañana"),
    "afternoon": ("nachmittag", "nachmittags", "abend", "abends", "mittag", "mittags", "afternoon", "evening",
                  "بعد الظهر", "الظهر", "العصر", "مساء", "مساءا", "المسا", "بعدازظهر", "بعد از ظهر", "عصر",
                  "ظهر", "після обіду", "пополудні", "ввечері", "увечері", "вдень", "после обеда", "днем",
                  "вечером", "öğleden sonra", "öğle", "akşam", "după amiază", "după amiaza",
                  "după masă", "seara",
                  "следобед", "вечерта", "вечер", "po południu", "popołudniu", "wieczorem", "après midi",
                  "l'après midi", "soir", "le soir", "por la tarde", "de la tarde", "tarde", "noche"),
}  # fmt: skip


def _compile(table: Mapping[Any, tuple[str, ...]]) -> list[tuple[re.Pattern[str], object]]:
    entries = [(fold(form), key) for key, forms in table.items() for form in forms]
    entries.sort(key=lambda entry: -len(entry[0]))
    return [(re.compile(rf"(?<!\S){re.escape(form)}(?!\S)"), key) for form, key in entries]


_RELATIVE_PATTERNS = _compile(_RELATIVE)
_WEEKDAY_PATTERNS = _compile(_WEEKDAYS)
_PART_PATTERNS = _compile(_PARTS)

_ISO = re.compile(r"(?<!\d)(\d{4}) ?[-/.] ?(\d{1,2}) ?[-/.] ?(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2}) ?([./-]) ?(\d{1,2})(?!\d)(?: ?\2 ?(\d{4}|\d{2})(?!\d)| ?(\.))?")


def _find(patterns: list[tuple[re.Pattern[str], object]], text: str) -> tuple[object | None, str]:
    """The first table entry found (longest forms first) and the text with that match blanked out."""
    for pattern, key in patterns:
        match = pattern.search(text)
        if match:
            return key, text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return None, text


def _explicit_date(text: str, today: date) -> tuple[date | None, bool, bool]:
    """(day, found, year_given) for ISO, dd.mm.(yyyy) and dd/mm(/yyyy); an impossible date is found=True."""
    iso = _ISO.search(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        return _safe_date(year, month, day), True, True
    for match in _DMY.finditer(text):
        day_s, sep, month_s, year_s, final_dot = match.groups()
        if sep == "." and year_s is None and final_dot is None:
            continue  # "10.30" is a time, "3.12." is a date
        if sep == "-" and year_s is None:
            continue
        year = today.year if year_s is None else int(year_s) + (2000 if len(year_s) == 2 else 0)
        return _safe_date(year, int(month_s), int(day_s)), True, year_s is not None
    return None, False, False


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _part_of_day(text: str) -> tuple[Part, str]:
    key, rest = _find(_PART_PATTERNS, text)
    return ("any" if key is None else key), rest  # type: ignore[return-value]


def parse_date_wish(text: str, language: str, today: date) -> DateWish:
    """Parse a day wish in any supported language; ``language`` is kept for logging and future tables."""
    folded = fold(text)
    # Spanish "mañana" is "tomorrow", but "por la mañana" is "in the morning": take the part first.
    part, rest = _part_of_day(folded)
    day, found, year_given = _explicit_date(rest, today)
    if found:
        if day is None:
            return DateWish(None, part, "unknown")
        if day < today and not year_given and (today - day).days > PAST_GRACE_DAYS:
            day = _safe_date(day.year + 1, day.month, day.day)
            if day is None:
                return DateWish(None, part, "unknown")
        return DateWish(day, part, "past" if day < today else None)
    offset, rest = _find(_RELATIVE_PATTERNS, rest)
    if isinstance(offset, int):
        return DateWish(today + timedelta(days=offset), part, None)
    weekday, _ = _find(_WEEKDAY_PATTERNS, rest)
    if isinstance(weekday, int):
        ahead = (weekday - today.weekday()) % 7 or 7  # "Montag" said on a Monday means next week
        return DateWish(today + timedelta(days=ahead), part, None)
    if part != "any":
        return DateWish(None, part, None)
    return DateWish(None, "any", "unknown")


_CLOCK = re.compile(r"(?<![\d./])(\d{1,2}) ?[:.h] ?(\d{2})(?![\d./])(?: ?(am|pm))?")
_HOUR = re.compile(r"(?<![\d./])(\d{1,2}) ?(uhr|h|am|pm|oclock|ч|час|годин|saat|heures?|godz|ساعت)(?!\S)")
_AT_HOUR = re.compile(r"(?<!\S)(um|at|a las|a la|à|a|saat|в|о|o|la|ساعت|الساعه)\s(\d{1,2})(?![\d./:])")


def parse_choice_time(text: str) -> time | None:
    """A clock time from "10:30", "10.30", "10 Uhr", "um 10", "2 pm", "١٠:٣٠"; None when there is none."""
    folded = re.sub(r" ?([.:/]) ?", r"\1", fold(text))
    hour: int | None = None
    minute = 0
    suffix: str | None = None
    if clock := _CLOCK.search(folded):
        hour, minute, suffix = int(clock.group(1)), int(clock.group(2)), clock.group(3)
    elif by_word := _HOUR.search(folded):
        hour, suffix = int(by_word.group(1)), by_word.group(2)
    elif at := _AT_HOUR.search(folded):
        hour = int(at.group(2))
    elif re.fullmatch(r"\d{1,2}", folded):
        hour = int(folded)
    if hour is None:
        return None
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
