"""``/delete`` and the retention purge take the person's bookings too (the gateway's Database)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from booking.models import Booking, Slot
from booking.service import BookingService
from bot.storage import Conversation, Database
from tests.booking.conftest import NOW


async def _count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_delete_removes_only_that_persons_bookings(service: BookingService, booking_db: str) -> None:
    first, second = service.free_slots("ar", limit=2, now=NOW)
    service.book("p1", "web", first.id, "wohnen", "ar", "A", "0231 1", now=NOW)
    service.book("p2", "web", second.id, "wohnen", "ar", "B", None, now=NOW)
    db = Database(booking_db)
    async with db.sessions.begin() as session:
        session.add(Conversation(channel="web", user_pseudonym="p1"))
    await db.delete_user("web", "p1")
    assert [b.name for b in service.bookings_on(None, now=NOW)] == ["B"]
    await db.close()


async def test_purge_removes_old_bookings_and_those_of_purged_people(
    service: BookingService, booking_db: str
) -> None:
    first, second = service.free_slots("ar", limit=2, now=NOW)
    service.book("p-old", "web", first.id, "wohnen", "ar", "A", None, now=NOW)
    service.book("p-kept", "web", second.id, "wohnen", "ar", "B", None, now=NOW)
    db = Database(booking_db)
    async with db.sessions.begin() as session:
        session.add(Conversation(channel="web", user_pseudonym="p-kept", updated_at=NOW))
    # A year later: every appointment is long past, the conversations idle.
    await db.purge_expired(180, now=NOW + dt.timedelta(days=365))
    assert await _count(db, Booking) == 0
    assert await _count(db, Conversation) == 0
    assert await _count(db, Slot) == 0  # past slots with no booking left go too
    await db.close()


async def test_purge_keeps_recent_bookings(service: BookingService, booking_db: str) -> None:
    slot = service.free_slots("ar", now=NOW)[0]
    service.book("p1", "web", slot.id, "wohnen", "ar", "A", None, now=NOW)
    db = Database(booking_db)
    await db.purge_expired(180, now=NOW + dt.timedelta(days=30))
    assert await _count(db, Booking) == 1
    await db.close()
