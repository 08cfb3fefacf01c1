"""Referrals: lokal willkommen by district or postcode, KIM, and the other authorities.

Explanations come from the reviewed knowledge entries that ``knowledge/referrals.yml`` names for each kind,
office names from that file; nothing here states an address, phone number or opening hour. Every referral
is counted with :meth:`BookingService.record_referral` (kind, district, language, time; no person data).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.appointments import booking_service, choice, form_starts, latest_choice, stop_button, wants_stop
from actions.replies import Reply, button, catalogue
from booking.errors import BookingError
from booking.postcodes import (
    DISTRICTS,
    GENERIC_OFFICE_NAME,
    district_name,
    districts_for_postcode,
    lokal_willkommen_office,
    normalise_district,
    referral_kinds,
)

logger = logging.getLogger(__name__)

AUTHORITIES = ("buergerdienste", "auslaenderbehoerde", "jobcenter")
POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def record(kind: str, language: str, district: str | None = None) -> None:
    """Count the referral; a database that is down must not keep the person from their answer."""
    try:
        booking_service().record_referral(kind, language, district=district)
    except BookingError as exc:
        logger.warning("referral %s not recorded: %s", kind, type(exc).__name__)


def entry_text(reply: Reply, kind: str) -> None:
    """Say the knowledge entry of a referral kind (title and answer, legal note where the entry has one)."""
    entry = catalogue()[0].get(str(referral_kinds()[kind]["knowledge"]))
    if entry is None:
        return
    text = entry.text(reply.language) or entry.text("de")
    if text is None:
        return
    reply.entry, reply.topic = entry.id, entry.topic
    reply.machine = reply.machine or text.machine
    reply.say(f"{text.title}\n\n{text.answer.strip()}")
    if entry.legal:
        reply.say_key("legal_disclaimer")


def menu_button(reply: Reply) -> dict[str, str]:
    return button(reply.label("btn_menu"), "/help")


class ActionReferralMenu(Action):
    def name(self) -> str:
        return "action_referral_menu"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="referral")
        buttons = [
            button(reply.label("btn_lokal_willkommen"), "/refer_lokal_willkommen"),
            button(reply.label("btn_kim"), "/refer_kim"),
            *[button(reply.label(f"btn_{k}"), choice(k, "refer_authority")) for k in AUTHORITIES],
            button(reply.label("btn_book"), "/book_appointment"),
        ]
        reply.say_key("referral_menu", buttons)
        return reply.send(dispatcher)


class ActionReferKim(Action):
    """Explain KIM (knowledge entry) and offer a MigraDo booking marked as a KIM request."""

    def name(self) -> str:
        return "action_refer_kim"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="referral")
        entry_text(reply, "kim")
        book = button(reply.label("btn_book_kim"), '/book_appointment{"kim":"yes"}')
        reply.say_key("referral_kim_offer", [book, menu_button(reply)])
        record("kim", reply.language)
        return reply.send(dispatcher)


class ActionReferAuthority(Action):
    """Bürgerdienste, Ausländerbehörde or Jobcenter: their reviewed knowledge entry, and a booking button."""

    def name(self) -> str:
        return "action_refer_authority"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="referral")
        kind = latest_choice(tracker)
        if kind not in AUTHORITIES:
            return ActionReferralMenu().run(dispatcher, tracker, domain)
        entry_text(reply, str(kind))
        reply.bubbles[-1]["buttons"] = [
            button(reply.label("btn_book"), "/book_appointment"),
            menu_button(reply),
        ]
        record(str(kind), reply.language)
        return reply.send(dispatcher)


class ValidateReferralForm(FormValidationAction):
    """The district: a button, a district's name ("Hörde", "hoerde") or a Dortmund postcode."""

    def name(self) -> str:
        return "validate_referral_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if form_starts(tracker):  # forget an earlier answer
            return [SlotSet(s, None) for s in ("referral_district", "referral_candidates", "referral_notice")]
        text = str((tracker.latest_message or {}).get("text") or "")
        if wants_stop(tracker) and not POSTCODE.search(text) and normalise_district(text) is None:
            stop = [SlotSet("referral_notice", "stopped"), SlotSet(REQUESTED_SLOT, None)]
            return [SlotSet("referral_district", None), *stop]
        return list(await super().run(dispatcher, tracker, domain))

    def validate_referral_district(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        known = {d for d, _ in DISTRICTS}
        picked = latest_choice(tracker)
        if picked:
            district = picked.removeprefix("district-")
            ok = district in known
            return {
                "referral_district": district if ok else None,
                "referral_notice": None if ok else "unknown",
            }
        text = str(value or "").translate(ARABIC_DIGITS)
        postcode = POSTCODE.search(text)
        if postcode:
            found = districts_for_postcode(postcode.group(1))
            if len(found) == 1:
                return {"referral_district": found[0], "referral_notice": None}
            if found:
                notice = f"several:{postcode.group(1)}"
                return {"referral_district": None, "referral_candidates": found, "referral_notice": notice}
            return {"referral_district": None, "referral_candidates": None, "referral_notice": "unknown"}
        named = normalise_district(text) if not text.startswith("/") else None
        if named is None:
            return {"referral_district": None, "referral_candidates": None, "referral_notice": "unknown"}
        return {"referral_district": named, "referral_notice": None}


class ActionAskReferralDistrict(Action):
    def name(self) -> str:
        return "action_ask_referral_district"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="referral")
        notice = str(tracker.get_slot("referral_notice") or "")
        candidates = [d for d in tracker.get_slot("referral_candidates") or [] if d in dict(DISTRICTS)]
        ids = candidates if notice.startswith("several:") and candidates else [d for d, _ in DISTRICTS]
        buttons = [button(district_name(d)[:20], choice(f"district-{d}")) for d in ids]
        buttons.append(stop_button(reply))
        if notice.startswith("several:"):
            reply.say_key("referral_postcode_several", buttons, postcode=notice.removeprefix("several:"))
        elif notice == "unknown":
            reply.say_key("referral_district_unknown", buttons)
        else:
            reply.say_key("referral_ask_district", buttons)
        reply.events.append(SlotSet("referral_notice", None))
        return reply.send(dispatcher)


class ActionReferLokalWillkommen(Action):
    """After the form: the responsible office, or that it is not known here yet; never invented details."""

    def name(self) -> str:
        return "action_refer_lokal_willkommen"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="referral")
        district = str(tracker.get_slot("referral_district") or "")
        buttons = [button(reply.label("btn_book"), "/book_appointment"), menu_button(reply)]
        if district not in dict(DISTRICTS):  # the person stopped the form
            reply.say_key("booking_stopped", [menu_button(reply)])
            reply.events.extend([SlotSet("referral_notice", None), SlotSet("referral_candidates", None)])
            return reply.send(dispatcher)
        office = lokal_willkommen_office(district)
        name = district_name(district)
        texts = []
        if office.name and office.name != GENERIC_OFFICE_NAME:
            texts.append(reply.text("referral_lokal_willkommen", district=name, office=office.name).text)
        else:
            texts.append(reply.text("referral_office_unknown", district=name).text)
        contact = ", ".join(x for x in (office.address, office.phone) if x)
        if contact and not office.placeholder:
            texts.append(reply.text("referral_contact", contact=contact).text)
        else:
            texts.append(reply.text("referral_contact_unknown").text)
        reply.say("\n".join(texts), buttons)
        record("lokal_willkommen", reply.language, district=district)
        reply.events.extend([SlotSet("referral_district", None), SlotSet("referral_candidates", None)])
        return reply.send(dispatcher)
