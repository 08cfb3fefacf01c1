"""The booking form's actions on a real BookingService and a fresh SQLite database (nothing mocked)."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import appointments
from actions.booking import ActionBookingDone, ActionBookingStop, AskConfirm, AskLanguage, AskSlot, AskTopic
from actions.booking_form import ValidateBookingForm
from actions.booking_manage import ActionBookingCancel, ActionBookingReschedule, ActionBookingShow
from booking.service import MAX_ACTIVE_PER_PERSON, BookingService
from knowledge.messages import load_messages
from tests.helpers.bookings import bookings, form_tracker, validate
from tests.helpers.trackers import run, tracker

__all__ = ["bookings"]  # the fixture

MESSAGES = load_messages()
FORM = ValidateBookingForm()
FILLED = {
    "booking_topic": "wohnen",
    "booking_language": "de",
    "booking_name": "A. K.",
    "booking_phone": "skip",
}


def payloads(texts: list[dict[str, object]]) -> list[str]:
    return [str(b["payload"]) for t in texts for b in t["buttons"]]  # type: ignore[attr-defined]


def offered(service: BookingService, language: str = "de") -> tuple[dict[str, str], list[str]]:
    """Ask for a slot as the form does; return the offer it stores and the buttons' payloads."""
    events, texts, meta = run(AskSlot(), tracker("book_appointment", language=language, **FILLED))
    assert meta["route"] == "booking"
    offer = next(e["value"] for e in events if e.get("name") == "booking_offer")
    return offer, payloads(texts)


def test_the_form_starts_fresh_and_remembers_a_kim_request(bookings: BookingService) -> None:
    stale = form_tracker(None, entities=[{"entity": "kim", "value": "yes"}], **FILLED)
    slots = validate(FORM, stale)
    assert all(slots[name] is None for name in appointments.FORM_SLOTS)
    assert slots["booking_kim"] is True


def test_topic_buttons_and_answers(bookings: BookingService) -> None:
    _, texts, meta = run(AskTopic(), tracker("book_appointment", language="de"))
    assert texts[0]["text"] == MESSAGES.get("booking_ask_topic", "de").text
    assert '/booking_choice{"choice":"topic-wohnen"}' in payloads(texts)
    assert payloads(texts)[-1] == "/stop_booking" and meta["route"] == "booking"
    assert validate(FORM, form_tracker("booking_topic", choice="topic-wohnen"))["booking_topic"] == "wohnen"
    typed = validate(FORM, form_tracker("booking_topic", "Ärger mit dem Vermieter"))
    assert typed["booking_topic"] == "Ärger mit dem Vermieter"
    stale_button = validate(FORM, form_tracker("booking_topic", choice="slot-3"))
    assert stale_button == {"booking_topic": None, "booking_notice": "topic_invalid"}


def test_language_buttons_start_with_the_persons_language(bookings: BookingService) -> None:
    _, texts, _ = run(AskLanguage(), tracker("book_appointment", language="ar"))
    titles = [b["title"] for b in texts[0]["buttons"]]
    assert titles[:3] == ["العربية", "Deutsch", "English"]
    assert validate(FORM, form_tracker("booking_language", choice="lang-ar"))["booking_language"] == "ar"
    assert validate(FORM, form_tracker("booking_language", "Tigrinya"))["booking_language"] == "ti"
    assert validate(FORM, form_tracker("booking_language", "Klingonisch"))["booking_language"] == "other"


def test_three_free_slots_then_later_shows_the_next_ones(bookings: BookingService) -> None:
    offer, buttons = offered(bookings)
    assert len(offer) == 3
    assert buttons[3:] == ['/booking_choice{"choice":"later"}', "/stop_booking"]
    later = validate(FORM, form_tracker("booking_slot", choice="later", booking_offer=offer))
    assert later["booking_slot"] is None and later["booking_after"] == max(offer.values())
    events, texts, _ = run(
        AskSlot(), tracker("x", language="de", **FILLED, booking_after=later["booking_after"])
    )
    more = next(e["value"] for e in events if e.get("name") == "booking_offer")
    assert min(more.values()) > max(offer.values()) and len(more) == 3
    for title in [b["title"] for b in texts[0]["buttons"]]:
        assert len(title) <= 20


