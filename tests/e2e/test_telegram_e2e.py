"""End to end on Telegram: the real engine, action server and gateway, a fake Bot API in a thread.

The gateway process runs python-telegram-bot against the fake (``TELEGRAM_API_URL``) exactly as it
would against api.telegram.org: by long polling in one stack, by webhook in the other. The stacks run
one after the other (class scope), each about 20 s to start.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.runner import Stack
from tests.helpers.fake_telegram import FakeTelegram, FakeTelegramThread
from tests.helpers.model import e2e_stack

pytestmark = [pytest.mark.e2e, pytest.mark.model]

CYRILLIC = range(0x0400, 0x0500)
WEBHOOK_SECRET = "e2e-" + secrets.token_hex(16)


def start_stack(data: Path, fake: FakeTelegram, **env: str) -> Stack:
    stack = e2e_stack(data, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url, **env)
    stack.start()
    return stack


def chat_id() -> int:
    return 10_000 + secrets.randbelow(1_000_000)


def turn(fake: FakeTelegram, chat: int, update: dict[str, Any]) -> list[dict[str, Any]]:
    """Send one update by polling and return the messages of the answer."""
    before = len(fake.sent(chat))
    fake.push(update)
    # an answer is one or more messages; the one with the buttons comes last but for notices
    fake.wait_for_sync(lambda: any(m.get("reply_markup") for m in fake.sent(chat)[before:]), "the answer")
    return fake.sent(chat)[before:]


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m["text"]) for m in messages)


def callback_buttons(messages: list[dict[str, Any]]) -> dict[str, str]:
    return {
        row[0]["text"]: row[0]["callback_data"]
        for m in messages
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
    }


@pytest.fixture(scope="class")  # torn down after its class: the two stacks never run at once
def polling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeTelegram]:
    with FakeTelegramThread() as fake:
        stack = start_stack(tmp_path_factory.mktemp("polling"), fake)
        try:
            fake.wait_for_sync(lambda: bool(fake.of("getUpdates")), "the gateway to poll")
            yield fake
        finally:
            stack.stop()


class TestPolling:
    def test_a_german_and_a_ukrainian_conversation(self, polling: FakeTelegram) -> None:
        german = chat_id()
        question = "Wo finde ich einen Deutschkurs?"
        reply = turn(polling, german, polling.message(german, question, language="de"))
        assert "Integrationskurs" in text_of(reply)
        assert all(len(m["text"]) <= 4096 for m in reply)

        ukrainian = chat_id()
        question_uk = "Де я можу знайти мовні курси?"
        reply = turn(polling, ukrainian, polling.message(ukrainian, question_uk, language="uk"))
        letters = [c for c in text_of(reply) if c.isalpha()]
        assert sum(ord(c) in CYRILLIC for c in letters) / len(letters) > 0.5
        assert polling.of("sendChatAction") and polling.unknown == []
        assert len(polling.of("setMyCommands")) == 16  # the default menu and 15 languages

    def test_a_button_round_trip(self, polling: FakeTelegram) -> None:
        chat = chat_id()
        greeting = turn(polling, chat, polling.message(chat, "/start", language="de"))
        topics = callback_buttons(greeting)
        sprache = next(data for data in topics.values() if "sprache" in data)

        topic = turn(polling, chat, polling.tap(chat, sprache))
        entries = callback_buttons(topic)
        assert entries, "the topic answer offers its entries as buttons"
        course = next(data for title, data in entries.items() if "kurs" in title.lower())
        answer = turn(polling, chat, polling.tap(chat, course))
        assert "Integrationskurs" in text_of(answer)
        assert len(polling.of("answerCallbackQuery")) >= 2


def post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="class")
def webhook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeTelegram, str]]:
    with FakeTelegramThread() as fake:
        stack = start_stack(
            tmp_path_factory.mktemp("webhook"),
            fake,
            TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        try:
            fake.wait_for_sync(lambda: bool(fake.webhook), "the gateway to set its webhook")
            yield fake, stack.gateway_url + "/webhooks/telegram"
        finally:
            stack.stop()


class TestWebhook:
    def test_a_webhook_conversation_with_the_secret_token(self, webhook: tuple[FakeTelegram, str]) -> None:
        fake, url = webhook
        assert fake.webhook["url"] == "https://bot.example.org/webhooks/telegram"
        assert fake.webhook["secret_token"] == WEBHOOK_SECRET
        chat = chat_id()
        update = fake.message(chat, "Wo finde ich einen Deutschkurs?", language="de")
        body = json.dumps(update).encode()
        assert post(url, body, None) == 401
        assert post(url, body, "wrong") == 403
        assert post(url, b"{not json", WEBHOOK_SECRET) == 400

        answer = turn_by_webhook(fake, url, chat, update)
        assert "Integrationskurs" in text_of(answer)
        # Telegram delivers the same update again, then the person taps "menu": one new answer only.
        assert post(url, body, WEBHOOK_SECRET) == 200
        menu = turn_by_webhook(fake, url, chat, fake.tap(chat, "/help"))
        assert "Integrationskurs" not in text_of(menu)
        assert callback_buttons(menu), "the menu comes with topic buttons"
        assert fake.of("answerCallbackQuery") and fake.of("getUpdates") == []


def turn_by_webhook(fake: FakeTelegram, url: str, chat: int, update: dict[str, Any]) -> list[dict[str, Any]]:
    """Post one update as Telegram would and return the messages of the answer."""
    before = len(fake.sent(chat))
    assert post(url, json.dumps(update).encode(), WEBHOOK_SECRET) == 200
    fake.wait_for_sync(lambda: any(m.get("reply_markup") for m in fake.sent(chat)[before:]), "the answer")
    return fake.sent(chat)[before:]
