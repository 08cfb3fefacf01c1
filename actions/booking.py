"""The booking form's questions (``action_ask_<slot>``), its confirmation and its way out.

The form itself (``booking_form`` in domain.yml) asks topic → language → slot → name → phone → confirm;
``actions/booking_form.py`` checks each answer and books. Each question first says the notice the
validation left (``booking_<notice>`` in messages.yml) and always offers a "stop" button, which the
validation turns into the end of the form (``booking_notice`` "stopped").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import (
    OTHER_LANGUAGE,
    SKIP,
    as_datetime,
    booking_service,
    choice,
    day_text,
    place,
    reset_events,
    slot_buttons,
    stop_button,
    what_to_bring,
    when,
)
from actions.replies import Reply, button, catalogue
from booking.errors import StorageDown
from booking.views import SlotView
from nlu.languages import BY_CODE, FALLBACK_LANGUAGES

OFFERED = 3


class AskAction(Action):
    """Say the pending notice, then the question of one slot."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="booking")
        notice = tracker.get_slot("booking_notice")
        if notice:
            reply.say_key(f"booking_{notice}")
            reply.events.append(SlotSet("booking_notice", None))
        self.ask(reply, tracker)
        return reply.send(dispatcher)

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        raise NotImplementedError


class AskTopic(AskAction):
    slot = "booking_topic"

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        topics = [button(reply.label(f"topic_{t}"), choice(f"topic-{t}")) for t in catalogue()[0].topics]
        reply.say_key("booking_ask_topic", [*topics, stop_button(reply)])


class AskLanguage(AskAction):
    slot = "booking_language"

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        codes = list(dict.fromkeys([reply.language, *FALLBACK_LANGUAGES]))
        buttons = [button(BY_CODE[c].native_name, choice(f"lang-{c}")) for c in codes if c in BY_CODE]
        buttons.append(button(reply.label("btn_other_language"), choice(f"lang-{OTHER_LANGUAGE}")))
        reply.say_key("booking_ask_language", [*buttons, stop_button(reply)])


def _in_part(slot: SlotView, part: str) -> bool:
    return part == "any" or (slot.starts_at.hour < 12) == (part == "morning")


class AskSlot(AskAction):
    slot = "booking_slot"

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        chosen = tracker.get_slot("booking_language")
        language = chosen if chosen and chosen != OTHER_LANGUAGE else reply.language
        try:
            intro, slots = self._free(reply, tracker, language)
        except StorageDown:
            retry = button(reply.label("btn_retry"), choice("retry"))
            reply.say_key("booking_storage_down", [retry, stop_button(reply)])
            return
        if not slots:
            reply.say_key("booking_no_slots", [stop_button(reply)])
            return
        later = button(reply.label("btn_later"), choice("later"))
        reply.say(intro, [*slot_buttons(reply, slots), later, stop_button(reply)])
        offer = {str(s.id): s.starts_at.isoformat() for s in slots}
        reply.events.append(SlotSet("booking_offer", offer))

    def _free(self, reply: Reply, tracker: Tracker, language: str) -> tuple[str, list[SlotView]]:
        service = booking_service()
        part = tracker.get_slot("booking_part") or "any"
        wanted = OFFERED if part == "any" else 50
        day = _date(tracker.get_slot("booking_day"))
        if day is not None:
            slots = [s for s in service.free_slots(language, day=day, limit=50) if _in_part(s, part)]
            if slots:
                return reply.text("booking_slots_on_day", date=day_text(reply, day)).text, slots[:OFFERED]
            end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=service.config.timezone)
            later = service.free_slots(language, after=end, limit=OFFERED)
            return reply.text("booking_none_that_day", date=day_text(reply, day)).text, later
        after = as_datetime(tracker.get_slot("booking_after"))
        slots = [s for s in service.free_slots(language, after=after, limit=wanted) if _in_part(s, part)]
        return reply.text("booking_ask_slot").text, slots[:OFFERED]


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class AskName(AskAction):
    slot = "booking_name"

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        reply.say_key("booking_ask_name", [stop_button(reply)])


class AskPhone(AskAction):
    slot = "booking_phone"

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        skip = button(reply.label("btn_skip"), choice(SKIP))
        reply.say_key("booking_ask_phone", [skip, stop_button(reply)])


def topic_text(reply: Reply, topic: str | None) -> str:
    if topic and topic in catalogue()[0].topics:
        return reply.label(f"topic_{topic}")
    return topic or ""


def language_text(reply: Reply, code: str | None) -> str:
    if code in BY_CODE:
        return BY_CODE[str(code)].native_name
    return reply.text("booking_language_other").text


class AskConfirm(AskAction):
    slot = "booking_confirm"

    def ask(self, reply: Reply, tracker: Tracker) -> None:
        starts = as_datetime(tracker.get_slot("booking_slot_time"))
        phone = tracker.get_slot("booking_phone")
        summary = reply.text(
            "booking_summary",
            topic=topic_text(reply, tracker.get_slot("booking_topic")),
            needed_language=language_text(reply, tracker.get_slot("booking_language")),
            name=tracker.get_slot("booking_name") or "",
            phone=phone if phone and phone != SKIP else reply.text("booking_phone_none").text,
            **(when(reply, starts) if starts else {"date": "?", "time": "?"}),
        ).text
        if tracker.get_slot("booking_kim"):
            summary = f"{reply.text('booking_kim_marker').text}\n{summary}"
        buttons = [
            button(reply.label("btn_confirm_booking"), choice("yes")),
            button(reply.label("btn_other_time"), choice("change")),
            stop_button(reply),
        ]
        reply.say(summary, buttons)


class ActionBookingDone(Action):
    """After the form: the confirmation (date, time, place, what to bring, how to cancel, reference)."""

    def name(self) -> str:
        return "action_booking_done"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="booking")
        reference = tracker.get_slot("booking_reference")
        starts = as_datetime(tracker.get_slot("booking_slot_time"))
        buttons = [
            button(reply.label("btn_my_appointment"), "/my_appointment"),
            button(reply.label("btn_menu"), "/help"),
        ]
        if reference and starts:
            details = {"reference": reference, "place": place(reply), **when(reply, starts)}
            reply.say(reply.text("booking_confirmed", **details).text)
            bring = what_to_bring(reply)
            if bring:
                reply.say(bring)
            reply.bubbles[-1]["buttons"] = buttons
        else:
            reply.say_key(f"booking_{tracker.get_slot('booking_notice') or 'stopped'}", buttons)
        reply.events.extend(reset_events())
        return reply.send(dispatcher)


class ActionBookingStop(Action):
    """ "Stop" (or a form's button) when no form runs; inside a form its validation ends the form."""

    def name(self) -> str:
        return "action_booking_stop"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="booking")
        reply.say_key("booking_nothing_to_stop", [button(reply.label("btn_menu"), "/help")])
        reply.events.extend(reset_events())
        reply.events.extend([SlotSet("referral_candidates", None), SlotSet("referral_notice", None)])
        return reply.send(dispatcher)
