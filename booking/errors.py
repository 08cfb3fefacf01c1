"""What can go wrong when booking; each error's ``code`` names the reply (``booking_<code>`` texts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from booking.views import SlotView


class BookingError(Exception):
    """Base class; ``code`` says which reply the person gets."""

    code = "error"


class SlotTaken(BookingError):
    """Someone else booked the slot meanwhile (or it no longer exists); ``alternatives`` are free."""

    code = "slot_taken"

    def __init__(self, alternatives: list[SlotView]) -> None:
        super().__init__(f"slot taken; {len(alternatives)} alternative(s)")
        self.alternatives = alternatives


class SlotInPast(BookingError):
    """The slot has begun, or starts sooner than ``min_notice_hours``."""

    code = "slot_past"

    def __init__(self, slot: SlotView | None = None) -> None:
        super().__init__("slot in the past or too soon")
        self.slot = slot


class NoSuchBooking(BookingError):
    """No (upcoming) booking of this person, or a reference that is not theirs."""

    code = "no_booking"


class AlreadyCancelled(BookingError):
    code = "already_cancelled"


class TooManyBookings(BookingError):
    """The person already has ``MAX_ACTIVE_PER_PERSON`` upcoming bookings."""

    code = "too_many"


class StorageDown(BookingError):
    """The database did not answer; nothing was changed."""

    code = "storage_down"
