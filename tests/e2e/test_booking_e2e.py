"""End to end: booking, seeing, moving and cancelling a MigraDo appointment through the web chat.

The real engine (with the current model), the real action server and the real gateway on free ports and a
fresh SQLite database; the messages go in through the web chat's HTTP API as the page sends them, button
presses as their payloads. This is the issue's "done when": three languages in the web chat.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from booking.config import load_booking_config
from booking.service import BookingService
from bot.runner import Stack
from knowledge.messages import load_messages
from tests.e2e.test_stack import ARABIC, CYRILLIC, say, share, text_of
from tests.helpers.model import e2e_stack

pytestmark = [pytest.mark.e2e, pytest.mark.model]

MESSAGES = load_messages()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with e2e_stack(tmp_path_factory.mktemp("booking")) as running:
        yield running


@pytest.fixture(scope="module")
def bookings(stack: Stack) -> Iterator[BookingService]:
    service = BookingService(stack.env["DATABASE_URL"], load_booking_config())
    yield service
    service.close()


def payloads(reply: dict[str, Any]) -> list[str]:
    return [b["payload"] for m in reply["messages"] for b in m["buttons"]]


def press(stack: Stack, session: str, reply: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Press the first button whose payload starts with ``prefix``."""
    found = [p for p in payloads(reply) if p.startswith(prefix)]
    assert found, (prefix, payloads(reply))
    return say(stack, session, found[0])


def book(stack: Stack, session: str, start: str, name: str, language: str) -> dict[str, Any]:
    """Topic button → language button → first slot → typed name → skip phone → yes."""
    asked = say(stack, session, start)
    assert (asked["meta"]["route"], asked["meta"]["language"]) == ("booking", language)
    assert text_of(asked).startswith(MESSAGES.get("booking_ask_topic", language).text)
    lang = press(stack, session, asked, '/booking_choice{"choice":"topic-')
    slots = press(stack, session, lang, f'/booking_choice{{"choice":"lang-{language}"}}')
    named = press(stack, session, slots, '/booking_choice{"choice":"slot-')
    assert named["meta"]["route"] == "booking"
    phone = say(stack, session, name)
    summary = press(stack, session, phone, '/booking_choice{"choice":"skip"}')
    assert name in text_of(summary)
    return press(stack, session, summary, '/booking_choice{"choice":"yes"}')


def reference_in(reply: dict[str, Any], bookings: BookingService) -> str:
    references = [b.reference for b in bookings.bookings_on(None) if b.reference in text_of(reply)]
    assert len(references) == 1, text_of(reply)
    return references[0]


def test_a_german_booking_with_later_a_typed_phone_and_a_stop(stack: Stack, bookings: BookingService) -> None:
    session = "e2e-" + secrets.token_hex(8)
    asked = say(stack, session, "Ich brauche einen Termin")
    assert asked["meta"] == {**asked["meta"], "route": "booking", "language": "de"}
    lang = press(stack, session, asked, '/booking_choice{"choice":"topic-wohnen"}')
    slots = press(stack, session, lang, '/booking_choice{"choice":"lang-de"}')
    first = [p for p in payloads(slots) if '"slot-' in p]
    assert len(first) == 3
    later = press(stack, session, slots, '/booking_choice{"choice":"later"}')
    second = [p for p in payloads(later) if '"slot-' in p]
    assert len(second) == 3 and not set(first) & set(second)
    stopped = press(stack, session, say(stack, session, second[0]), "/stop_booking")  # at the name step
    assert text_of(stopped) == MESSAGES.get("booking_stopped", "de").text
    assert bookings.bookings_on(None) == [] or all(b.status != "active" for b in bookings.bookings_on(None))

    asked = say(stack, session, "Termin")
    lang = press(stack, session, asked, '/booking_choice{"choice":"topic-jobcenter"}')
    slots = press(stack, session, lang, '/booking_choice{"choice":"lang-de"}')
    name = press(stack, session, slots, '/booking_choice{"choice":"slot-')
    phone = say(stack, session, "Amira K.")
    assert MESSAGES.get("booking_ask_phone", "de").text in text_of(phone)
    wrong = say(stack, session, "12")
    assert MESSAGES.get("booking_phone_invalid", "de").text in text_of(wrong)
    summary = say(stack, session, "0231 1234567")
    assert "02311234567" in text_of(summary) and "Jobcenter" in text_of(summary)
    done = press(stack, session, summary, '/booking_choice{"choice":"yes"}')
    reference = reference_in(done, bookings)
    stored = next(b for b in bookings.bookings_on(None) if b.reference == reference)
    assert (stored.topic, stored.name, stored.phone, stored.channel) == (
        "jobcenter",
        "Amira K.",
        "02311234567",
        "web",
    )
    assert stored.slot.starts_at.strftime("%H:%M") in text_of(done)
    assert MESSAGES.get("booking_place_unknown", "de").text in text_of(done)
    assert name["meta"]["route"] == "booking"


