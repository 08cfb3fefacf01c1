"""The Telegram channel: real python-telegram-bot and gateway against a fake Bot API and a fake Rasa."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.pseudonym import pseudonymise
from bot.state import CHANNELS
from bot.telegram import SECRET_HEADER, TelegramChannel, command_text
from bot.telegram_render import MAX_CALLBACK_BYTES, MAX_TEXT, CallbackIds, load_commands, split_text
from knowledge.messages import load_messages
from nlu.languages import SUPPORTED
from tests.bot.conftest import KEY, settings_for
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.tcp_proxy import TcpProxy

MESSAGES = load_messages()
Client = TestClient[Any, Any]
MakeClient = Callable[..., Awaitable[Client]]
CHAT = 4711
LONG_PAYLOAD = '/show_topic{"topic": "sprache", "entry": "sprache_integrationskurs", "from": "telegram-test"}'
WEBHOOK_SECRET = "a-webhook-secret_123"


class TelegramRasa(FakeRasa):
    """The fake Rasa, plus a long answer and a button with a long payload when asked for them, and
    a message it can hold until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.hold: str | None = None
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        if (await request.json())["message"] == self.hold:
            self.holding.set()
            await self.release.wait()
        return await super().webhook(request)

    def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        answer = super().answer(body)
        if body["message"] == "long please":
            answer[0]["text"] = "\n\n".join(f"Absatz {i}: " + "Wort " * 300 for i in range(6))
        if body["message"] == "buttons please":
            answer[0]["buttons"].append({"title": "Integrationskurs", "payload": LONG_PAYLOAD})
        return answer


@pytest.fixture
async def rasa(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[TelegramRasa, str]:
    fake = TelegramRasa()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


@pytest.fixture
async def telegram(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> FakeTelegram:
    fake = FakeTelegram()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("/bot"))
    return fake


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'telegram.db'}"


class Gateway:
    """Starts (and restarts) the real gateway with Telegram pointed at the fake Bot API."""

    def __init__(self, make: MakeClient, telegram: FakeTelegram, rasa_url: str, database_url: str) -> None:
        self.make, self.telegram, self.rasa_url, self.database_url = make, telegram, rasa_url, database_url

    async def start(self, **env: str) -> tuple[Client, TelegramChannel]:
        settings = settings_for(
            self.database_url,
            self.rasa_url,
            TELEGRAM_BOT_TOKEN=self.telegram.token,
            TELEGRAM_API_URL=self.telegram.url,
            **env,
        )
        client = await self.make(create_app(settings))
        channel = client.app[CHANNELS]["telegram"]
        assert isinstance(channel, TelegramChannel)
        await self.telegram.wait_for(channel.ready.is_set, "the Telegram channel to connect")
        return client, channel


@pytest.fixture
async def gateway(
    aiohttp_client: MakeClient, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str], sqlite_url: str
) -> AsyncIterator[Gateway]:
    yield Gateway(aiohttp_client, telegram, rasa[1], sqlite_url)
    assert telegram.unknown == [], "the gateway called Bot API methods the fake does not know"


def texts(telegram: FakeTelegram, chat_id: int = CHAT) -> list[str]:
    return [str(m["text"]) for m in telegram.sent(chat_id)]


def texts_of(telegram: FakeTelegram) -> list[str]:
    return [str(m["text"]) for m in telegram.sent()]


def buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = message.get("reply_markup") or {}
    return list(markup.get("inline_keyboard", []))


# --- a conversation by long polling ------------------------------------------------------------


async def test_a_polling_conversation_goes_through_the_service_and_back(
    aiohttp_client: MakeClient, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str], database_url: str
) -> None:
    await Gateway(aiohttp_client, telegram, rasa[1], database_url).start()  # SQLite and PostgreSQL
    update = telegram.message(CHAT, "Wo finde ich einen Deutschkurs?", language="de-DE")
    telegram.push(update)
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the answer")

    [sent] = telegram.sent(CHAT)
    assert sent["text"] == "echo: Wo finde ich einen Deutschkurs?"
    assert buttons(sent) == [[{"text": "Menü", "callback_data": "/help"}]]
    [received] = rasa[0].received
    assert received["sender"] == pseudonymise(KEY.encode(), "telegram", str(CHAT))
    assert received["input_channel"] == "telegram"
    assert received["metadata"]["client_language"] == "de"
    assert received["metadata"]["message_id"] == str(update["update_id"])

    # "typing…" was shown to this chat before the answer went out
    order = [c.method for c in telegram.calls if c.method in ("sendChatAction", "sendMessage")]
    assert order[0] == "sendChatAction" and "sendMessage" in order
    assert telegram.of("sendChatAction")[0].params == {"chat_id": str(CHAT), "action": "typing"}
    # the update is confirmed by the next getUpdates, after it was answered
    await telegram.wait_for(
        lambda: any(
            c.params.get("offset") == str(update["update_id"] + 1) for c in telegram.of("getUpdates")
        ),
        "the offset confirming the update",
    )
    assert telegram.of("deleteWebhook") and not telegram.of("setWebhook")