def test_a_slot_button_is_taken_with_its_time(bookings: BookingService) -> None:
    offer, _ = offered(bookings)
    slot_id, starts = next(iter(offer.items()))
    picked = validate(FORM, form_tracker("booking_slot", choice=f"slot-{slot_id}", booking_offer=offer))
    assert picked == {"booking_slot": slot_id, "booking_slot_time": starts, "booking_notice": None}


@pytest.mark.parametrize(
    ("text", "language"), [("morgen vormittag", "de"), ("غدا صباحا", "ar"), ("завтра утром", "uk")]
)
def test_a_typed_day_wish_narrows_the_offer(bookings: BookingService, text: str, language: str) -> None:
    wish = validate(FORM, form_tracker("booking_slot", text, language=language, booking_offer={}))
    tomorrow = dt.datetime.now(bookings.config.timezone).date() + dt.timedelta(days=1)
    assert wish["booking_slot"] is None
    assert (wish["booking_day"], wish["booking_part"]) == (tomorrow.isoformat(), "morning")
    events, texts, _ = run(
        AskSlot(),
        tracker("x", language=language, **FILLED, booking_day=wish["booking_day"], booking_part="morning"),
    )
    offer = next((e["value"] for e in events if e.get("name") == "booking_offer"), {})
    for starts in offer.values():  # tomorrow morning, or the next free slots when tomorrow is full/closed
        assert dt.datetime.fromisoformat(starts).date() >= tomorrow
    assert texts


def test_past_and_unknown_days_get_a_notice_and_the_question_again(bookings: BookingService) -> None:
    past = validate(FORM, form_tracker("booking_slot", "1.1.2020", booking_offer={}))
    assert past == {"booking_slot": None, "booking_notice": "date_past"}
    unknown = validate(FORM, form_tracker("booking_slot", "bla bla", booking_offer={}))
    assert unknown == {"booking_slot": None, "booking_notice": "date_unknown"}
    _, texts, _ = run(AskSlot(), tracker("x", language="en", **FILLED, booking_notice="date_past"))
    assert texts[0]["text"] == MESSAGES.get("booking_date_past", "en").text
    assert texts[1]["text"] == MESSAGES.get("booking_ask_slot", "en").text


def test_name_and_phone_are_checked(bookings: BookingService) -> None:
    assert validate(FORM, form_tracker("booking_name", "  Amira   K. "))["booking_name"] == "Amira K."
    assert validate(FORM, form_tracker("booking_name", "12345"))["booking_notice"] == "name_invalid"
    phone = validate(FORM, form_tracker("booking_phone", "+49 231 123-4567"))
    assert phone["booking_phone"] == "+492311234567"
    arabic_digits = validate(FORM, form_tracker("booking_phone", "٠١٧٦ ١٢٣٤٥٦٧"))
    assert arabic_digits["booking_phone"] == "01761234567"
    assert validate(FORM, form_tracker("booking_phone", "12 34"))["booking_notice"] == "phone_invalid"
    assert validate(FORM, form_tracker("booking_phone", choice="skip"))["booking_phone"] == "skip"


def confirm_slots(offer: dict[str, str], slot_id: str) -> dict[str, object]:
    return {**FILLED, "booking_slot": slot_id, "booking_slot_time": offer[slot_id], "booking_offer": offer}


def test_yes_books_and_the_confirmation_says_when_where_and_what_to_bring(bookings: BookingService) -> None:
    offer, _ = offered(bookings)
    slot_id = next(iter(offer))
    _, summary, _ = run(AskConfirm(), tracker("x", language="de", **confirm_slots(offer, slot_id)))
    assert "Wohnen" in summary[0]["text"] and "A. K." in summary[0]["text"]
    assert payloads(summary)[0] == '/booking_choice{"choice":"yes"}'
    booked = validate(FORM, form_tracker("booking_confirm", "ja", **confirm_slots(offer, slot_id)))
    assert booked["booking_confirm"] == "yes"
    stored = bookings.active_booking("test-user")
    assert stored is not None and stored.reference == booked["booking_reference"]
    assert (stored.topic, stored.has_phone, stored.channel) == ("wohnen", False, "web")

    done = tracker("x", language="de", **{**confirm_slots(offer, slot_id), **booked})
    events, texts, meta = run(ActionBookingDone(), done)
    text = "\n".join(t["text"] for t in texts)
    assert stored.reference in text and stored.slot.starts_at.strftime("%H:%M") in text
    assert MESSAGES.get("booking_place_unknown", "de").text in text  # the address is a PLACEHOLDER
    assert MESSAGES.get("booking_bring_intro", "de").text in text and meta["route"] == "booking"
    assert {e["name"]: e["value"] for e in events}["booking_reference"] is None  # the form is cleared