def test_an_arabic_booking_with_typed_answers(stack: Stack, bookings: BookingService) -> None:
    session = "e2e-" + secrets.token_hex(8)
    asked = say(stack, session, "بدي موعد")
    assert (asked["meta"]["route"], asked["meta"]["language"]) == ("booking", "ar")
    lang = say(stack, session, "مشكلة مع السكن")  # a topic in own words
    assert share(text_of(lang), ARABIC) > 0.5
    slots = press(stack, session, lang, '/booking_choice{"choice":"lang-ar"}')
    wish = say(stack, session, "غدا صباحا")  # a day wish: tomorrow morning, or the next free slots
    assert wish["meta"]["language"] == "ar" and any('"slot-' in p for p in payloads(wish))
    assert slots["meta"]["route"] == "booking"
    name = press(stack, session, wish, '/booking_choice{"choice":"slot-')
    phone = say(stack, session, "أحمد")
    summary = press(stack, session, phone, '/booking_choice{"choice":"skip"}')
    done = say(stack, session, "نعم")  # typed yes
    reference = reference_in(done, bookings)
    stored = next(b for b in bookings.bookings_on(None) if b.reference == reference)
    assert (stored.topic, stored.language, stored.name, stored.phone) == (
        "مشكلة مع السكن",
        "ar",
        "أحمد",
        None,
    )
    assert done["meta"]["language"] == "ar" and share(text_of(done), ARABIC) > 0.5
    assert name["meta"]["route"] == summary["meta"]["route"] == "booking"


def test_see_move_and_cancel_in_ukrainian(stack: Stack, bookings: BookingService) -> None:
    session = "e2e-" + secrets.token_hex(8)
    done = book(stack, session, "хочу записатися на консультацію", "Оксана", "uk")
    first = reference_in(done, bookings)

    shown = say(stack, session, "мій запис")
    assert shown["meta"] == {**shown["meta"], "route": "booking", "language": "uk"}
    assert first in text_of(shown) and share(text_of(shown), CYRILLIC) > 0.5

    offer = say(stack, session, "перенести запис")
    moved = press(stack, session, offer, '/reschedule_appointment{"choice":"slot-')
    second = reference_in(moved, bookings)
    assert second != first
    states = {b.reference: b.status for b in bookings.bookings_on(None)}
    assert (states[first], states[second]) == ("cancelled", "active")

    asked = say(stack, session, "скасувати запис")
    assert second in text_of(asked)
    yes = f'/cancel_appointment{{"choice":"ref-{second}"}}'
    cancelled = say(stack, session, yes)
    assert second in text_of(cancelled) and cancelled["meta"]["language"] == "uk"
    assert {b.reference: b.status for b in bookings.bookings_on(None)}[second] == "cancelled"
    again = say(stack, session, yes)
    assert text_of(again).startswith(MESSAGES.get("booking_already_cancelled", "uk").text)
    none = say(stack, session, "мій запис")
    assert text_of(none).startswith(MESSAGES.get("booking_none", "uk").text)


def test_referrals_by_postcode_and_kim_in_the_web_chat(stack: Stack, bookings: BookingService) -> None:
    session = "e2e-" + secrets.token_hex(8)
    menu = say(stack, session, "/help")
    where = press(stack, session, menu, "/referral_menu")
    asked = press(stack, session, where, "/refer_lokal_willkommen")
    assert asked["meta"]["route"] == "referral" and len(payloads(asked)) == 13
    several = say(stack, session, "44143")  # a postcode in two districts: the bot asks which
    assert "44143" in text_of(several) and len(payloads(several)) == 3
    office = press(stack, session, several, '/booking_choice{"choice":"district-')
    assert MESSAGES.get("referral_contact_unknown", "de").text in text_of(office)
    again = say(stack, session, "/refer_lokal_willkommen")
    eving = say(stack, session, "Eving")
    assert "lokal willkommen Eving/Scharnhorst" in text_of(eving) and again["meta"]["route"] == "referral"

    kim = say(stack, session, "/refer_kim")
    assert kim["meta"]["entry"] == "beratung_kim"
    done = book(stack, session, '/book_appointment{"kim":"yes"}', "K. L.", "de")
    stored = next(b for b in bookings.bookings_on(None) if b.reference == reference_in(done, bookings))
    assert stored.kim is True
