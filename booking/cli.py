"""``ankommen bookings`` (the office's list of appointments) and ``ankommen db`` (migrations)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys

from booking.config import BookingConfig, BookingConfigError, load_booking_config
from booking.ics import calendar
from booking.service import BookingService, StorageDown, default_database_url
from booking.views import BookingView

COLUMNS = ("date", "time", "counsellor", "reference", "status", "language", "topic", "kim", "name", "phone")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-03") from exc


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bookings = sub.add_parser("bookings", help="list MigraDo appointments (today and later, or one day)")
    bookings.add_argument("--day", type=_day, default=None, help="only this day (YYYY-MM-DD)")
    bookings.add_argument("--format", choices=("table", "csv", "ics"), default="table")
    db = sub.add_parser("db", help="database schema: upgrade (to the newest) or downgrade")
    db.add_argument("action", choices=("upgrade", "downgrade"))
    db.add_argument("revision", nargs="?", help="target (upgrade: default head; downgrade: e.g. -1 or base)")


def _row(booking: BookingView, config: BookingConfig) -> dict[str, str]:
    counsellor = config.counsellor(booking.slot.counsellor_id)
    return {
        "date": booking.slot.starts_at.strftime("%Y-%m-%d"),
        "time": booking.slot.starts_at.strftime("%H:%M") + "-" + booking.slot.ends_at.strftime("%H:%M"),
        "counsellor": counsellor.name if counsellor else booking.slot.counsellor_id,
        "reference": booking.reference,
        "status": booking.status,
        "language": booking.language,
        "topic": booking.topic,
        "kim": "yes" if booking.kim else "",
        "name": booking.name,
        "phone": booking.phone or "",
    }


def render(bookings: list[BookingView], config: BookingConfig, fmt: str) -> str:
    """The bookings as an aligned table, CSV (header row, local times) or an iCalendar file."""
    if fmt == "ics":
        events = [(b, f"MigraDo: {b.name} ({b.language}, {b.topic}) {b.reference}") for b in bookings]
        return calendar(events, config.office)
    rows = [_row(b, config) for b in bookings]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    if not rows:
        return "No bookings.\n"
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def cmd_bookings(args: argparse.Namespace) -> int:
    try:
        config = load_booking_config()
    except (BookingConfigError, OSError) as exc:
        print(f"ankommen bookings: {exc}", file=sys.stderr)
        return 2
    for name in config.placeholders():
        print(f"WARNING: {name} is still a placeholder in {config.source}", file=sys.stderr)
    service = BookingService(default_database_url(), config)
    try:
        bookings = service.bookings_on(args.day)
    except StorageDown:
        print(
            "ankommen bookings: the database did not answer or has no booking tables "
            "(check DATABASE_URL; run `ankommen db upgrade`)",
            file=sys.stderr,
        )
        return 1
    finally:
        service.close()
    sys.stdout.write(render(bookings, config, args.format))
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.storage import migrate

    if args.action == "downgrade" and not args.revision:
        print("ankommen db downgrade: name the target revision (e.g. -1 or base)", file=sys.stderr)
        return 2
    revision = migrate(default_database_url(), args.revision or "head", down=args.action == "downgrade")
    print(f"database at revision {revision or 'base (empty)'}")
    return 0
