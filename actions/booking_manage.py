"""Managing a booking in the chat: see it, cancel it, move it to another slot.

The same actions serve Telegram, WhatsApp and the web chat: the person is known by the engine's sender id
(the gateway's pseudonym), so only their own bookings can be seen or changed. A reference of someone else
is answered like an unknown one.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import (
    as_datetime,
    booking_details,
    booking_service,
    choice,
    latest_choice,
    references_in,
    slot_buttons,
    when,
)
from actions.replies import Reply, button
from booking.errors import AlreadyCancelled, BookingError, NoSuchBooking, SlotInPast, SlotTaken, StorageDown
from booking.views import BookingView

logger = logging.getLogger(__name__)


def _menu(reply: Reply) -> dict[str, str]:
    return button(reply.label("btn_menu"), "/help")


def _book(reply: Reply) -> dict[str, str]:
    return button(reply.label("btn_book"), "/book_appointment")


def _manage(reply: Reply) -> list[dict[str, str]]:
    return [
        button(reply.label("btn_reschedule"), "/reschedule_appointment"),
        button(reply.label("btn_cancel_appointment"), "/cancel_appointment"),
        _menu(reply),
    ]


class ManageAction(Action):
    """Runs :meth:`handle`; a database that is down gets the storage message and a retry button."""

    action_name = ""
    retry_payload = ""

    def name(self) -> str:
        return self.action_name

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="booking")
        try:
            self.handle(reply, tracker)
        except StorageDown:
            reply.bubbles.clear()
            retry = button(reply.label("btn_retry"), self.retry_payload)
            reply.say_key("booking_storage_down", [retry, _menu(reply)])
        return reply.send(dispatcher)

    def handle(self, reply: Reply, tracker: Tracker) -> None:
        raise NotImplementedError

    @staticmethod
    def upcoming(reply: Reply, tracker: Tracker) -> BookingView | None:
        booking = booking_service().active_booking(tracker.sender_id)
        if booking is None:
            reply.say_key("booking_none", [_book(reply), _menu(reply)])
        return booking


class ActionBookingShow(ManageAction):
    action_name, retry_payload = "action_booking_show", "/my_appointment"

    def handle(self, reply: Reply, tracker: Tracker) -> None:
        booking = self.upcoming(reply, tracker)
        if booking is not None:
            reply.say(reply.text("booking_show", **booking_details(reply, booking)).text, _manage(reply))


class ActionBookingCancel(ManageAction):
    """Without a reference: show the booking and ask. With one (button or typed): cancel that booking."""

    action_name, retry_payload = "action_booking_cancel", "/cancel_appointment"

    def handle(self, reply: Reply, tracker: Tracker) -> None:
        picked = latest_choice(tracker) or ""
        if picked == "keep":
            reply.say_key("booking_kept", [button(reply.label("btn_my_appointment"), "/my_appointment")])
            return
        typed = references_in((tracker.latest_message or {}).get("text") or "")
        reference = picked.removeprefix("ref-") if picked.startswith("ref-") else next(iter(typed), None)
        if reference is None:
            booking = self.upcoming(reply, tracker)
            if booking is not None:
                reply.say(reply.text("booking_show", **booking_details(reply, booking)).text)
                yes = button(
                    reply.label("btn_yes_cancel"), choice(f"ref-{booking.reference}", "cancel_appointment")
                )
                keep = button(reply.label("btn_keep_appointment"), choice("keep", "cancel_appointment"))
                reply.say_key("booking_cancel_question", [yes, keep])
            return
        try:
            cancelled = booking_service().cancel(tracker.sender_id, reference)
        except AlreadyCancelled:
            reply.say_key("booking_already_cancelled", [_book(reply), _menu(reply)])
            return
        except NoSuchBooking:
            reply.say_key("booking_no_such", [button(reply.label("btn_my_appointment"), "/my_appointment")])
            return
        logger.info("cancelled a booking in the chat")
        details = {**when(reply, cancelled.slot.starts_at), "reference": cancelled.reference}
        reply.say(reply.text("booking_cancelled", **details).text, [_book(reply), _menu(reply)])


class ActionBookingReschedule(ManageAction):
    """Offer free slots for the next booking; a picked slot moves it (new booked, old cancelled, atomic)."""

    action_name, retry_payload = "action_booking_reschedule", "/reschedule_appointment"

    def handle(self, reply: Reply, tracker: Tracker) -> None:
        picked = latest_choice(tracker) or ""
        if picked.startswith("slot-") and picked.removeprefix("slot-").isdigit():
            try:
                moved = booking_service().reschedule(tracker.sender_id, int(picked.removeprefix("slot-")))
            except NoSuchBooking:
                reply.say_key("booking_none", [_book(reply), _menu(reply)])
                return
            except (SlotTaken, SlotInPast):
                reply.say_key("booking_slot_taken")
                self._offer(reply, tracker, None)
                return
            except BookingError as exc:
                if isinstance(exc, StorageDown):
                    raise
                reply.say_key("booking_storage_down", [_menu(reply)])
                return
            logger.info("rescheduled a booking in the chat")
            details = {**when(reply, moved.slot.starts_at), "reference": moved.reference}
            my = button(reply.label("btn_my_appointment"), "/my_appointment")
            reply.say(reply.text("booking_rescheduled", **details).text, [my, _menu(reply)])
            return
        self._offer(reply, tracker, as_datetime(picked.removeprefix("after-")) if picked else None)

    def _offer(self, reply: Reply, tracker: Tracker, after: Any) -> None:
        booking = self.upcoming(reply, tracker)
        if booking is None:
            return
        slots = booking_service().free_slots(booking.language, after=after)
        if not slots:
            reply.say_key("booking_no_slots", [_menu(reply)])
            return
        buttons = slot_buttons(reply, slots, "reschedule_appointment")
        later = choice(f"after-{slots[-1].starts_at.isoformat()}", "reschedule_appointment")
        buttons += [button(reply.label("btn_later"), later), _menu(reply)]
        reply.say(reply.text("booking_reschedule_ask", **when(reply, booking.slot.starts_at)).text, buttons)
