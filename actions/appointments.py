"""What the booking, manage and referral actions share: the booking service, dates and button payloads.

The actions reach the database through :class:`booking.service.BookingService` (sync SQLAlchemy), one per
process and database URL. Times are shown in the configured time zone (Europe/Berlin) with the day names
of ``booking_weekdays`` in messages.yml; the place comes from the configuration and is never invented.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.replies import Reply, button, catalogue
from booking.config import config_path, load_booking_config
from booking.service import BookingService, default_database_url
from booking.views import BookingView, SlotView

#: The slots the booking form fills, in order, and the ones its actions keep on the side.
FORM_SLOTS = (
    "booking_topic",
    "booking_language",
    "booking_slot",
    "booking_name",
    "booking_phone",
    "booking_confirm",
)
AUX_SLOTS = (
    "booking_after",
    "booking_day",
    "booking_part",
    "booking_offer",
    "booking_slot_time",
    "booking_notice",
    "booking_reference",
)
SKIP = "skip"
#: A typed message counts as "stop" inside a form only when the model is this sure of ``stop_booking``.
STOP_CONFIDENCE = 0.8
OTHER_LANGUAGE = "other"
#: A booking reference as people type it: six characters of booking.models.REFERENCE_ALPHABET.
REFERENCE = re.compile(r"(?<![\w])([ACDEFGHJKMNPQRTUVWXY34679]{6})(?![\w])", re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _service(database_url: str, config_file: str) -> BookingService:
    return BookingService(database_url, load_booking_config())


def booking_service() -> BookingService:
    """The service for ``DATABASE_URL`` and the booking configuration (one per process and database)."""
    return _service(default_database_url(), str(config_path()))


def now_local() -> dt.datetime:
    return dt.datetime.now(booking_service().config.timezone)


def choice(value: str, intent: str = "booking_choice") -> str:
    """A button payload that carries ``value`` in the entity ``choice`` (NLU is skipped for it)."""
    return f'/{intent}{{"choice":"{value}"}}'


def latest_choice(tracker: Tracker) -> str | None:
    return next(tracker.get_latest_entity_values("choice"), None)


def stop_button(reply: Reply) -> dict[str, str]:
    return button(reply.label("btn_stop"), "/stop_booking")


def weekday(reply: Reply, day: dt.date) -> str:
    names = [n.strip() for n in reply.label("booking_weekdays").split(",")]
    return names[day.weekday()] if len(names) == 7 else ""


def when(reply: Reply, starts: dt.datetime) -> dict[str, str]:
    """``date`` ("Mo 07.12.2026") and ``time`` ("09:30") for a message, in the configured time zone."""
    local = starts.astimezone(booking_service().config.timezone)
    return {"date": f"{weekday(reply, local.date())} {local:%d.%m.%Y}", "time": f"{local:%H:%M}"}


def day_text(reply: Reply, day: dt.date) -> str:
    return f"{weekday(reply, day)} {day:%d.%m.%Y}"


def slot_buttons(reply: Reply, slots: list[SlotView], intent: str = "booking_choice") -> list[dict[str, str]]:
    """One button per slot: "Mo 07.12. 09:30" (at most 20 characters for WhatsApp)."""
    return [
        button(
            f"{weekday(reply, s.starts_at.date())} {s.starts_at:%d.%m. %H:%M}", choice(f"slot-{s.id}", intent)
        )
        for s in slots
    ]


def place(reply: Reply) -> str:
    office = booking_service().config.office
    return office.address if office.address_known else reply.text("booking_place_unknown").text


def what_to_bring(reply: Reply) -> str | None:
    """The answer of the reviewed knowledge entry the configuration names (no new facts)."""
    entry = catalogue()[0].get(booking_service().config.office.bring_entry)
    text = entry and (entry.text(reply.language) or entry.text("de"))
    if not text:
        return None
    reply.machine = reply.machine or text.machine
    return f"{reply.text('booking_bring_intro').text}\n{text.answer.strip()}"


def booking_details(reply: Reply, booking: BookingView) -> dict[str, str]:
    return {**when(reply, booking.slot.starts_at), "place": place(reply), "reference": booking.reference}


def sender_and_channel(tracker: Tracker) -> tuple[str, str]:
    """The pseudonymous sender id and the channel the person writes on ("web", "telegram", ...)."""
    channel = tracker.get_latest_input_channel() or "web"
    return tracker.sender_id, channel[:16]


def form_starts(tracker: Tracker) -> bool:
    """True while a form validates its activation: the form became active after the latest message.

    (At activation the engine already shows the form as active, and ``requested_slot`` may be left over
    from an earlier session, so neither tells.)"""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop":
            return True
        if event.get("event") == "user":
            return False
    return True


def wants_stop(tracker: Tracker) -> bool:
    """The "stop" button, or a typed "stop"/"abbrechen" the model is sure of (a form's way out)."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    if intent.get("name") != "stop_booking":
        return False
    text = str((tracker.latest_message or {}).get("text") or "")
    return text.startswith("/") or float(intent.get("confidence") or 0.0) >= STOP_CONFIDENCE


def reset_events(slots: tuple[str, ...] = FORM_SLOTS + AUX_SLOTS) -> list[EventType]:
    events: list[EventType] = [SlotSet(name, None) for name in slots]
    return [*events, SlotSet("booking_kim", False)]


def references_in(text: str) -> list[str]:
    """Booking references in a typed text; a word counts if it has a digit or is typed in capitals."""
    return [m.upper() for m in REFERENCE.findall(text or "") if any(c.isdigit() for c in m) or m.isupper()]


def as_datetime(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
