"""Alembic on SQLite and PostgreSQL: up, down to nothing, up again; an old create_all database is stamped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.storage import (
    BASELINE_REVISION,
    BOOKING_REVISION,
    Base,
    Conversation,
    StoredMessage,
    migrate,
    sync_url,
)

ALL_TABLES = {"alembic_version", "conversations", "messages", "slots", "bookings", "referrals"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db: str) -> None:
    assert migrate(empty_db) == BOOKING_REVISION
    assert _tables(empty_db) == ALL_TABLES
    assert migrate(empty_db, BASELINE_REVISION, down=True) == BASELINE_REVISION
    assert _tables(empty_db) == {"alembic_version", "conversations", "messages"}
    assert migrate(empty_db, "base", down=True) is None
    assert _tables(empty_db) <= {"alembic_version"}
    assert migrate(empty_db) == BOOKING_REVISION
    assert _tables(empty_db) == ALL_TABLES
    assert migrate(empty_db) == BOOKING_REVISION  # twice is harmless


def test_the_partial_index_allows_one_active_booking_per_slot(empty_db: str) -> None:
    migrate(empty_db)
    engine = create_engine(sync_url(empty_db))
    now = dt.datetime(2027, 1, 4, 8, tzinfo=dt.timezone.utc)
    row = (
        "INSERT INTO bookings (reference, slot_id, sender_id, channel, topic, language, name, kim, status,"
        " created_at) VALUES (:r, 1, 'p', 'web', 't', 'de', 'n', false, :s, :c)"
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO slots (id, counsellor_id, starts_at, ends_at, languages)"
                    " VALUES (1, 'c1', :a, :b, 'de')"
                ),
                {"a": now, "b": now + dt.timedelta(hours=1)},
            )
            connection.execute(text(row), {"r": "AAAAAA", "s": "cancelled", "c": now})
            connection.execute(text(row), {"r": "BBBBBB", "s": "active", "c": now})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(row), {"r": "CCCCCC", "s": "active", "c": now})
    finally:
        engine.dispose()


def test_a_database_made_by_create_all_is_stamped_and_keeps_its_data(empty_db: str) -> None:
    engine = create_engine(sync_url(empty_db))
    try:
        with engine.begin() as connection:  # what the gateway did before migrations
            Base.metadata.create_all(connection, tables=[Conversation.__table__, StoredMessage.__table__])
            connection.execute(
                text(
                    "INSERT INTO conversations (channel, user_pseudonym, created_at, updated_at)"
                    " VALUES ('web', 'p', :t, :t)"
                ),
                {"t": dt.datetime.now(dt.timezone.utc)},
            )
        assert migrate(empty_db) == BOOKING_REVISION
        assert _tables(empty_db) == ALL_TABLES
        with engine.connect() as connection:
            assert connection.execute(text("SELECT user_pseudonym FROM conversations")).scalar_one() == "p"
    finally:
        engine.dispose()


def test_a_database_with_every_table_but_no_version_is_stamped_at_head(empty_db: str) -> None:
    import booking.models  # noqa: F401

    engine = create_engine(sync_url(empty_db))
    try:
        with engine.begin() as connection:
            Base.metadata.create_all(connection)
    finally:
        engine.dispose()
    assert migrate(empty_db) == BOOKING_REVISION


def test_the_migrations_match_the_models(empty_db: str) -> None:
    """Autogenerate finds nothing to add or drop: migrations and models describe the same tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import booking.models  # noqa: F401

    migrate(empty_db)
    engine = create_engine(sync_url(empty_db))
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
