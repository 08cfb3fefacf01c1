"""The web chat API and the conversation service behind it, against a fake Rasa."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.pseudonym import pseudonymise
from bot.state import DATABASE, SERVICE
from bot.storage import Conversation, StoredMessage
from knowledge.messages import load_messages
from tests.bot.conftest import KEY
from tests.helpers.fake_rasa import FakeRasa

MESSAGES = load_messages()
Client = TestClient[Any, Any]


async def post(
    client: Client,
    text: str,
    message_id: str = "m1",
    session: str = "session-123",
    language: str | None = "ar",
) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/api/chat", json={"session": session, "text": text, "message_id": message_id, "language": language}
    )
    return response.status, await response.json()


async def stored(client: Client) -> list[StoredMessage]:
    async with client.app[DATABASE].session() as session:
        return list((await session.scalars(select(StoredMessage).order_by(StoredMessage.id))).all())


async def test_a_message_goes_to_rasa_and_the_answer_comes_back(
    gateway: Client, fake_rasa: tuple[FakeRasa, str]
) -> None:
    status, body = await post(gateway, "أين أجد دورة لغة؟")
    assert status == 200
    assert body["messages"] == [
        {"text": "echo: أين أجد دورة لغة؟", "buttons": [{"title": "Menü", "payload": "/help"}]}
    ]
    assert body["meta"]["route"] == "answer" and body["meta"]["entry"] == "sprache_deutschkurs"
    sent = fake_rasa[0].received[0]
    assert sent["input_channel"] == "web"
    assert sent["sender"] == pseudonymise(KEY.encode(), "web", "session-123") != "session-123"
    assert sent["metadata"] == {"client_language": "ar", "conversation_language": None, "message_id": "m1"}


async def test_the_conversation_language_is_sent_as_a_prior_next_time(
    gateway: Client, fake_rasa: tuple[FakeRasa, str]
) -> None:
    await post(gateway, "one", "m1")
    await post(gateway, "two", "m2")
    assert fake_rasa[0].received[1]["metadata"]["conversation_language"] == "ar"


async def test_the_raw_user_id_is_never_stored(gateway: Client) -> None:
    await post(gateway, "hello", session="phone-4917012345678")
    async with gateway.app[DATABASE].session() as session:
        conversations = (await session.scalars(select(Conversation))).all()
    assert [c.user_pseudonym for c in conversations] == [
        pseudonymise(KEY.encode(), "web", "phone-4917012345678")
    ]
    assert all("4917012345678" not in m.text for m in await stored(gateway))


async def test_a_duplicate_delivery_is_dropped(gateway: Client, fake_rasa: tuple[FakeRasa, str]) -> None:
    await post(gateway, "hello", "same-id")
    status, body = await post(gateway, "hello", "same-id")
    assert status == 200 and body["duplicate"] is True
    assert len(fake_rasa[0].received) == 1


async def test_commands_are_mapped_and_unknown_slashes_become_text(
    gateway: Client, fake_rasa: tuple[FakeRasa, str]
) -> None:
    await post(gateway, "/start", "a")
    await post(gateway, "/language", "b")
    await post(gateway, "/what is this?", "c")
    await post(gateway, '/set_language{"language":"uk"}', "d")
    await post(gateway, "/kb_aufenthalt_25a_25b", "f")  # an entry button: intents may hold digits
    assert [r["message"] for r in fake_rasa[0].received] == [
        "/greet",
        "/choose_language",
        "what is this?",
        '/set_language{"language":"uk"}',
        "/kb_aufenthalt_25a_25b",
    ]


async def test_empty_and_huge_messages_get_polite_answers_without_rasa(
    gateway: Client, fake_rasa: tuple[FakeRasa, str]
) -> None:
    status, empty = await post(gateway, "   ", "e1", language="uk")
    assert status == 200 and empty["messages"][0]["text"] == MESSAGES.get("empty_message", "uk").text
    status, huge = await post(gateway, "x" * 10_000, "e2", language="uk")
    assert status == 200 and huge["messages"][0]["text"] == MESSAGES.get("message_too_long", "uk").text
    assert fake_rasa[0].received == []
    assert {m.status for m in await stored(gateway) if m.direction == "in"} == {"answered"}


async def test_engine_failure_answers_politely_keeps_the_message_and_retries(
    gateway: Client, fake_rasa: tuple[FakeRasa, str]
) -> None:
    fake, _ = fake_rasa
    for mode in ("error", "empty", "garbage"):
        fake.mode = mode
        status, body = await post(gateway, f"question {mode}", f"id-{mode}")
        assert status == 200
        assert body["messages"][0]["text"] == MESSAGES.get("technical_problem", "ar").text
        assert body["meta"]["pending"] is True
    inbound = [m for m in await stored(gateway) if m.direction == "in"]
    assert [m.status for m in inbound] == ["failed", "failed", "failed"]
    assert all("Traceback" not in m.text for m in await stored(gateway))

    fake.mode = "ok"
    delivered = await gateway.app[SERVICE].retry_failed()
    assert [d.reply.messages[0].text for d in delivered] == [
        "echo: question error",
        "echo: question empty",
        "echo: question garbage",
    ]
    assert {m.status for m in await stored(gateway) if m.direction == "in"} == {"answered"}
    response = await gateway.get(
        "/api/chat/updates", params={"session": "session-123", "since": "2000-01-01T00:00:00+00:00"}
    )
    texts = [m["text"] for m in (await response.json())["messages"]]
    assert "echo: question garbage" in texts


async def test_bad_requests_get_clear_4xx(gateway: Client) -> None:
    assert (
        await gateway.post("/api/chat", data="{not json", headers={"Content-Type": "application/json"})
    ).status == 400
    bad_session = await gateway.post("/api/chat", json={"session": "x", "text": "hi"})
    assert bad_session.status == 400 and "session" in (await bad_session.json())["message"]
    assert (await gateway.post("/api/chat", json={"session": "session-123", "text": 5})).status == 400
    assert (await gateway.post("/api/chat", json=["list"])).status == 400
    huge = await gateway.post("/api/chat", data=b"x" * 70_000, headers={"Content-Type": "application/json"})
    assert huge.status == 413
    assert (await gateway.get("/api/nothing")).status == 404


async def test_health_and_metrics(gateway: Client, fake_rasa: tuple[FakeRasa, str]) -> None:
    health = await gateway.get("/healthz")
    assert health.status == 200
    assert await health.json() == {"gateway": "ok", "database": "ok", "engine": "ok"}
    await post(gateway, "hello", "h1")
    await post(gateway, "hello", "h1")
    metrics = await (await gateway.get("/metrics")).text()
    assert 'ankommen_messages_total{channel="web",kind="in"} 1' in metrics
    assert 'ankommen_messages_total{channel="web",kind="duplicate"} 1' in metrics
    assert "hello" not in metrics


async def test_the_page_is_served(gateway: Client) -> None:
    page = await gateway.get("/")
    assert page.status == 200 and "chat.js" in await page.text()
    assert (await gateway.get("/static/chat.js")).status == 200


async def test_delete_removes_the_persons_data_here_and_in_the_engine(
    gateway: Client, fake_rasa: tuple[FakeRasa, str]
) -> None:
    await post(gateway, "Wo ist das Jobcenter?", "d1", session="person-one")
    await post(gateway, "hallo", "d2", session="person-two")
    status, reply = await post(gateway, "/delete", "d3", session="person-one")
    assert status == 200
    # The fake engine said the conversation is in Arabic, so the confirmation is in Arabic.
    assert reply["messages"][0]["text"] == MESSAGES.get("data_deleted", "ar").text
    gone = pseudonymise(KEY.encode(), "web", "person-one")
    assert fake_rasa[0].replaced == {gone: []}
    async with gateway.app[DATABASE].session() as session:
        people = (await session.scalars(select(Conversation.user_pseudonym))).all()
    assert people == [pseudonymise(KEY.encode(), "web", "person-two")]
    assert all("Jobcenter" not in m.text for m in await stored(gateway))
    assert [r["message"] for r in fake_rasa[0].received] == ["Wo ist das Jobcenter?", "hallo"]


async def test_the_chat_can_be_embedded_only_where_allowed(gateway: Client) -> None:
    page = await gateway.get("/?embed=1")
    assert page.status == 200
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    script = await gateway.get("/static/embed.js")
    assert script.status == 200
    source = await script.text()
    assert "iframe" in source and "/?embed=1" in source and "textContent" in source
