"""Reminders the day before an appointment: which are due, and claiming one so it goes out once.

The gateway's background task (``bot/app.py``) asks for :func:`due_reminders` every few minutes,
:func:`claim` s each one (a conditional UPDATE: of two gateways only one wins) and then sends it through
the person's channel. A reminder whose sending fails is logged and not retried: better one missed
reminder than a person messaged again and again. People who book after the reminder time of the day
before get no reminder (their confirmation is fresh).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from booking.config import BookingConfig
from booking.models import ACTIVE, Booking, Slot, utcnow
from booking.service import BookingService
from bot.channels import Channel
from bot.messages import BotMessage, BotReply, ReplyMeta
from bot.settings import Settings
from bot.storage import Conversation, Database, StoredMessage
from knowledge.messages import Messages

logger = logging.getLogger(__name__)

TEMPLATE_ENV = "WHATSAPP_REMINDER_TEMPLATE"
MESSAGE_KEY = "booking_reminder"


@dataclass(frozen=True)
class DueReminder:
    booking_id: int
    reference: str
    sender_id: str  # the conversation pseudonym
    channel: str
    starts_at: dt.datetime  # local time
    language: str  # the language needed at the appointment (the chat language is the conversation's)


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved WhatsApp message template for reminders outside the 24-hour window."""

    name: str
    language: str


def reminder_at(config: BookingConfig, starts_at: dt.datetime) -> dt.datetime:
    """When the reminder for an appointment is due: ``reminder_time`` (local) on the day before."""
    day_before = starts_at.astimezone(config.timezone).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day_before, config.reminder_time, tzinfo=config.timezone)


def due_reminders(service: BookingService, now: dt.datetime | None = None) -> list[DueReminder]:
    """Active bookings whose reminder time has come, not yet sent, for appointments still ahead."""
    now = now or utcnow()
    with service.transaction() as session:
        rows = session.scalars(
            select(Booking)
            .join(Slot)
            .where(
                Booking.status == ACTIVE,
                Booking.reminder_sent_at.is_(None),
                Slot.starts_at > now,
                Slot.starts_at < now + dt.timedelta(days=2),
            )
            .order_by(Slot.starts_at)
        ).all()
        due = []
        for booking in rows:
            moment = reminder_at(service.config, booking.slot.starts_at)
            if moment <= now and booking.created_at < moment:
                due.append(
                    DueReminder(
                        booking.id,
                        booking.reference,
                        booking.sender_id,
                        booking.channel,
                        booking.slot.starts_at.astimezone(service.config.timezone),
                        booking.language,
                    )
                )
        return due


def claim(service: BookingService, booking_id: int, now: dt.datetime | None = None) -> bool:
    """Mark the reminder as sent; False when another process (or an earlier run) already did."""
    with service.transaction() as session:
        result = session.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.reminder_sent_at.is_(None), Booking.status == ACTIVE)
            .values(reminder_sent_at=now or utcnow())
        )
        return bool(getattr(result, "rowcount", 0))


def whatsapp_template(env: dict[str, str] | None = None) -> WhatsAppTemplate | None:
    """``WHATSAPP_REMINDER_TEMPLATE=name:language`` (e.g. ``migrado_reminder:de``), or None."""
    value = (os.environ if env is None else env).get(TEMPLATE_ENV, "").strip()
    if not value:
        return None
    name, _, language = value.partition(":")
    return WhatsAppTemplate(name.strip(), language.strip() or "de")


def template_payload(template: WhatsAppTemplate, reminder: DueReminder) -> dict[str, object]:
    """The Graph API body of the template message: {{1}} date, {{2}} time, {{3}} reference."""
    values = [
        reminder.starts_at.strftime("%d.%m.%Y"),
        reminder.starts_at.strftime("%H:%M"),
        reminder.reference,
    ]
    return {
        "type": "template",
        "template": {
            "name": template.name,
            "language": {"code": template.language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}],
        },
    }


def reminder_text(messages: Messages, reminder: DueReminder, language: str | None) -> tuple[str, str]:
    """The reminder in the person's chat language: ``booking_reminder`` with {date}, {time}, {reference}."""
    localized = messages.get(
        MESSAGE_KEY,
        language,
        date=reminder.starts_at.strftime("%d.%m.%Y"),
        time=reminder.starts_at.strftime("%H:%M"),
        reference=reminder.reference,
    )
    return localized.text, localized.language


async def send_due_reminders(
    service: BookingService,
    database: Database,
    messages: Messages,
    settings: Settings,
    channels: dict[str, Channel],
    now: dt.datetime | None = None,
) -> int:
    """Send every due reminder once through the person's channel; return how many went out."""
    due = await asyncio.to_thread(due_reminders, service, now)
    sent = 0
    for reminder in due:
        if not await asyncio.to_thread(claim, service, reminder.booking_id, now):
            continue  # another gateway took it
        try:
            if await _deliver(reminder, database, messages, settings, channels):
                sent += 1
        except Exception:
            logger.exception("could not send the reminder of a %s booking; not retried", reminder.channel)
    return sent


async def _deliver(
    reminder: DueReminder,
    database: Database,
    messages: Messages,
    settings: Settings,
    channels: dict[str, Channel],
) -> bool:
    async with database.session() as session:
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.channel == reminder.channel, Conversation.user_pseudonym == reminder.sender_id
            )
        )
        if conversation is None:
            logger.warning("no %s conversation for a reminder; not sent", reminder.channel)
            return False
        text, language = reminder_text(messages, reminder, conversation.language or reminder.language)
        if reminder.channel == "web":  # the web chat fetches it from /api/chat/updates
            session.add(
                StoredMessage(
                    conversation_id=conversation.id,
                    channel=reminder.channel,
                    direction="out",
                    channel_message_id=f"reminder:{reminder.reference}",
                    status="replied",
                    route="booking",
                    text=text,
                )
            )
            await session.commit()
            return True
        sealed = conversation.address
    from bot.addresses import AddressBox

    address = AddressBox(settings.pseudonym_key).open(sealed)
    channel = channels.get(reminder.channel)
    if channel is None or not address:
        logger.warning("%s reminder not sent: channel off or no address kept", reminder.channel)
        return False
    template = whatsapp_template()
    if reminder.channel == "whatsapp" and template and settings.whatsapp_enabled:
        return await _send_template(settings, address, template_payload(template, reminder))
    reply = BotReply((BotMessage(text),), ReplyMeta(route="booking", language=language))
    await channel.deliver(address, reply)
    return True


async def _send_template(settings: Settings, address: str, payload: dict[str, Any]) -> bool:
    import aiohttp

    from bot.whatsapp_api import GraphClient

    async with aiohttp.ClientSession() as http:
        client = GraphClient(
            http,
            settings.whatsapp_api_url,
            settings.whatsapp_access_token or "",
            settings.whatsapp_phone_number_id or "",
        )
        return await client.send(address, payload)
