"""The booking tables: slots, bookings and referrals (SQLAlchemy 2, on the gateway's ``Base``).

Times are stored in UTC and come back timezone-aware on SQLite too (:class:`UTCDateTime`). Double
booking is made impossible by the database: a partial unique index allows one ``active`` booking per
slot (SQLite and PostgreSQL both support ``CREATE UNIQUE INDEX ... WHERE``). Migrations live in
``migrations/versions``; change both together.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.storage import Base

ACTIVE = "active"
CANCELLED = "cancelled"
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B
REFERENCE_LENGTH = 6
REFERRAL_KINDS = ("lokal_willkommen", "kim", "buergerdienste", "auslaenderbehoerde", "jobcenter")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def new_reference() -> str:
    """A short code people can read out on the phone, e.g. ``K7Q4M9``."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored in UTC; SQLite (which drops the offset) gets UTC back as aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: booking times must be timezone-aware")
        utc = value.astimezone(dt.timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Slot(Base):
    """One appointment time of one counsellor, generated from ``knowledge/booking.yml``."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("counsellor_id", "starts_at", name="uq_slots_counsellor_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counsellor_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    languages: Mapped[str] = mapped_column(String(128))  # comma-separated ISO codes


class Booking(Base):
    """A person's appointment. ``sender_id`` is the conversation pseudonym, never a platform id."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    sender_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))  # the language the person needs
    name: Mapped[str] = mapped_column(String(64))  # name or initials
    phone: Mapped[str | None] = mapped_column(String(32))
    kim: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship(lazy="joined")


class Referral(Base):
    """That someone was referred somewhere: no person data, only what the city needs to see demand."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_booking(
    slot: Slot,
    sender_id: str,
    channel: str,
    topic: str,
    language: str,
    name: str,
    phone: str | None,
    kim: bool,
    now: dt.datetime,
) -> Booking:
    """A new active booking (a fresh reference) of ``slot``; the caller adds it to the session."""
    return Booking(
        reference=new_reference(),
        slot_id=slot.id,
        slot=slot,
        sender_id=sender_id,
        channel=channel[:16],
        topic=topic[:64],
        language=language[:8],
        name=name.strip()[:64],
        phone=(phone or "").strip()[:32] or None,
        kim=kim,
        status=ACTIVE,
        created_at=now,
    )


def insert_slots_ignoring_duplicates(session: Session) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for slots (another process may create the same ones)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(Slot).on_conflict_do_nothing(index_elements=["counsellor_id", "starts_at"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(Slot).on_conflict_do_nothing(index_elements=["counsellor_id", "starts_at"])
