"""The booking service on SQLite and PostgreSQL: book, show, cancel, reschedule, and the bad inputs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from booking.errors import (
    AlreadyCancelled,
    NoSuchBooking,
    SlotInPast,
    SlotTaken,
    StorageDown,
    TooManyBookings,
)
from booking.models import Referral
from booking.service import BookingService
from tests.booking.conftest import NOW, make_config


def _book(service: BookingService, sender: str, slot_id: int, **kw: object) -> object:
    args: dict[str, object] = {
        "topic": "wohnen",
        "language": "ar",
        "name": "A. B.",
        "phone": None,
        "now": NOW,
    }
    args.update(kw)
    return service.book(sender, "web", slot_id, **args)  # type: ignore[arg-type]


def test_free_slots_respect_notice_language_and_later(service: BookingService) -> None:
    first = service.free_slots("ar", now=NOW)
    assert len(first) == 3
    # 12 hours' notice from Monday 09:00: the first slot is Tuesday 09:00 Berlin time.
    assert first[0].starts_at.isoformat() == "2027-03-23T09:00:00+01:00"
    assert all(s.counsellor_id == "c1" for s in first)  # c1 speaks Arabic
    assert [s.starts_at.hour for s in first] == [9, 10, 11]
    later = service.free_slots("ar", after=first[-1].starts_at, now=NOW)
    assert later[0].starts_at > first[-1].starts_at
    ukrainian = service.free_slots("uk", now=NOW)
    assert {s.counsellor_id for s in ukrainian} == {"c2"}
    # Nobody speaks Tigrinya: every counsellor's slots are offered, one per time.
    anyone = service.free_slots("ti", limit=10, now=NOW)
    assert len({s.starts_at for s in anyone}) == len(anyone) == 10
    assert service.free_slots("ar", day=dt.date(2027, 3, 26), now=NOW) == []  # closed day
    on_thursday = service.free_slots("de", day=dt.date(2027, 3, 25), limit=5, now=NOW)
    assert {s.starts_at.date() for s in on_thursday} == {dt.date(2027, 3, 25)}


def test_book_show_cancel(service: BookingService) -> None:
    slot = service.free_slots("ar", now=NOW)[0]
    booking = service.book("p1", "web", slot.id, "wohnen", "ar", " A. B. ", "+49 231 1234567", now=NOW)
    assert booking.status == "active" and booking.has_phone and booking.name == "A. B."
    assert len(booking.reference) == 6 and booking.reference.isupper()
    assert booking.phone is None  # the phone number stays in the database
    assert service.active_booking("p1", now=NOW) == booking
    assert service.active_booking("p2", now=NOW) is None
    assert slot.id not in [s.id for s in service.free_slots("ar", limit=30, now=NOW)]
    cancelled = service.cancel("p1", now=NOW)
    assert cancelled.status == "cancelled" and cancelled.reference == booking.reference
    assert service.active_booking("p1", now=NOW) is None
    assert service.free_slots("ar", now=NOW)[0].id == slot.id  # free again


def test_a_taken_slot_offers_the_next_free_ones(service: BookingService) -> None:
    slot = service.free_slots("ar", now=NOW)[0]
    _book(service, "p1", slot.id)
    with pytest.raises(SlotTaken) as taken:
        _book(service, "p2", slot.id)
    assert taken.value.code == "slot_taken"
    assert len(taken.value.alternatives) == 3
    assert slot.id not in [s.id for s in taken.value.alternatives]
    assert service.active_booking("p2", now=NOW) is None


def test_a_past_or_too_soon_slot_is_refused(service: BookingService) -> None:
    slot = service.free_slots("ar", now=NOW)[0]  # Tuesday 09:00
    with pytest.raises(SlotInPast):
        _book(service, "p1", slot.id, now=slot.starts_at - dt.timedelta(hours=2))  # under 12 hours' notice
    with pytest.raises(SlotInPast):
        _book(service, "p1", slot.id, now=slot.starts_at + dt.timedelta(days=1))
    with pytest.raises(SlotTaken):  # an id that is no slot at all
        _book(service, "p1", 999_999)


def test_another_persons_reference_is_no_such_booking(service: BookingService) -> None:
    slot = service.free_slots("ar", now=NOW)[0]
    booking = _book(service, "p1", slot.id)
    reference = booking.reference  # type: ignore[attr-defined]
    with pytest.raises(NoSuchBooking):
        service.cancel("p2", reference, now=NOW)
    with pytest.raises(NoSuchBooking):
        service.cancel("p2", now=NOW)  # has none at all
    assert service.active_booking("p1", now=NOW) is not None  # untouched
    assert service.cancel("p1", reference.lower(), now=NOW).status == "cancelled"


def test_cancelling_twice(service: BookingService) -> None:
    slot = service.free_slots("ar", now=NOW)[0]
    reference = _book(service, "p1", slot.id).reference  # type: ignore[attr-defined]
    service.cancel("p1", reference, now=NOW)
    with pytest.raises(AlreadyCancelled) as again:
        service.cancel("p1", reference, now=NOW)
    assert again.value.code == "already_cancelled"
    with pytest.raises(AlreadyCancelled):
        service.cancel("p1", now=NOW)  # "cancel my appointment" with nothing active


def test_reschedule_is_atomic(service: BookingService) -> None:
    first, second, third = service.free_slots("ar", now=NOW)
    old = _book(service, "p1", first.id, kim=True)
    _book(service, "p2", third.id)
    moved = service.reschedule("p1", second.id, now=NOW)
    assert moved.slot.id == second.id and moved.kim and moved.status == "active"
    assert moved.reference != old.reference  # type: ignore[attr-defined]
    assert service.active_booking("p1", now=NOW) == moved
    assert first.id in [s.id for s in service.free_slots("ar", limit=30, now=NOW)]
    with pytest.raises(SlotTaken) as taken:
        service.reschedule("p1", third.id, now=NOW)  # p2 has it
    assert taken.value.alternatives
    assert service.active_booking("p1", now=NOW) == moved  # nothing changed
    with pytest.raises(NoSuchBooking):
        service.reschedule("p3", first.id, now=NOW)


def test_one_person_cannot_hoard_slots(service: BookingService) -> None:
    slots = service.free_slots("de", limit=4, now=NOW)
    for slot in slots[:3]:
        _book(service, "p1", slot.id)
    with pytest.raises(TooManyBookings):
        _book(service, "p1", slots[3].id)


def test_referrals_are_counted_without_person_data(service: BookingService) -> None:
    service.record_referral("lokal_willkommen", "ar", district="hoerde")
    service.record_referral("kim", "de", topic="wohnen")
    with pytest.raises(ValueError, match="unknown referral"):
        service.record_referral("somewhere", "de")
    with service.transaction() as session:
        rows = session.scalars(select(Referral).order_by(Referral.id)).all()
        assert [(r.kind, r.district, r.topic, r.language) for r in rows] == [
            ("lokal_willkommen", "hoerde", None, "ar"),
            ("kim", None, "wohnen", "de"),
        ]
        assert {c.name for c in Referral.__table__.columns} == {
            "id",
            "kind",
            "district",
            "topic",
            "language",
            "created_at",
        }


def test_bookings_on_a_day_and_deleting_a_person(service: BookingService) -> None:
    tuesday = service.free_slots("ar", now=NOW)[0]
    thursday = service.free_slots("uk", day=dt.date(2027, 3, 25), now=NOW)[0]
    _book(service, "p1", tuesday.id, phone="0231 123456")
    _book(service, "p2", thursday.id, language="uk")
    on_tuesday = service.bookings_on(dt.date(2027, 3, 23))
    assert [b.slot.id for b in on_tuesday] == [tuesday.id]
    assert on_tuesday[0].phone == "0231 123456"  # staff see it
    assert len(service.bookings_on(None, now=NOW)) == 2
    assert service.delete_person("p1") == 1
    assert service.delete_person("p1") == 0
    assert [b.slot.id for b in service.bookings_on(None, now=NOW)] == [thursday.id]


def test_a_database_that_is_down_raises_storage_down() -> None:
    down = BookingService("postgresql://nobody@127.0.0.1:1/none", make_config())
    with pytest.raises(StorageDown) as error:
        down.free_slots("de", now=NOW)
    assert error.value.code == "storage_down"
    with pytest.raises(StorageDown):
        down.book("p1", "web", 1, "wohnen", "de", "A", None, now=NOW)
    with pytest.raises(StorageDown):
        down.active_booking("p1")
    down.close()


def test_count_of_active_bookings_per_slot_is_at_most_one(service: BookingService) -> None:
    from booking.models import Booking

    slot = service.free_slots("ar", now=NOW)[0]
    _book(service, "p1", slot.id)
    service.cancel("p1", now=NOW)
    _book(service, "p2", slot.id)  # a cancelled booking does not block the slot
    with service.transaction() as session:
        count = session.scalar(select(func.count(Booking.id)).where(Booking.slot_id == slot.id))
    assert count == 2
