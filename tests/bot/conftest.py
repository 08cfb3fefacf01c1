"""A gateway app wired to a fake Rasa on a local port and a fresh database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings, load_settings
from tests.helpers.fake_rasa import FakeRasa

KEY = "test-pseudonym-key-0123456789"


def settings_for(database_url: str, rasa_url: str, **env: str) -> Settings:
    return load_settings(
        {"DATABASE_URL": database_url, "RASA_URL": rasa_url, "PSEUDONYM_KEY": KEY, "RASA_TIMEOUT": "5", **env}
    )


@pytest.fixture
async def fake_rasa(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[FakeRasa, str]:
    fake = FakeRasa()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty schema in the test database for one test (dropped afterwards)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("SET lock_timeout = '20s'")  # a leaked connection fails the test, not hangs it
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test that takes it runs twice: on a SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield request.getfixturevalue("postgres_schema_url")


@pytest.fixture
async def gateway(
    database_url: str,
    fake_rasa: tuple[FakeRasa, str],
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> TestClient[Any, Any]:
    """The app; set up after (so torn down before) its database, whose schema is then dropped."""
    return await aiohttp_client(create_app(settings_for(database_url, fake_rasa[1])))