async def test_logs_hold_neither_the_token_nor_the_chat_nor_the_text(
    gateway: Gateway, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await gateway.start()
    update = telegram.message(987654321, "Mein Name ist Olena Petrenko")
    telegram.push(update, update, telegram.message(987654321, sticker=NON_TEXT["sticker"]["sticker"]))
    await telegram.wait_for(lambda: len(telegram.sent(987654321)) == 2, "the answers")
    # the fake servers' access logs are the test's own; everything else is the gateway's
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
    assert "duplicate telegram update" in logged  # something was logged
    for secret in (telegram.token, "987654321", "Olena"):
        assert secret not in logged


async def test_commands_reach_the_service_as_plain_commands(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    await gateway.start()
    commands = ["/start", "/help@AnkommenTestBot", "/language", "/human", "/start from-a-poster"]
    telegram.push(*(telegram.message(CHAT, c) for c in commands))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == len(commands), "five answers")
    assert [r["message"] for r in rasa[0].received] == [
        "/greet",
        "/help",
        "/choose_language",
        "/request_human",
        "/greet",
    ]
    assert texts(telegram) == [f"echo: {r['message']}" for r in rasa[0].received]  # in order

    telegram.push(telegram.message(CHAT, "/delete", language="en"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 6, "the deletion")
    # in the conversation's language (the fake Rasa answers in Arabic), not the app's (en)
    assert texts(telegram)[-1] == MESSAGES.get("data_deleted", "ar").text
    assert len(rasa[0].received) == 5  # /delete never reaches the engine


async def test_the_command_menu_is_registered_in_every_language(
    gateway: Gateway, telegram: FakeTelegram
) -> None:
    await gateway.start()
    calls = telegram.of("setMyCommands")
    languages = [c.params.get("language_code") for c in calls]
    assert sorted(lang for lang in languages if lang) == sorted(SUPPORTED)
    assert languages.count(None) == 1  # the default menu, for every other app language
    default, menus = load_commands()
    for call in calls:
        language = call.params.get("language_code") or default
        assert [c["command"] for c in call.params["commands"]] == [
            "start",
            "help",
            "language",
            "human",
            "delete",
        ]
        assert [c["description"] for c in call.params["commands"]] == [c.description for c in menus[language]]


# --- buttons -------------------------------------------------------------------------------------


async def test_inline_buttons_round_trip_with_short_and_long_payloads(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    await gateway.start()
    telegram.push(telegram.message(CHAT, "buttons please"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the buttons")
    keyboard = buttons(telegram.sent(CHAT)[0])
    assert [row[0]["text"] for row in keyboard] == ["Menü", "Integrationskurs"]
    assert all(len(row) == 1 for row in keyboard)  # one button per row
    short, long = (row[0]["callback_data"] for row in keyboard)
    assert short == "/help"
    assert long != LONG_PAYLOAD and len(long.encode()) <= MAX_CALLBACK_BYTES

    taps = [telegram.tap(CHAT, long), telegram.tap(CHAT, short), telegram.tap(CHAT, "#0123456789abcdef")]
    telegram.push(*taps)
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 4, "three answers to the taps")
    assert [r["message"] for r in rasa[0].received[1:]] == [
        LONG_PAYLOAD,
        "/help",
        "/help",
    ]  # unknown id: menu
    answered = [c.params["callback_query_id"] for c in telegram.of("answerCallbackQuery")]
    assert answered == [t["callback_query"]["id"] for t in taps]  # every tap's spinner is stopped


# --- input that is not for the engine -----------------------------------------------------------

NON_TEXT: dict[str, dict[str, Any]] = {
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}},
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}]},
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "us1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "document": {"document": {"file_id": "d1", "file_unique_id": "ud1"}},
    "location": {"location": {"latitude": 51.51, "longitude": 7.46}},
}


