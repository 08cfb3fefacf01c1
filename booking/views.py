"""What the service hands out: plain frozen views of slots and bookings, times in local (Berlin) time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from booking.config import BookingConfig
from booking.models import Booking, Slot


@dataclass(frozen=True)
class SlotView:
    id: int
    starts_at: dt.datetime  # aware, in the configured time zone (Europe/Berlin)
    ends_at: dt.datetime
    counsellor_id: str
    languages: frozenset[str]


@dataclass(frozen=True)
class BookingView:
    reference: str
    slot: SlotView
    topic: str
    language: str
    name: str
    has_phone: bool
    kim: bool
    status: str
    channel: str
    created_at: dt.datetime | None = None
    # Only for staff (``ankommen bookings``); never shown in the chat or logged.
    phone: str | None = field(default=None, repr=False)


def slot_view(slot: Slot, config: BookingConfig, languages: frozenset[str] | None = None) -> SlotView:
    stored = frozenset(x for x in slot.languages.split(",") if x)
    return SlotView(
        id=slot.id,
        starts_at=slot.starts_at.astimezone(config.timezone),
        ends_at=slot.ends_at.astimezone(config.timezone),
        counsellor_id=slot.counsellor_id,
        languages=languages if languages is not None else stored,
    )


def booking_view(booking: Booking, config: BookingConfig, with_phone: bool = False) -> BookingView:
    return BookingView(
        reference=booking.reference,
        slot=slot_view(booking.slot, config),
        topic=booking.topic,
        language=booking.language,
        name=booking.name,
        has_phone=bool(booking.phone),
        kim=booking.kim,
        status=booking.status,
        channel=booking.channel,
        created_at=booking.created_at.astimezone(config.timezone) if booking.created_at else None,
        phone=booking.phone if with_phone else None,
    )
