"""Alembic's environment: the URL from ``bot.storage.migrate`` (or ``DATABASE_URL``), sync drivers."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import booking.models  # noqa: F401 - registers the booking tables
from booking.service import default_database_url
from bot.storage import Base, sync_url

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    return str(config.attributes.get("database_url") or sync_url(default_database_url()))


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
