"""The booking service: free slots, book, show, cancel, reschedule, referrals (sync SQLAlchemy 2).

The action server calls it directly; the gateway through ``asyncio.to_thread``. Two people can never
get the same slot: the insert relies on the partial unique index on ``bookings(slot_id) WHERE status =
'active'`` inside a transaction (no check-then-insert), and a failed insert becomes :class:`SlotTaken`
with the next free slots. A database that does not answer becomes :class:`StorageDown`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, delete, exists, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from booking.config import BookingConfig, load_booking_config
from booking.errors import (
    AlreadyCancelled,
    BookingError,
    NoSuchBooking,
    SlotInPast,
    SlotTaken,
    StorageDown,
    TooManyBookings,
)
from booking.models import (
    ACTIVE,
    CANCELLED,
    REFERRAL_KINDS,
    Booking,
    Referral,
    Slot,
    insert_slots_ignoring_duplicates,
    new_booking,
    utcnow,
)
from booking.slots import horizon, horizon_end, local_day_bounds, local_today
from booking.views import BookingView, SlotView, booking_view, slot_view
from bot.storage import sync_url

__all__ = [
    "AlreadyCancelled",
    "BookingError",
    "BookingService",
    "BookingView",
    "NoSuchBooking",
    "SlotInPast",
    "SlotTaken",
    "SlotView",
    "StorageDown",
    "TooManyBookings",
]

logger = logging.getLogger(__name__)

MAX_ACTIVE_PER_PERSON = 3


class _SlotGone(Exception):
    """The slot id is not (or no longer) offered: answered like a taken slot, after the transaction."""


@functools.cache
def _load_dotenv_once() -> None:
    from dotenv import load_dotenv

    from bot.settings import ROOT

    load_dotenv(ROOT / ".env", override=False)


def default_database_url() -> str:
    """``DATABASE_URL`` from the environment or ``.env`` (read once per process, as the gateway reads it),
    else the gateway's default (var/ankommen.db)."""
    from bot.settings import DEFAULT_DATABASE_URL

    _load_dotenv_once()
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


