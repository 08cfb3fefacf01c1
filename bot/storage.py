"""The gateway's database: conversations and messages (SQLAlchemy 2, SQLite or PostgreSQL).

The schema is made by Alembic (``migrations/``, :func:`migrate`); the booking tables live in
``booking/models.py`` on the same :class:`Base`. Users appear only as pseudonyms. Inbound messages are
unique per ``(channel, channel_message_id)``: a duplicate delivery fails the insert, which is how it is
dropped (no check-then-insert). Message texts are personal data: they are purged after the retention
period and deleted on request, with the person's bookings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    inspect,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REVISION = "0001_baseline"
BOOKING_REVISION = "0002_booking"
BOOKING_TABLES = ("slots", "bookings", "referrals")


class StorageUnavailable(Exception):
    """The database did not answer; nothing was stored."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # The platform address, encrypted (bot/addresses.py); only for channels that push late answers.
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class StoredMessage(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "channel_message_id", "direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    channel_message_id: Mapped[str] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # received | answered | failed | replied (out)
    route: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


def async_url(url: str) -> str:
    """The async driver's URL for a plain database URL."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sync_url(url: str) -> str:
    """The sync driver's URL (psycopg 3 / sqlite3) for a plain or async database URL."""
    if url.startswith("sqlite+aiosqlite:///"):
        return "sqlite:///" + url.removeprefix("sqlite+aiosqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def alembic_config(url: str) -> Config:
    """Alembic's configuration for ``url`` (``alembic.ini`` and ``migrations/`` in the project root)."""
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = sync_url(url)
    return config


def migrate(url: str, revision: str = "head", *, down: bool = False) -> str | None:
    """Upgrade (or downgrade) the schema; return the revision the database is at afterwards.

    A database made by ``create_all`` before migrations existed has tables but no ``alembic_version``:
    it is stamped at the revision its tables match first, then upgraded.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(url)
    target = sync_url(url)
    if target.startswith("sqlite:///") and target != "sqlite:///:memory:":
        Path(target.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(target)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "conversations" in tables:
            stamp = BOOKING_REVISION if set(BOOKING_TABLES) <= tables else BASELINE_REVISION
            logger.warning("database made without migrations: stamping it at %s", stamp)
            command.stamp(config, stamp)
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


class Database:
    """The engine and session factory; :func:`migrate` makes the tables at start-up."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(url), pool_pre_ping=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def create_tables(self) -> None:
        """Every table without migrations (tests); the gateway runs :func:`migrate` instead."""
        import booking.models  # noqa: F401 - registers the booking tables on Base

        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    async def purge_expired(self, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete messages older than the retention period, conversations (with their encrypted
        address) that have been idle that long with the bookings of those people, and bookings (and
        slots) whose appointment is that long past; return how many messages."""
        from booking.models import Booking, Slot

        now = now or utcnow()
        cutoff = now - dt.timedelta(days=retention_days)
        async with self.sessions.begin() as session:
            result = await session.execute(delete(StoredMessage).where(StoredMessage.created_at < cutoff))
            has_messages = (
                select(StoredMessage.id).where(StoredMessage.conversation_id == Conversation.id).exists()
            )
            idle = select(Conversation.user_pseudonym).where(Conversation.updated_at < cutoff, ~has_messages)
            started = select(Slot.id).where(Slot.starts_at < now)
            await session.execute(
                delete(Booking).where(Booking.sender_id.in_(idle), Booking.slot_id.in_(started))
            )
            await session.execute(delete(Conversation).where(Conversation.updated_at < cutoff, ~has_messages))
            old_slots = select(Slot.id).where(Slot.starts_at < cutoff)
            await session.execute(delete(Booking).where(Booking.slot_id.in_(old_slots)))
            booked = select(Booking.id).where(Booking.slot_id == Slot.id).exists()
            await session.execute(delete(Slot).where(Slot.starts_at < cutoff, ~booked))
            return int(getattr(result, "rowcount", 0) or 0)

    async def delete_user(self, channel: str, pseudonym: str) -> int:
        """Delete a person's conversation, messages and bookings (on request); return how many
        messages. The pseudonym is also the engine's sender id, which bookings store."""
        from booking.models import Booking

        async with self.sessions.begin() as session:
            # The pseudonym is keyed by channel already, so it alone names the person's bookings.
            await session.execute(delete(Booking).where(Booking.sender_id == pseudonym))
            conversation = await session.scalar(
                select(Conversation).where(
                    Conversation.channel == channel, Conversation.user_pseudonym == pseudonym
                )
            )
            if conversation is None:
                return 0
            result = await session.execute(
                delete(StoredMessage).where(StoredMessage.conversation_id == conversation.id)
            )
            await session.delete(conversation)
            return int(getattr(result, "rowcount", 0) or 0)