async def test_non_text_input_gets_a_polite_answer_in_the_users_language(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    await gateway.start()
    telegram.push(*(telegram.message(CHAT, language="uk-UA", **content) for content in NON_TEXT.values()))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == len(NON_TEXT), "five notices")
    notice = MESSAGES.get("non_text_input", "uk").text
    assert texts(telegram) == [notice] * len(NON_TEXT)
    assert buttons(telegram.sent(CHAT)[0]) == [
        [{"text": MESSAGES.get("btn_menu", "uk").text, "callback_data": "/help"}]
    ]
    assert rasa[0].received == []


async def test_groups_are_ignored_except_start_which_points_to_a_private_chat(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    await gateway.start()
    group, supergroup = -100200300, -1001234567890
    telegram.push(
        telegram.message(group, "Hallo Bot, wo ist das Jobcenter?", chat_type="group", user_id=42),
        telegram.message(supergroup, "/help", chat_type="supergroup", user_id=43),
        telegram.message(group, "/start@AnkommenTestBot", chat_type="group", user_id=44, language="ru"),
        telegram.message(CHAT, "after the groups"),  # answered last: everything before was handled
    )
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the private answer")
    [notice] = telegram.sent(group)
    assert notice["text"] == MESSAGES.get("group_chat_private_only", "ru").text
    assert "reply_markup" not in notice  # no buttons in groups
    assert telegram.sent(supergroup) == []
    assert [r["message"] for r in rasa[0].received] == ["after the groups"]


# --- reliability ---------------------------------------------------------------------------------


async def test_an_update_delivered_twice_is_answered_once(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    await gateway.start()
    update = telegram.message(CHAT, "only once please")
    telegram.push(update, update, telegram.message(CHAT, "next"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 2, "two answers")
    assert texts(telegram) == ["echo: only once please", "echo: next"]
    assert [r["message"] for r in rasa[0].received] == ["only once please", "next"]


async def test_429_is_retried_after_retry_after_and_5xx_with_backoff(
    gateway: Gateway, telegram: FakeTelegram
) -> None:
    await gateway.start()
    telegram.fail_next_sends(429)
    telegram.push(telegram.message(CHAT, "flood"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the answer after the 429")
    first, second = telegram.of("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # retry_after: 1
    assert texts(telegram) == ["echo: flood"]

    telegram.fail_next_sends(502, count=2)
    telegram.push(telegram.message(CHAT, "bad gateway"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 2, "the answer after two 502s")
    assert [c.status for c in telegram.of("sendMessage")] == [429, 200, 502, 502, 200]
    assert texts(telegram) == ["echo: flood", "echo: bad gateway"]


async def test_a_long_reply_is_split_under_4096_characters_with_buttons_on_the_last_part(
    gateway: Gateway, telegram: FakeTelegram
) -> None:
    await gateway.start()
    telegram.push(telegram.message(CHAT, "long please"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) >= 3, "the parts of the long answer")
    parts = telegram.sent(CHAT)
    assert all(0 < len(p["text"]) <= MAX_TEXT for p in parts)
    assert (
        " ".join(p["text"] for p in parts).split()
        == TelegramRasa().answer({"sender": "x", "message": "long please"})[0]["text"].split()
    )
    assert [bool(buttons(p)) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_a_polling_restart_loses_no_update_and_answers_none_twice(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    telegram.batch = 2  # batches of two: [0, 1], [2, 3], [4, 5], ...
    chats = (CHAT, CHAT + 1, CHAT + 2)
    updates = [telegram.message(chats[i % 3], f"message {i}") for i in range(12)]
    telegram.push(*updates)
    rasa[0].hold = "message 5"  # the engine is still working on it when the gateway is told to stop
    client, channel = await gateway.start()
    await asyncio.wait_for(rasa[0].holding.wait(), 15)
    closing = asyncio.create_task(client.close())
    await telegram.wait_for(channel.stopping.is_set, "the stop")
    rasa[0].release.set()
    await closing
    # The batch in progress was finished and confirmed; nothing after it was fetched.
    assert sorted(texts_of(telegram)) == sorted(f"echo: message {i}" for i in range(6))
    assert telegram.of("getUpdates")[-1].params["offset"] == str(updates[5]["update_id"] + 1)

    # After a crash Telegram would hand out the last unconfirmed batch again: the service drops it.
    telegram.pending.insert(0, updates[4])
    await gateway.start()
    await telegram.wait_for(lambda: len(telegram.sent()) == len(updates), "every update answered")
    assert sorted(texts_of(telegram)) == sorted(f"echo: message {i}" for i in range(12))  # each once
    assert sorted(r["message"] for r in rasa[0].received) == sorted(f"message {i}" for i in range(12))
    for chat in chats:  # one person's messages are answered in the order they were written
        numbers = [int(t.rsplit(" ", 1)[1]) for t in texts(telegram, chat)]
        assert numbers == sorted(numbers)


class RestartableProxy(TcpProxy):
    async def restart(self) -> None:
        """Accept connections again on the same port, as a restarted database would."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)


@pytest.mark.postgres
async def test_a_message_that_cannot_be_stored_is_fetched_again_once_the_database_is_back(
    aiohttp_client: MakeClient, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str], postgres_url: str
) -> None:
    proxy = RestartableProxy("127.0.0.1", 5432)
    await proxy.start()
    url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        await Gateway(aiohttp_client, telegram, rasa[1], f"{url}?options=-csearch_path%3D{schema}").start()
        telegram.push(telegram.message(CHAT, "before"))
        await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the first answer")

        await proxy.stop()  # PostgreSQL goes away under the running gateway
        telegram.push(telegram.message(CHAT, "while the database is down"))
        await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 2, "the technical-problem notice")
        update_id = str(telegram.pending[0]["update_id"])
        await telegram.wait_for(  # not confirmed: fetched again (and not answered twice)
            lambda: sum(c.params.get("offset") == update_id for c in telegram.of("getUpdates")) >= 2,
            "the update to be fetched again",
        )
        await proxy.restart()
        await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 3, "the real answer")
        assert texts(telegram) == [
            "echo: before",
            MESSAGES.get("technical_problem", "de").text,  # the app's language: nothing could be read
            "echo: while the database is down",
        ]
    finally:
        await proxy.stop()
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_a_late_answer_after_an_engine_outage_is_delivered_to_the_chat(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    rasa[0].mode = "error"
    await gateway.start(ENGINE_RETRY_SECONDS="0.2")
    telegram.push(telegram.message(CHAT, "Wo ist das Jobcenter?"))
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the technical-problem notice")
    assert texts(telegram) == [MESSAGES.get("technical_problem", "de").text]
    rasa[0].mode = "ok"
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 2, "the late answer")
    assert texts(telegram)[1] == "echo: Wo ist das Jobcenter?"


# --- webhook mode --------------------------------------------------------------------------------


async def test_webhook_mode_checks_the_secret_token_and_answers(
    gateway: Gateway, telegram: FakeTelegram, rasa: tuple[TelegramRasa, str]
) -> None:
    client, _ = await gateway.start(
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    [hook] = telegram.of("setWebhook")
    assert hook.params["url"] == "https://bot.example.org/webhooks/telegram"
    assert hook.params["secret_token"] == WEBHOOK_SECRET
    assert hook.params["allowed_updates"] == ["message", "callback_query"]
    assert telegram.of("getUpdates") == []

    update = telegram.message(CHAT, "per Webhook")
    assert (await client.post("/webhooks/telegram", json=update)).status == 401
    wrong = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: "wrong"})
    assert wrong.status == 403
    good = {SECRET_HEADER: WEBHOOK_SECRET}
    for body in (b"{not json", b"[1, 2]", b'{"update_id": "x"}'):
        bad = await client.post(
            "/webhooks/telegram", data=body, headers={**good, "Content-Type": "application/json"}
        )
        assert bad.status == 400
    assert rasa[0].received == [] and telegram.sent() == []

    assert (await client.post("/webhooks/telegram", json=update, headers=good)).status == 200
    assert (await client.post("/webhooks/telegram", json=update, headers=good)).status == 200  # redelivered
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the answer")
    tap = telegram.tap(CHAT, "/help")
    assert (await client.post("/webhooks/telegram", json=tap, headers=good)).status == 200
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 2, "the answer to the tap")
    assert texts(telegram) == ["echo: per Webhook", "echo: /help"]
    assert [r["message"] for r in rasa[0].received] == ["per Webhook", "/help"]


async def test_webhook_mode_without_a_secret_setting_uses_one_derived_from_the_pseudonym_key(
    gateway: Gateway, telegram: FakeTelegram
) -> None:
    client, _ = await gateway.start(TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram")
    secret = telegram.of("setWebhook")[0].params["secret_token"]
    assert secret and KEY not in secret
    response = await client.post(
        "/webhooks/telegram", json=telegram.message(CHAT, "hallo"), headers={SECRET_HEADER: secret}
    )
    assert response.status == 200
    await telegram.wait_for(lambda: len(telegram.sent(CHAT)) == 1, "the answer")


async def test_polling_mode_has_no_webhook_route(gateway: Gateway) -> None:
    client, _ = await gateway.start()
    response = await client.post("/webhooks/telegram", json={"update_id": 1})
    assert response.status == 404


async def test_telegram_is_off_without_a_token(aiohttp_client: MakeClient, sqlite_url: str) -> None:
    client = await aiohttp_client(create_app(settings_for(sqlite_url, "http://127.0.0.1:9")))
    assert "telegram" not in client.app[CHANNELS]


async def test_a_refused_token_leaves_the_gateway_running(
    aiohttp_client: MakeClient, aiohttp_server: Callable[..., Awaitable[TestServer]], sqlite_url: str
) -> None:
    fake = FakeTelegram(token="999:other-token")
    server = await aiohttp_server(fake.app())
    settings = settings_for(
        sqlite_url,
        "http://127.0.0.1:9",
        TELEGRAM_BOT_TOKEN="123:wrong",
        TELEGRAM_API_URL=str(server.make_url("/bot")),
    )
    client = await aiohttp_client(create_app(settings))
    channel = client.app[CHANNELS]["telegram"]
    assert isinstance(channel, TelegramChannel)
    response = await client.get("/")  # the web chat works while Telegram refuses the token
    assert response.status == 200
    assert not channel.ready.is_set()


# --- the parts -----------------------------------------------------------------------------------


def test_split_text_prefers_paragraphs_and_counts_utf16() -> None:
    assert split_text("kurz") == ["kurz"]
    assert split_text("   ") == []
    text = "A" * 3000 + "\n\n" + "B" * 3000
    assert split_text(text) == ["A" * 3000, "B" * 3000]
    emoji = "😀" * 3000  # 2 UTF-16 units each
    parts = split_text(emoji)
    assert [len(p) for p in parts] == [2048, 952]
    words = " ".join(["Wort"] * 2000)
    assert all(len(p) <= MAX_TEXT and not p.endswith(" ") for p in split_text(words))
    assert " ".join(split_text(words)) == words


def test_callback_ids_use_short_payloads_as_they_are_and_map_long_ones() -> None:
    ids = CallbackIds(size=2)
    assert ids.data_for("/help") == "/help" and ids.payload_for("/help") == "/help"
    data = ids.data_for(LONG_PAYLOAD)
    assert data.startswith("#") and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert ids.payload_for(data) == LONG_PAYLOAD
    arabic = '/set_language{"language":"ar","x":"العربية العربية"}'  # 52 characters, 66 bytes in UTF-8
    assert len(arabic) < MAX_CALLBACK_BYTES < len(arabic.encode())
    assert ids.data_for(arabic).startswith("#")
    ids.data_for(LONG_PAYLOAD + "2"), ids.data_for(LONG_PAYLOAD + "3")  # the map keeps the newest two
    assert ids.payload_for(data) is None


def test_command_text_strips_the_bot_name_and_deep_links_only_from_our_commands() -> None:
    assert command_text("/start@AnkommenTestBot") == "/start"
    assert command_text("/START poster-7") == "/start"
    assert command_text("/delete") == "/delete"
    assert command_text('/show_topic{"topic": "sprache"}') == '/show_topic{"topic": "sprache"}'
    assert command_text("/what is this") == "/what is this"


def test_the_command_menu_file_covers_every_language() -> None:
    default, menus = load_commands()
    assert default == "de" and set(menus) == SUPPORTED


def test_the_command_menu_file_is_checked(tmp_path: Path) -> None:
    broken = tmp_path / "commands.yml"
    broken.write_text("default: de\ncommands: [start]\nlanguages:\n  de: {start: Hallo}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no commands for"):
        load_commands(broken)