def test_a_slot_taken_meanwhile_sends_the_person_back_to_fresh_slots(bookings: BookingService) -> None:
    offer, _ = offered(bookings)
    slot_id = next(iter(offer))
    bookings.book("someone-else", "web", int(slot_id), "wohnen", "de", "B.", None)
    result = validate(FORM, form_tracker("booking_confirm", choice="yes", **confirm_slots(offer, slot_id)))
    assert result == {"booking_confirm": None, "booking_slot": None, "booking_notice": "slot_taken"}
    events, texts, _ = run(AskSlot(), tracker("x", language="de", **FILLED, booking_notice="slot_taken"))
    assert texts[0]["text"] == MESSAGES.get("booking_slot_taken", "de").text
    fresh = next(e["value"] for e in events if e.get("name") == "booking_offer")
    assert slot_id not in fresh and len(fresh) == 3
    assert bookings.active_booking("test-user") is None


def test_too_many_bookings_ends_the_form_with_a_reason(bookings: BookingService) -> None:
    for slot in bookings.free_slots("de", limit=MAX_ACTIVE_PER_PERSON + 1)[:MAX_ACTIVE_PER_PERSON]:
        bookings.book("test-user", "web", slot.id, "wohnen", "de", "A.", None)
    offer, _ = offered(bookings)
    slot_id = next(iter(offer))
    result = validate(FORM, form_tracker("booking_confirm", choice="yes", **confirm_slots(offer, slot_id)))
    assert result["requested_slot"] is None and result["booking_notice"] == "too_many"
    _, texts, _ = run(ActionBookingDone(), tracker("x", language="en", booking_notice="too_many"))
    assert texts[0]["text"] == MESSAGES.get("booking_too_many", "en").text


