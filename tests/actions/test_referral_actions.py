"""Referral actions on a real BookingService and fresh SQLite (lokal willkommen, KIM, authorities)."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from sqlalchemy import select

from actions import appointments
from actions.referral import (
    ActionAskReferralDistrict,
    ActionReferAuthority,
    ActionReferKim,
    ActionReferLokalWillkommen,
    ActionReferralMenu,
    ValidateReferralForm,
)
from booking.models import Referral
from booking.service import BookingService
from knowledge.loader import load_knowledge
from knowledge.messages import load_messages
from tests.helpers.bookings import bookings, form_tracker, validate
from tests.helpers.trackers import run, tracker

__all__ = ["bookings"]  # the fixture

MESSAGES = load_messages()
KB = load_knowledge()
FORM = ValidateReferralForm()


def referrals(service: BookingService) -> list[tuple[str, str | None, str | None, str]]:
    with service.transaction() as session:
        rows = session.scalars(select(Referral).order_by(Referral.id)).all()
        return [(r.kind, r.district, r.topic, r.language) for r in rows]


def district(value: str | None = None, **kwargs: object) -> dict[str, object]:
    return validate(FORM, form_tracker("referral_district", value, **kwargs))  # type: ignore[arg-type]


def district_of(state: Tracker) -> dict[str, object]:
    return validate(FORM, state)


def test_the_menu_offers_every_kind_of_referral(bookings: BookingService) -> None:
    _, texts, meta = run(ActionReferralMenu(), tracker("referral_menu", language="tr"))
    payloads = [b["payload"] for b in texts[0]["buttons"]]
    assert payloads[:2] == ["/refer_lokal_willkommen", "/refer_kim"]
    assert '/refer_authority{"choice":"jobcenter"}' in payloads and meta["route"] == "referral"


def test_the_twelve_districts_are_buttons(bookings: BookingService) -> None:
    _, texts, _ = run(ActionAskReferralDistrict(), tracker("refer_lokal_willkommen", language="de"))
    titles = [b["title"] for b in texts[0]["buttons"]]
    assert len(titles) == 13 and "Hörde" in titles and titles[-1] == MESSAGES.get("btn_stop", "de").text
    assert texts[0]["text"] == MESSAGES.get("referral_ask_district", "de").text


def test_a_district_by_button_name_or_postcode(bookings: BookingService) -> None:
    assert district(choice="district-hoerde")["referral_district"] == "hoerde"
    assert district("Hoerde")["referral_district"] == "hoerde"
    assert district("44135")["referral_district"] == "innenstadt_west"
    assert district("PLZ ٤٤١٣٥")["referral_district"] == "innenstadt_west"  # Arabic-Indic digits


def test_a_postcode_in_two_districts_asks_which(bookings: BookingService) -> None:
    result = district("44143")
    assert result["referral_district"] is None and result["referral_notice"] == "several:44143"
    state = tracker(
        "x", language="en", referral_notice="several:44143", referral_candidates=result["referral_candidates"]
    )
    _, texts, _ = run(ActionAskReferralDistrict(), state)
    assert "44143" in texts[0]["text"]
    assert [b["title"] for b in texts[0]["buttons"]][:-1] == ["Innenstadt-Ost", "Brackel"]


def test_stop_leaves_the_form_but_a_district_taken_for_stop_does_not(bookings: BookingService) -> None:
    hoerde = form_tracker("referral_district", "Hörde", intent="stop_booking")
    hoerde.latest_message["intent"]["confidence"] = 0.95
    assert district_of(hoerde)["referral_district"] == "hoerde"
    stop = form_tracker("referral_district", "/stop_booking", intent="stop_booking")
    stopped = {"referral_district": None, "referral_notice": "stopped", "requested_slot": None}
    assert district_of(stop) == stopped
    _, texts, _ = run(ActionReferLokalWillkommen(), tracker("x", language="uk", referral_notice="stopped"))
    assert texts[0]["text"] == MESSAGES.get("booking_stopped", "uk").text
    assert referrals(bookings) == []


def test_an_unknown_postcode_or_name_asks_with_all_districts(bookings: BookingService) -> None:
    assert district("12345")["referral_notice"] == "unknown"
    assert district("Berlin Mitte")["referral_notice"] == "unknown"
    _, texts, _ = run(ActionAskReferralDistrict(), tracker("x", language="ar", referral_notice="unknown"))
    assert texts[0]["text"] == MESSAGES.get("referral_district_unknown", "ar").text
    assert len(texts[0]["buttons"]) == 13


def test_the_office_is_named_without_invented_contact_details(bookings: BookingService) -> None:
    _, texts, meta = run(ActionReferLokalWillkommen(), tracker("x", language="de", referral_district="eving"))
    assert "lokal willkommen Eving/Scharnhorst" in texts[0]["text"]
    assert MESSAGES.get("referral_contact_unknown", "de").text in texts[0]["text"]  # address is PLACEHOLDER
    assert meta["route"] == "referral"
    _, unknown, _ = run(ActionReferLokalWillkommen(), tracker("x", language="de", referral_district="hoerde"))
    assert MESSAGES.get("referral_office_unknown", "de", district="Hörde").text in unknown[0]["text"]
    assert referrals(bookings) == [
        ("lokal_willkommen", "eving", None, "de"),
        ("lokal_willkommen", "hoerde", None, "de"),
    ]


def test_kim_is_explained_from_the_knowledge_entry_and_a_kim_booking_offered(
    bookings: BookingService,
) -> None:
    _, texts, meta = run(ActionReferKim(), tracker("refer_kim", language="en"))
    entry = KB.get("beratung_kim")
    assert entry is not None
    text = entry.text("en")
    assert text is not None and texts[0]["text"].startswith(text.title)
    assert texts[1]["buttons"][0]["payload"] == '/book_appointment{"kim":"yes"}'
    assert (meta["route"], meta["entry"]) == ("referral", "beratung_kim")
    assert referrals(bookings) == [("kim", None, None, "en")]


def test_an_authority_reuses_its_reviewed_entry(bookings: BookingService) -> None:
    state = tracker("refer_authority", language="de", entities=[{"entity": "choice", "value": "jobcenter"}])
    _, texts, meta = run(ActionReferAuthority(), state)
    assert meta["entry"] == "jobcenter_erste_schritte" and meta["route"] == "referral"
    assert texts[-1]["buttons"][0]["payload"] == "/book_appointment"
    state = tracker(
        "refer_authority", language="de", entities=[{"entity": "choice", "value": "buergerdienste"}]
    )
    assert run(ActionReferAuthority(), state)[2]["entry"] == "alltag_anmeldung"
    assert [r[0] for r in referrals(bookings)] == ["jobcenter", "buergerdienste"]
    _, menu, _ = run(ActionReferAuthority(), tracker("refer_authority", language="de"))
    assert menu[0]["text"] == MESSAGES.get("referral_menu", "de").text


def test_referrals_are_answered_even_when_they_cannot_be_counted(
    bookings: BookingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:9/nothing")
    appointments._service.cache_clear()
    _, texts, _ = run(ActionReferKim(), tracker("refer_kim", language="de"))
    assert texts and texts[-1]["buttons"][0]["payload"] == '/book_appointment{"kim":"yes"}'
    appointments.booking_service().close()
