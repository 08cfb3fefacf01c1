"""The languages Ankommen speaks: codes, own names and writing direction.

This module is the one place that lists them; the detector, the actions, the knowledge
validator and the gateway all read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One supported language."""

    code: str  # ISO 639-1 where one exists ("ku" is Kurmanji here, "fa" covers Farsi and Dari)
    native_name: str  # the name in the language itself, for the language menu
    english_name: str
    rtl: bool = False


LANGUAGES: tuple[Language, ...] = (
    Language("de", "Deutsch", "German"),
    Language("en", "English", "English"),
    Language("ar", "العربية", "Arabic", rtl=True),
    Language("uk", "Українська", "Ukrainian"),
    Language("ru", "Русский", "Russian"),
    Language("tr", "Türkçe", "Turkish"),
    Language("fa", "فارسی / دری", "Persian (Farsi/Dari)", rtl=True),
    Language("ro", "Română", "Romanian"),
    Language("bg", "Български", "Bulgarian"),
    Language("fr", "Français", "French"),
    Language("pl", "Polski", "Polish"),
    Language("ku", "Kurmancî", "Kurdish (Kurmanji)"),
    Language("ps", "پښتو", "Pashto", rtl=True),
    Language("ti", "ትግርኛ", "Tigrinya"),
    Language("es", "Español", "Spanish"),
)

SUPPORTED: frozenset[str] = frozenset(lang.code for lang in LANGUAGES)
BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
DEFAULT_LANGUAGE = "de"
#: Where an entry or message lacks the user's language, answer in these, in this order.
FALLBACK_LANGUAGES: tuple[str, ...] = ("de", "en")
#: The languages whose conversation replies (menu, greeting, fallback...) must exist.
CORE_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "uk", "ru", "tr", "fa")
#: The ten most used languages: each knowledge entry has at least 6 training questions in each.
MAIN_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "uk", "ru", "tr", "fa", "ro", "bg", "pl")


def normalise(code: str | None) -> str | None:
    """Map a client language tag ("de-DE", "prs", "uk_UA") to a supported code, or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    base = {"prs": "fa", "pes": "fa", "kmr": "ku", "pbt": "ps", "pus": "ps", "fas": "fa"}.get(base, base)
    return base if base in SUPPORTED else None