def test_a_database_that_is_down_keeps_the_form_where_it_was(
    bookings: BookingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    offer, _ = offered(bookings)
    slot_id = next(iter(offer))
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:9/nothing")  # nothing listens there
    appointments._service.cache_clear()
    _, texts, meta = run(AskSlot(), tracker("x", language="uk", **FILLED))
    assert texts[0]["text"] == MESSAGES.get("booking_storage_down", "uk").text
    assert payloads(texts)[0] == '/booking_choice{"choice":"retry"}' and meta["route"] == "booking"
    result = validate(FORM, form_tracker("booking_confirm", choice="yes", **confirm_slots(offer, slot_id)))
    assert result == {"booking_confirm": None, "booking_notice": "storage_down"}  # the slot stays chosen
    appointments.booking_service().close()


def test_stop_ends_the_form_where_it_is_and_nothing_is_booked(bookings: BookingService) -> None:
    button = form_tracker("booking_name", "/stop_booking", intent="stop_booking", **FILLED)
    stopped = validate(FORM, button)
    assert stopped == {"booking_name": None, "booking_notice": "stopped", "requested_slot": None}
    typed = form_tracker("booking_topic", "abbrechen", intent="stop_booking")
    typed.latest_message["intent"]["confidence"] = 0.96
    assert validate(FORM, typed)["requested_slot"] is None
    unsure = form_tracker("booking_name", "Hörde", intent="stop_booking")  # a name the model took for "stop"
    unsure.latest_message["intent"]["confidence"] = 0.67
    assert validate(FORM, unsure) == {"booking_name": "Hörde", "booking_notice": None}
    events, texts, _ = run(ActionBookingDone(), tracker("x", language="de", booking_notice="stopped"))
    assert texts[0]["text"] == MESSAGES.get("booking_stopped", "de").text
    assert {e["name"]: e["value"] for e in events}["booking_topic"] is None
    assert bookings.active_booking("test-user") is None
    _, outside, _ = run(ActionBookingStop(), tracker("stop_booking", language="de"))
    assert outside[0]["text"] == MESSAGES.get("booking_nothing_to_stop", "de").text


# --- managing a booking (actions/booking_manage.py) ---


def book_one(service: BookingService, sender: str = "test-user") -> str:
    slot = service.free_slots("uk")[0]
    return service.book(sender, "web", slot.id, "wohnen", "uk", "O. P.", "+380501234567").reference


def test_my_appointment_shows_it_or_offers_a_booking(bookings: BookingService) -> None:
    _, none, meta = run(ActionBookingShow(), tracker("my_appointment", language="uk"))
    assert none[0]["text"] == MESSAGES.get("booking_none", "uk").text and meta["route"] == "booking"
    reference = book_one(bookings)
    _, shown, _ = run(ActionBookingShow(), tracker("my_appointment", language="uk"))
    assert reference in shown[0]["text"]
    assert payloads(shown)[:2] == ["/reschedule_appointment", "/cancel_appointment"]


def test_cancel_asks_first_then_cancels_and_a_second_cancel_says_so(bookings: BookingService) -> None:
    reference = book_one(bookings)
    _, asked, _ = run(ActionBookingCancel(), tracker("cancel_appointment", language="uk"))
    yes = f'/cancel_appointment{{"choice":"ref-{reference}"}}'
    assert reference in asked[0]["text"] and payloads(asked)[0] == yes
    assert bookings.active_booking("test-user") is not None  # nothing cancelled by asking
    pressed = tracker(
        "cancel_appointment", language="uk", entities=[{"entity": "choice", "value": f"ref-{reference}"}]
    )
    _, cancelled, _ = run(ActionBookingCancel(), pressed)
    assert reference in cancelled[0]["text"] and bookings.active_booking("test-user") is None
    _, again, _ = run(ActionBookingCancel(), pressed)
    assert again[0]["text"] == MESSAGES.get("booking_already_cancelled", "uk").text


def test_another_persons_reference_is_not_found(bookings: BookingService) -> None:
    theirs = book_one(bookings, sender="someone-else")
    typed = tracker("cancel_appointment", language="de", text=f"bitte {theirs} absagen")
    _, texts, _ = run(ActionBookingCancel(), typed)
    assert texts[0]["text"] == MESSAGES.get("booking_no_such", "de").text
    assert bookings.active_booking("someone-else") is not None


def test_reschedule_offers_slots_and_moves_the_booking(bookings: BookingService) -> None:
    old = book_one(bookings)
    _, offer, _ = run(ActionBookingReschedule(), tracker("reschedule_appointment", language="uk"))
    slot_payload = payloads(offer)[0]
    assert slot_payload.startswith('/reschedule_appointment{"choice":"slot-')
    assert '"choice":"after-' in payloads(offer)[3]
    slot = slot_payload.split('"choice":"')[1].rstrip('"}')
    pick = tracker("reschedule_appointment", language="uk", entities=[{"entity": "choice", "value": slot}])
    _, moved, _ = run(ActionBookingReschedule(), pick)
    new = bookings.active_booking("test-user")
    assert new is not None and new.reference != old and new.reference in moved[0]["text"]
    assert new.slot.id == int(slot.removeprefix("slot-")) and new.language == "uk"
    taken = payloads(offer)[1].split('"choice":"')[1].rstrip('"}')
    bookings.book("someone-else", "web", int(taken.removeprefix("slot-")), "asyl", "uk", "C.", None)
    late = tracker("reschedule_appointment", language="uk", entities=[{"entity": "choice", "value": taken}])
    _, again, _ = run(ActionBookingReschedule(), late)  # someone else was faster
    assert again[0]["text"] == MESSAGES.get("booking_slot_taken", "uk").text
    assert taken not in "".join(payloads(again)) and bookings.active_booking("test-user") == new
