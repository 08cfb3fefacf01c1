"""The gateway's application factory and entry point (``python -m bot``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from booking.config import load_booking_config
from booking.reminders import send_due_reminders
from booking.service import BookingService
from bot.conversation import ConversationService, Delivery
from bot.errors import error_middleware
from bot.health import setup_health
from bot.rasa_client import RasaClient
from bot.settings import Settings, load_settings
from bot.state import CHANNELS, DATABASE, RASA, SERVICE, SETTINGS
from bot.storage import Database, migrate
from bot.webchat import setup_webchat
from knowledge.messages import Messages, load_messages

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
PURGE_EVERY_SECONDS = 24 * 3600.0
REMIND_EVERY_SECONDS = 300.0
SHUTDOWN_GRACE_SECONDS = 10.0  # how long a stopping gateway waits for a background job that is running
BOOKING = web.AppKey("booking", BookingService)
MESSAGES = web.AppKey("messages", Messages)


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    revision = await asyncio.to_thread(migrate, settings.database_url)
    logger.info("database schema at revision %s", revision)
    booking_config = load_booking_config()
    for name in booking_config.placeholders():
        logger.warning("appointments: %s is still a placeholder in %s", name, booking_config.source)
    database = Database(settings.database_url)
    session = aiohttp.ClientSession()
    rasa = RasaClient(session, settings.rasa_url, settings.rasa_timeout)
    messages = load_messages()
    app[DATABASE], app[RASA], app[MESSAGES] = database, rasa, messages
    app[BOOKING] = BookingService(settings.database_url, booking_config)
    app[SERVICE] = ConversationService(
        database, rasa, messages, settings.pseudonym_key, settings.max_message_chars
    )
    yield
    await session.close()
    await database.close()
    app[BOOKING].close()


async def _every(seconds: float, job_name: str, job: object, stop: asyncio.Event) -> None:
    """Run ``job`` every ``seconds`` until ``stop`` is set; a run that has started is not interrupted."""
    while not stop.is_set():
        try:
            await job()  # type: ignore[operator]
        except Exception:
            logger.exception("background job %s failed", job_name)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


async def _stop_jobs(tasks: list[asyncio.Task[None]], stop: asyncio.Event, grace: float) -> None:
    """Let running jobs finish (up to ``grace`` seconds), then cancel what is left.

    A job's database work may run in a thread (``asyncio.to_thread``), which cancelling the task does not
    stop: the database would be closed, or a test's schema dropped, under a query still running.
    """
    stop.set()
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _background(app: web.Application) -> AsyncIterator[None]:
    """Retry messages that failed while the engine was down; send appointment reminders; purge expired
    messages (and bookings) daily."""
    settings = app[SETTINGS]

    async def retry() -> None:
        answered = await app[SERVICE].retry_failed()
        for delivery in answered:
            await deliver_late(app, delivery)
        if answered:
            logger.info("answered %d message(s) that had failed", len(answered))

    async def purge() -> None:
        purged = await app[DATABASE].purge_expired(settings.retention_days)
        if purged:
            logger.info("purged %d message(s) older than %d days", purged, settings.retention_days)

    async def remind() -> None:
        sent = await send_due_reminders(app[BOOKING], app[DATABASE], app[MESSAGES], settings, app[CHANNELS])
        if sent:
            logger.info("sent %d appointment reminder(s)", sent)

    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(_every(settings.retry_seconds, "retry", retry, stop)),
        asyncio.create_task(_every(PURGE_EVERY_SECONDS, "purge", purge, stop)),
        asyncio.create_task(_every(REMIND_EVERY_SECONDS, "remind", remind, stop)),
    ]
    yield
    await _stop_jobs(tasks, stop, SHUTDOWN_GRACE_SECONDS)


async def deliver_late(app: web.Application, delivery: Delivery) -> None:
    """Push a late answer through its channel; the web chat fetches its own (``/api/chat/updates``)."""
    channel = app[CHANNELS].get(delivery.message.channel)
    if channel is None or not delivery.message.channel_user_id:
        return
    try:
        await channel.deliver(delivery.message.channel_user_id, delivery.reply)
    except Exception:
        logger.exception("could not deliver a late %s answer", delivery.message.channel)


def create_app(settings: Settings) -> web.Application:
    """The gateway: web chat and health always; Telegram and WhatsApp when their settings are given."""
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[CHANNELS] = {}
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(_background)
    setup_health(app)
    setup_webchat(app)
    if settings.whatsapp_enabled:
        from bot.whatsapp import setup_whatsapp

        setup_whatsapp(app)
    if settings.telegram_enabled:
        from bot.telegram import setup_telegram

        setup_telegram(app)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx (under python-telegram-bot) logs every request URL at INFO, and Telegram's URLs hold the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = load_settings()
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
