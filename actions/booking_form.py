"""``validate_booking_form``: check each answer of the booking form, and book when the person confirms.

Every answer arrives as a button value (entity ``choice``) or as typed text (``from_text``). A value that
does not fit is set back to None with a ``booking_notice`` that the next ``action_ask_*`` says first, so
all texts stay in the ask actions. The booking itself happens on "yes": a slot taken meanwhile sends the
person back to the slot step with fresh slots, a database that is down keeps the form where it was.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.appointments import (
    OTHER_LANGUAGE,
    SKIP,
    as_datetime,
    booking_service,
    form_starts,
    latest_choice,
    now_local,
    reset_events,
    sender_and_channel,
    wants_stop,
)
from actions.replies import answer_language, catalogue
from booking.dates import parse_choice_time, parse_date_wish
from booking.errors import BookingError, SlotInPast, SlotTaken, StorageDown, TooManyBookings
from nlu.languages import LANGUAGES, normalise

logger = logging.getLogger(__name__)

Result = dict[str, Any]
PHONE_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
PHONE_SEPARATORS = re.compile(r"[\s\-/().]")
PHONE = re.compile(r"^\+?\d{6,20}$")


def _typed(value: Any) -> str:
    """Typed text as it may be stored: stripped; a payload of some other button is no answer."""
    text = str(value or "").strip()
    return "" if text.startswith("/") else text


def _language_code(text: str) -> str:
    folded = text.casefold().strip()
    code = normalise(folded)
    if code:
        return code
    for lang in LANGUAGES:
        if folded in (lang.native_name.casefold(), lang.english_name.casefold()):
            return lang.code
    return OTHER_LANGUAGE


def _is_yes(text: str, language: str) -> bool:
    messages = catalogue()[1]
    words: set[str] = set()
    for lang in (language, "de", "en"):
        if messages.has("booking_yes_words", lang):
            words |= {w.strip().casefold() for w in messages.get("booking_yes_words", lang).text.split(",")}
    return text.casefold().strip(" .!") in words


class ValidateBookingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_booking_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if form_starts(tracker):
            # The form starts: forget a booking left half-way (slots carry over between sessions).
            kim = next(tracker.get_latest_entity_values("kim"), None)
            return [*reset_events(), SlotSet("booking_kim", bool(kim))]
        if wants_stop(tracker):  # ends the form; action_booking_done says "stopped"
            asked = str(tracker.get_slot(REQUESTED_SLOT))
            return [SlotSet(asked, None), SlotSet("booking_notice", "stopped"), SlotSet(REQUESTED_SLOT, None)]
        return list(await super().run(dispatcher, tracker, domain))

    def validate_booking_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Result:
        picked = latest_choice(tracker)
        if picked:
            topic = picked.removeprefix("topic-")
            ok = picked.startswith("topic-") and topic in catalogue()[0].topics
            return {"booking_topic": topic if ok else None, "booking_notice": None if ok else "topic_invalid"}
        text = _typed(value)
        if not text or len(text) > 60:
            return {"booking_topic": None, "booking_notice": "topic_invalid"}
        return {"booking_topic": text, "booking_notice": None}

    def validate_booking_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Result:
        picked = latest_choice(tracker)
        if picked:
            ok = picked.startswith("lang-")
            return {"booking_language": picked.removeprefix("lang-")[:8] if ok else None}
        text = _typed(value)
        return {"booking_language": _language_code(text) if text else None}

    def validate_booking_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Result:
        offer: dict[str, str] = tracker.get_slot("booking_offer") or {}
        picked = latest_choice(tracker)
        retry: Result = {"booking_slot": None}
        if picked == "later":
            last = max(offer.values(), default=None)
            return {**retry, "booking_after": last, "booking_day": None, "booking_part": None}
        if picked:
            slot_id = picked.removeprefix("slot-")
            if picked.startswith("slot-") and slot_id in offer:
                return {"booking_slot": slot_id, "booking_slot_time": offer[slot_id], "booking_notice": None}
            return retry  # "retry", or a button from an older message: offer fresh slots
        return self._typed_slot(_typed(value), offer, tracker)

    def _typed_slot(self, text: str, offer: dict[str, str], tracker: Tracker) -> Result:
        """A day wish ("morgen vormittag", "غدا صباحا"), maybe with a time ("Montag 10:30")."""
        today = now_local().date()
        wish = parse_date_wish(text, answer_language(tracker), today)
        clock = parse_choice_time(text)
        if wish.error == "past":
            return {"booking_slot": None, "booking_notice": "date_past"}
        if clock is not None:
            candidates = dict(offer)
            if wish.day is not None:
                try:
                    slots = booking_service().free_slots(self._language(tracker), day=wish.day, limit=50)
                except StorageDown:
                    return {"booking_slot": None, "booking_notice": "storage_down"}
                candidates = {str(s.id): s.starts_at.isoformat() for s in slots}
            for slot_id, starts in candidates.items():
                at = as_datetime(starts)
                if at and at.time() == clock and (wish.day is None or at.date() == wish.day):
                    return {"booking_slot": slot_id, "booking_slot_time": starts, "booking_notice": None}
        if wish.day is None and wish.part == "any":
            return {"booking_slot": None, "booking_notice": "date_unknown"}
        day = wish.day.isoformat() if wish.day else None
        return {"booking_slot": None, "booking_day": day, "booking_part": wish.part, "booking_after": None}

    @staticmethod
    def _language(tracker: Tracker) -> str:
        chosen = tracker.get_slot("booking_language")
        return chosen if chosen and chosen != OTHER_LANGUAGE else answer_language(tracker)

    def validate_booking_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Result:
        text = " ".join(_typed(value).split())
        ok = 0 < len(text) <= 60 and any(c.isalpha() for c in text)
        return {"booking_name": text if ok else None, "booking_notice": None if ok else "name_invalid"}

    def validate_booking_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Result:
        if latest_choice(tracker) == SKIP:
            return {"booking_phone": SKIP, "booking_notice": None}
        number = PHONE_SEPARATORS.sub("", _typed(value).translate(PHONE_DIGITS))
        if PHONE.match(number):
            return {"booking_phone": number, "booking_notice": None}
        return {"booking_phone": None, "booking_notice": "phone_invalid"}

    def validate_booking_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Result:
        picked = latest_choice(tracker)
        if picked == "change":
            return {"booking_confirm": None, "booking_slot": None, "booking_after": None, "booking_day": None}
        if picked != "yes" and not (picked is None and _is_yes(_typed(value), answer_language(tracker))):
            return {"booking_confirm": None, "booking_notice": "confirm_unclear"}
        return self._book(tracker)

    def _book(self, tracker: Tracker) -> Result:
        sender, channel = sender_and_channel(tracker)
        phone = tracker.get_slot("booking_phone")
        try:
            booking = booking_service().book(
                sender,
                channel,
                int(tracker.get_slot("booking_slot")),
                topic=str(tracker.get_slot("booking_topic"))[:64],
                language=str(tracker.get_slot("booking_language") or OTHER_LANGUAGE),
                name=str(tracker.get_slot("booking_name"))[:64],
                phone=None if phone in (None, SKIP) else str(phone),
                kim=bool(tracker.get_slot("booking_kim")),
            )
        except (SlotTaken, SlotInPast, ValueError, TypeError):
            return {"booking_confirm": None, "booking_slot": None, "booking_notice": "slot_taken"}
        except TooManyBookings:
            # Nothing more to ask: the form ends and action_booking_done says why.
            return {"booking_confirm": None, "booking_notice": "too_many", REQUESTED_SLOT: None}
        except BookingError as exc:
            logger.warning("booking failed: %s", type(exc).__name__)
            return {"booking_confirm": None, "booking_notice": "storage_down"}
        logger.info("booked a slot (kim=%s)", booking.kim)
        return {
            "booking_confirm": "yes",
            "booking_reference": booking.reference,
            "booking_slot_time": booking.slot.starts_at.isoformat(),
            "booking_notice": None,
        }