class BookingService:
    def __init__(self, database_url: str, config: BookingConfig, *, pool_size: int = 5) -> None:
        url = sync_url(database_url)
        options: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 30}
        options.update(pool_size=pool_size, max_overflow=0 if pool_size > 5 else 5, pool_timeout=60)
        self.engine = create_engine(url, **options)
        self.config = config
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._slots_lock = threading.Lock()
        self._slots_ready: dt.date | None = None
        self._valid: dict[tuple[str, dt.datetime], frozenset[str]] = {}

    @classmethod
    def from_env(cls) -> BookingService:
        """``DATABASE_URL`` (default ``var/ankommen.db``) and the configuration file."""
        return cls(default_database_url(), load_booking_config())

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction; a database that does not answer raises :class:`StorageDown`."""
        try:
            with self._sessions.begin() as session:
                yield session
        except IntegrityError:
            raise
        except (DBAPIError, OSError) as exc:
            logger.error("booking storage unavailable: %s", type(exc).__name__)
            raise StorageDown(type(exc).__name__) from exc

    # --- slots --------------------------------------------------------------------------------------------
    def ensure_slots(self, now: dt.datetime | None = None) -> None:
        """Create the configured slots up to the horizon (idempotent; once a day per process)."""
        now = now or utcnow()
        today = local_today(self.config, now)
        with self._slots_lock:
            if self._slots_ready == today:
                return
            wanted = horizon(self.config, now)
            first = wanted[0].starts_at if wanted else now
            with self.transaction() as session:
                known = select(Slot.counsellor_id, Slot.starts_at).where(Slot.starts_at >= first)
                existing = {(c, s) for c, s in session.execute(known).all()}
                rows = [
                    {
                        "counsellor_id": s.counsellor_id,
                        "starts_at": s.starts_at,
                        "ends_at": s.ends_at,
                        "languages": ",".join(sorted(s.languages)),
                    }
                    for s in wanted
                    if (s.counsellor_id, s.starts_at) not in existing
                ]
                if rows:
                    session.execute(insert_slots_ignoring_duplicates(session), rows)
            self._valid = {(s.counsellor_id, s.starts_at): s.languages for s in wanted}
            self._slots_ready = today

    def _view(self, slot: Slot) -> SlotView:
        languages = self._valid.get((slot.counsellor_id, slot.starts_at))
        return slot_view(slot, self.config, languages)

    def free_slots(
        self,
        language: str | None,
        after: dt.datetime | None = None,
        limit: int = 3,
        day: dt.date | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> list[SlotView]:
        """The next free slots (one per time), after ``after`` and on ``day`` when given.

        Slots of counsellors who speak ``language`` come first and alone; when no counsellor speaks it
        (or all of theirs are taken), all slots are offered: the counsellor arranges interpreting.
        """
        now = now or utcnow()
        self.ensure_slots(now)
        earliest = now + dt.timedelta(hours=self.config.min_notice_hours)
        taken = exists().where(Booking.slot_id == Slot.id, Booking.status == ACTIVE)
        query = select(Slot).where(
            Slot.starts_at >= earliest, Slot.starts_at < horizon_end(self.config, now), ~taken
        )
        if after is not None:
            query = query.where(Slot.starts_at > after)
        if day is not None:
            start, end = local_day_bounds(self.config, day)
            query = query.where(Slot.starts_at >= start, Slot.starts_at < end)
        with self.transaction() as session:
            rows = session.scalars(query.order_by(Slot.starts_at, Slot.counsellor_id)).all()
        rows = [r for r in rows if (r.counsellor_id, r.starts_at) in self._valid]
        speakers = {c.id for c in self.config.counsellors if language and language in c.languages}
        chosen = [r for r in rows if r.counsellor_id in speakers] or rows
        views: list[SlotView] = []
        for row in chosen:
            if len(views) >= limit:
                break
            if not views or views[-1].starts_at != row.starts_at:
                views.append(self._view(row))
        return views

    # --- bookings -----------------------------------------------------------------------------------------
    def _check_slot(self, session: Session, slot_id: int, now: dt.datetime) -> Slot:
        """The slot, if it can still be booked; :class:`_SlotGone` when it is no longer offered."""
        slot = session.get(Slot, slot_id)
        if slot is not None and slot.starts_at < now + dt.timedelta(hours=self.config.min_notice_hours):
            raise SlotInPast(slot_view(slot, self.config))
        if slot is None or (slot.counsellor_id, slot.starts_at) not in self._valid:
            raise _SlotGone()
        return slot

    def _taken(self, language: str, now: dt.datetime) -> SlotTaken:
        return SlotTaken(self.free_slots(language, now=now))

    def book(
        self,
        sender_id: str,
        channel: str,
        slot_id: int,
        topic: str,
        language: str,
        name: str,
        phone: str | None,
        kim: bool = False,
        now: dt.datetime | None = None,
    ) -> BookingView:
        """Book ``slot_id``; :class:`SlotTaken` (with alternatives) when someone was faster."""
        now = now or utcnow()
        self.ensure_slots(now)
        for _ in range(3):  # a new reference when it collides (rare)
            try:
                with self.transaction() as session:
                    slot = self._check_slot(session, slot_id, now)
                    active = session.scalar(
                        select(func.count(Booking.id))
                        .join(Slot)
                        .where(Booking.sender_id == sender_id, Booking.status == ACTIVE, Slot.ends_at > now)
                    )
                    if (active or 0) >= MAX_ACTIVE_PER_PERSON:
                        raise TooManyBookings()
                    booking = new_booking(slot, sender_id, channel, topic, language, name, phone, kim, now)
                    session.add(booking)
                    session.flush()
                    return booking_view(booking, self.config)
            except _SlotGone:
                raise self._taken(language, now) from None
            except IntegrityError:
                if self._slot_is_taken(slot_id):
                    raise self._taken(language, now) from None
        raise StorageDown("could not make a unique reference")

    def _slot_is_taken(self, slot_id: int) -> bool:
        with self.transaction() as session:
            query = select(Booking.id).where(Booking.slot_id == slot_id, Booking.status == ACTIVE)
            return session.scalar(query) is not None

    def _upcoming(self, session: Session, sender_id: str, now: dt.datetime) -> Booking | None:
        return session.scalars(
            select(Booking)
            .join(Slot)
            .where(Booking.sender_id == sender_id, Booking.status == ACTIVE, Slot.ends_at > now)
            .order_by(Slot.starts_at)
            .limit(1)
        ).first()

    def active_booking(self, sender_id: str, now: dt.datetime | None = None) -> BookingView | None:
        """The person's next active booking (one not yet over), or None."""
        with self.transaction() as session:
            booking = self._upcoming(session, sender_id, now or utcnow())
            return booking_view(booking, self.config) if booking else None

    def cancel(
        self, sender_id: str, reference: str | None = None, now: dt.datetime | None = None
    ) -> BookingView:
        """Cancel the reference (or the next booking). Another person's reference is "no such booking"."""
        now = now or utcnow()
        with self.transaction() as session:
            if reference:
                booking = session.scalar(
                    select(Booking).where(Booking.reference == reference.strip().upper())
                )
                if booking is None or booking.sender_id != sender_id:
                    raise NoSuchBooking()
            else:
                booking = self._upcoming(session, sender_id, now)
                if booking is None:
                    cancelled = select(Booking.id).where(
                        Booking.sender_id == sender_id, Booking.status == CANCELLED
                    )
                    raise AlreadyCancelled() if session.scalar(cancelled.limit(1)) else NoSuchBooking()
            changed = session.execute(
                update(Booking)
                .where(Booking.id == booking.id, Booking.status == ACTIVE)
                .values(status=CANCELLED, cancelled_at=now)
            )
            if not getattr(changed, "rowcount", 0):
                raise AlreadyCancelled()
            session.refresh(booking)
            return booking_view(booking, self.config)

    def reschedule(self, sender_id: str, new_slot_id: int, now: dt.datetime | None = None) -> BookingView:
        """Move the next booking to ``new_slot_id`` in one transaction: the new one is booked (with a new
        reference) and the old one cancelled, or nothing changes."""
        now = now or utcnow()
        self.ensure_slots(now)
        language = ""
        try:
            with self.transaction() as session:
                old = self._upcoming(session, sender_id, now)
                if old is None:
                    raise NoSuchBooking()
                language = old.language
                slot = self._check_slot(session, new_slot_id, now)
                old.status, old.cancelled_at = CANCELLED, now
                session.flush()
                booking = new_booking(
                    slot, sender_id, old.channel, old.topic, old.language, old.name, old.phone, old.kim, now
                )
                session.add(booking)
                session.flush()
                return booking_view(booking, self.config)
        except (IntegrityError, _SlotGone):
            raise self._taken(language, now) from None

    # --- referrals, staff, deletion -----------------------------------------------------------------------
    def record_referral(
        self, kind: str, language: str, district: str | None = None, topic: str | None = None
    ) -> None:
        """Count a referral (no person data: kind, district, topic, language, time)."""
        if kind not in REFERRAL_KINDS:
            raise ValueError(f"unknown referral kind {kind!r}")
        with self.transaction() as session:
            session.add(Referral(kind=kind, language=language[:8], district=district, topic=topic))

    def bookings_on(self, day: dt.date | None, now: dt.datetime | None = None) -> list[BookingView]:
        """Bookings (active and cancelled) on a local day, or from today on when ``day`` is None."""
        now = now or utcnow()
        if day is None:
            start = local_day_bounds(self.config, local_today(self.config, now))[0]
            end = None
        else:
            start, end = local_day_bounds(self.config, day)
        query = select(Booking).join(Slot).where(Slot.starts_at >= start)
        if end is not None:
            query = query.where(Slot.starts_at < end)
        with self.transaction() as session:
            rows = session.scalars(query.order_by(Slot.starts_at, Slot.counsellor_id, Booking.id)).all()
            return [booking_view(b, self.config, with_phone=True) for b in rows]

    def delete_person(self, sender_id: str) -> int:
        """Delete every booking of this pseudonym (``/delete``); return how many."""
        with self.transaction() as session:
            result = session.execute(delete(Booking).where(Booking.sender_id == sender_id))
            return int(getattr(result, "rowcount", 0) or 0)
