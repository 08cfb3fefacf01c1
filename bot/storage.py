"""The gateway's database: conversations and messages (SQLAlchemy 2, SQLite or PostgreSQL).

Users appear only as pseudonyms. Inbound messages are unique per ``(channel, channel_message_id)``:
a duplicate delivery fails the insert, which is how it is dropped (no check-then-insert). Message texts
are personal data: they are purged after the retention period and deleted on request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class Database:
    """The engine and session factory, with the tables created at start-up."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(url), pool_pre_ping=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def create_tables(self) -> None:
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
        """Delete messages older than the retention period, and conversations (with their encrypted
        address) that have been idle that long; return how many messages."""
        cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
        async with self.sessions.begin() as session:
            result = await session.execute(delete(StoredMessage).where(StoredMessage.created_at < cutoff))
            has_messages = (
                select(StoredMessage.id).where(StoredMessage.conversation_id == Conversation.id).exists()
            )
            await session.execute(delete(Conversation).where(Conversation.updated_at < cutoff, ~has_messages))
            return int(getattr(result, "rowcount", 0) or 0)

    async def delete_user(self, channel: str, pseudonym: str) -> int:
        """Delete a person's conversation and messages (on request); return how many messages."""
        async with self.sessions.begin() as session:
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
