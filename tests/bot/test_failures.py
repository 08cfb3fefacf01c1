"""When the database is down, or an answer comes late: clear errors, nothing lost, the right address."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.addresses import AddressBox
from bot.app import create_app
from bot.conversation import ConversationService
from bot.messages import IncomingMessage
from bot.rasa_client import RasaClient
from bot.storage import Conversation, Database
from knowledge.messages import load_messages
from tests.bot.conftest import KEY, settings_for
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.tcp_proxy import TcpProxy

Client = TestClient[Any, Any]


@pytest.mark.postgres
async def test_a_stopped_database_gets_a_clear_503_not_a_crash(
    aiohttp_client: Callable[..., Awaitable[Client]],
    fake_rasa: tuple[FakeRasa, str],
    postgres_schema_url: str,
) -> None:
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    url = postgres_schema_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    client = await aiohttp_client(create_app(settings_for(url, fake_rasa[1])))
    ok = await client.post("/api/chat", json={"session": "session-db-ok", "text": "hallo"})
    assert ok.status == 200

    await proxy.stop()  # PostgreSQL "stops" under the running gateway
    response = await client.post("/api/chat", json={"session": "session-db-down", "text": "Jobcenter?"})
    assert response.status == 503
    body = await response.json()
    assert body["error"] == "storage_unavailable" and "try again" in body["message"]
    health = await client.get("/healthz")
    assert health.status == 503 and (await health.json())["database"] == "down"
    # Nothing went to the engine that could not be stored first.
    assert [r["message"] for r in fake_rasa[0].received] == ["hallo"]


async def test_a_late_answer_carries_the_platform_address_which_is_stored_encrypted(
    database_url: str, fake_rasa: tuple[FakeRasa, str]
) -> None:
    fake, url = fake_rasa
    db = Database(database_url)
    await db.create_tables()
    async with aiohttp.ClientSession() as http:
        service = ConversationService(db, RasaClient(http, url, 5), load_messages(), KEY.encode())
        fake.mode = "error"
        down = await service.handle(IncomingMessage("telegram", "4711", "Wo ist das Jobcenter?", "u1", "de"))
        assert down is not None and down.meta.pending
        async with db.session() as session:
            sealed = await session.scalar(select(Conversation.address))
        assert sealed and "4711" not in sealed
        assert AddressBox(KEY.encode()).open(sealed) == "4711"
        assert AddressBox(b"another-key").open(sealed) is None

        assert await service.retry_failed() == []  # still down: nothing answered, nothing lost
        fake.mode = "ok"
        late = await service.retry_failed()
        assert [(d.message.channel, d.message.channel_user_id) for d in late] == [("telegram", "4711")]
        assert late[0].reply.messages[0].text == "echo: Wo ist das Jobcenter?"
        assert await service.retry_failed() == []  # answered once
    await db.close()
