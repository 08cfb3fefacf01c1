"""Reminders the day before: due or not, sent once, through the web chat's updates or a pushing channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from booking.reminders import (
    claim,
    due_reminders,
    reminder_at,
    send_due_reminders,
    template_payload,
    whatsapp_template,
)
from booking.service import BookingService
from bot.addresses import AddressBox
from bot.messages import BotReply
from bot.storage import Conversation, Database, StoredMessage
from knowledge.messages import Messages
from tests.booking.conftest import NOW
from tests.bot.conftest import KEY, settings_for

UTC = dt.timezone.utc
BEFORE = NOW  # Monday 09:00 Berlin: the reminder for Tuesday is due at Monday 10:00
AFTER = NOW + dt.timedelta(hours=1, minutes=30)
MESSAGES = Messages(
    {
        "booking_reminder": {
            "de": "Erinnerung: {date} um {time} ({reference})",
            "ar": "تذكير: {date} {time} {reference}",
        }
    },
    {"de": "reviewed", "ar": "machine"},
)


class FakeChannel:
    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, BotReply]] = []

    async def deliver(self, address: str, reply: BotReply) -> None:
        self.sent.append((address, reply))


@pytest.fixture
async def database(booking_db: str) -> AsyncIterator[Database]:
    db = Database(booking_db)
    yield db
    await db.close()


async def _person(db: Database, channel: str, pseudonym: str, address: str | None = None) -> None:
    async with db.sessions.begin() as session:
        sealed = AddressBox(KEY.encode()).seal(address) if address else None
        session.add(Conversation(channel=channel, user_pseudonym=pseudonym, language="ar", address=sealed))


def test_reminder_time_is_local_on_the_day_before(service: BookingService) -> None:
    start = dt.datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # Monday 09:00 summer time
    moment = reminder_at(service.config, start)
    assert moment.isoformat() == "2027-03-28T10:00:00+02:00"  # Sunday is summer time already


def test_due_not_due_and_claimed_once(service: BookingService) -> None:
    slot = service.free_slots("ar", now=NOW)[0]  # Tuesday 09:00
    booking = service.book("p1", "web", slot.id, "wohnen", "ar", "A", None, now=NOW)
    assert due_reminders(service, BEFORE) == []
    (due,) = due_reminders(service, AFTER)
    assert (due.reference, due.sender_id, due.channel) == (booking.reference, "p1", "web")
    assert claim(service, due.booking_id, AFTER) is True
    assert claim(service, due.booking_id, AFTER) is False  # a second gateway gets nothing
    assert due_reminders(service, AFTER) == []
    assert due_reminders(service, slot.starts_at + dt.timedelta(minutes=1)) == []


def test_no_reminder_for_cancelled_late_or_past_bookings(service: BookingService) -> None:
    first, second = service.free_slots("ar", limit=2, now=NOW)
    service.book("p1", "web", first.id, "wohnen", "ar", "A", None, now=NOW)
    service.cancel("p1", now=NOW)
    late = NOW + dt.timedelta(hours=3)  # booked after Monday 10:00 for Tuesday
    service.book("p2", "web", second.id, "wohnen", "ar", "B", None, now=late)
    assert due_reminders(service, late + dt.timedelta(minutes=5)) == []


async def test_web_chat_reminder_is_stored_for_the_updates_endpoint(
    service: BookingService, database: Database, booking_db: str
) -> None:
    await _person(database, "web", "p1")
    slot = service.free_slots("ar", now=NOW)[0]
    booking = service.book("p1", "web", slot.id, "wohnen", "ar", "A", None, now=NOW)
    settings = settings_for(booking_db, "http://127.0.0.1:9")
    assert await send_due_reminders(service, database, MESSAGES, settings, {}, now=BEFORE) == 0
    assert await send_due_reminders(service, database, MESSAGES, settings, {}, now=AFTER) == 1
    assert await send_due_reminders(service, database, MESSAGES, settings, {}, now=AFTER) == 0
    async with database.session() as session:
        texts = (
            await session.scalars(select(StoredMessage.text).where(StoredMessage.direction == "out"))
        ).all()
    assert texts == [f"تذكير: 23.03.2027 09:00 {booking.reference}"]  # in the chat language


async def test_telegram_reminder_goes_to_the_decrypted_address(
    service: BookingService, database: Database, booking_db: str
) -> None:
    await _person(database, "telegram", "p1", address="4711")
    slot = service.free_slots("ar", now=NOW)[0]
    service.book("p1", "telegram", slot.id, "wohnen", "ar", "A", None, now=NOW)
    channel = FakeChannel()
    settings = settings_for(booking_db, "http://127.0.0.1:9")
    assert (
        await send_due_reminders(service, database, MESSAGES, settings, {"telegram": channel}, now=AFTER) == 1
    )
    ((address, reply),) = channel.sent
    assert address == "4711"
    assert reply.meta.route == "booking" and "09:00" in reply.messages[0].text


async def test_a_failed_send_is_logged_and_not_retried(
    service: BookingService, database: Database, booking_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(FakeChannel):
        async def deliver(self, address: str, reply: BotReply) -> None:
            raise OSError("network down")

    await _person(database, "telegram", "p1", address="4711")
    slot = service.free_slots("ar", now=NOW)[0]
    service.book("p1", "telegram", slot.id, "wohnen", "ar", "A", None, now=NOW)
    settings = settings_for(booking_db, "http://127.0.0.1:9")
    channels = {"telegram": Broken()}
    assert await send_due_reminders(service, database, MESSAGES, settings, channels, now=AFTER) == 0  # type: ignore[arg-type]
    assert "not retried" in caplog.text
    assert due_reminders(service, AFTER) == []


def test_whatsapp_template_setting() -> None:
    assert whatsapp_template({}) is None
    template = whatsapp_template({"WHATSAPP_REMINDER_TEMPLATE": "migrado_reminder:ar"})
    assert template is not None and (template.name, template.language) == ("migrado_reminder", "ar")
    from booking.reminders import DueReminder

    reminder = DueReminder(1, "K7Q4M9", "p", "whatsapp", dt.datetime(2027, 3, 23, 9, 0), "ar")
    payload = template_payload(template, reminder)
    parameters = payload["template"]["components"][0]["parameters"]  # type: ignore[index]
    assert [p["text"] for p in parameters] == ["23.03.2027", "09:00", "K7Q4M9"]
