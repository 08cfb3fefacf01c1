"""Two people can never get the same slot: 100 concurrent attempts at one slot, exactly one wins.

Each attempt runs in its own thread on its own database connection, all released at once by a barrier.
PostgreSQL allows 100 connections in all (some held by other sessions), so the attempts share a pool of
as many connections as the server can spare (at most 100); the timing is printed (``-s``) and recorded
as a test property.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from booking.errors import BookingError, SlotTaken
from booking.service import BookingService
from bot.storage import migrate
from tests.booking.conftest import NOW, make_config

ATTEMPTS = 100


def _free_connections(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        limit = int(connection.execute("SHOW max_connections").fetchone()[0])  # type: ignore[index]
        used = int(connection.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0])  # type: ignore[index]
    return limit - used - 15  # leave room for other sessions and the reserved superuser slots


def _race(service: BookingService, attempts: int) -> tuple[list[object], list[float], float]:
    slot = service.free_slots("ar", now=NOW)[0]
    barrier = threading.Barrier(attempts)

    def attempt(number: int) -> tuple[object, float]:
        barrier.wait()
        started = time.perf_counter()
        try:
            outcome: object = service.book(
                f"person-{number}", "web", slot.id, "wohnen", "ar", f"P{number}", None, now=NOW
            )
        except BookingError as exc:
            outcome = exc
        return outcome, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(attempt, range(attempts)))
    wall = time.perf_counter() - started
    return [r for r, _ in results], [t for _, t in results], wall


def _check(outcomes: list[object], slot_id: int | None = None) -> None:
    winners = [o for o in outcomes if not isinstance(o, BookingError)]
    taken = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert len(winners) == 1, f"{len(winners)} winners"
    assert len(taken) == len(outcomes) - 1, [
        type(o).__name__ for o in outcomes if not isinstance(o, SlotTaken)
    ]
    for exc in taken:
        assert len(exc.alternatives) == 3
        assert winners[0].slot.id not in [s.id for s in exc.alternatives]  # type: ignore[attr-defined]


def _report(name: str, latencies: list[float], wall: float, record: object) -> None:
    ordered = sorted(latencies)
    median = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    line = (
        f"{name}: {len(latencies)} concurrent attempts in {wall:.2f} s; per attempt median "
        f"{median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )
    print("\n" + line)
    record("timing", line)  # type: ignore[operator]


@pytest.mark.postgres
def test_100_concurrent_attempts_on_postgresql(postgres_schema_url: str, record_property: object) -> None:
    migrate(postgres_schema_url)
    connections = max(10, min(ATTEMPTS, _free_connections(postgres_schema_url)))
    service = BookingService(postgres_schema_url, make_config(), pool_size=connections)
    try:
        service.ensure_slots(NOW)
        outcomes, latencies, wall = _race(service, ATTEMPTS)
        _check(outcomes)
        _report(f"PostgreSQL ({connections} connections)", latencies, wall, record_property)
        winner = next(o for o in outcomes if not isinstance(o, BookingError))
        assert service.bookings_on(None, now=NOW) == [winner]  # one row, nothing half-written
        steps = []
        for number in range(10):  # uncontended, for comparison: offer three slots, then book one
            started = time.perf_counter()
            offered = service.free_slots("ar", now=NOW)
            service.book(f"single-{number}", "web", offered[0].id, "wohnen", "ar", "S", None, now=NOW)
            steps.append(time.perf_counter() - started)
        line = f"PostgreSQL uncontended free_slots + book: median {statistics.median(steps) * 1000:.1f} ms"
        print(line)
        record_property("single", line)  # type: ignore[operator]
    finally:
        service.close()


def test_concurrent_attempts_on_sqlite(tmp_path: object, record_property: object) -> None:
    url = f"sqlite:///{tmp_path}/race.db"
    migrate(url)
    service = BookingService(url, make_config(), pool_size=20)
    try:
        service.ensure_slots(NOW)
        outcomes, latencies, wall = _race(service, 20)
        _check(outcomes)
        _report("SQLite", latencies, wall, record_property)
    finally:
        service.close()
