"""End to end on WhatsApp: signed webhooks into the real stack, answers out to a fake Graph API.

The engine, the action server and the gateway are the real ones (bot.runner.Stack on free ports); only
Meta is faked: the webhooks are signed as Meta signs them, and the gateway sends its answers to
:class:`tests.helpers.fake_graph.FakeGraph`, running in a thread, through ``WHATSAPP_API_URL``.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.runner import Stack
from tests.helpers.fake_graph import (
    ACCESS_TOKEN,
    PHONE_NUMBER_ID,
    FakeGraph,
    GraphThread,
    Received,
    sign,
    webhook,
)
from tests.helpers.model import e2e_stack

pytestmark = [pytest.mark.e2e, pytest.mark.model]

SECRET = "e2e-whatsapp-app-secret"
ARABIC = range(0x0600, 0x0700)


@pytest.fixture(scope="module")
def graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    with GraphThread(fake) as url:
        yield fake, url


@pytest.fixture(scope="module")
def stack(graph: tuple[FakeGraph, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {
        "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_VERIFY_TOKEN": "e2e-verify-token",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_URL": graph[1],
    }
    with e2e_stack(tmp_path_factory.mktemp("whatsapp"), **env) as running:
        yield running


def deliver(stack: Stack, body: bytes, signature: str | None = None) -> int:
    """POST a webhook as Meta does; the HTTP status."""
    request = urllib.request.Request(
        stack.gateway_url + "/webhooks/whatsapp",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature or sign(SECRET, body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def say(stack: Stack, wa_id: str, text: str) -> str:
    wamid = "wamid.e2e" + secrets.token_hex(12)
    assert deliver(stack, webhook("text", WA_ID=wa_id, WAMID=wamid, TEXT=text)) == 200
    return wamid


def tap(stack: Stack, wa_id: str, reply: Received, option_id: str) -> None:
    """Choose one option of an answer, as the WhatsApp app reports it."""
    title = dict(reply.options)[option_id]
    sample = "list_reply" if reply.body["interactive"]["type"] == "list" else "button_reply"
    wamid = "wamid.e2e" + secrets.token_hex(12)
    body = webhook(sample, WA_ID=wa_id, WAMID=wamid, BUTTON_ID=option_id, TITLE=title)
    assert deliver(stack, body) == 200


def first(
    fake: FakeGraph, wa_id: str, after: int, wanted: str | None = None, timeout: float = 60
) -> Received:
    """The first message to ``wa_id`` after the ``after``-th (containing ``wanted`` text or option id)."""

    def matches(r: Received) -> bool:
        return wanted is None or wanted in r.text or wanted in dict(r.options)

    fake.wait_sync(lambda: any(matches(r) for r in fake.to(wa_id)[after:]), timeout)
    return next(r for r in fake.to(wa_id)[after:] if matches(r))


def share(text: str, block: range) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(ord(c) in block for c in letters) / max(len(letters), 1)


def new_person() -> str:
    return "4915" + str(secrets.randbelow(10**9)).zfill(9)


def test_a_german_question_gets_a_german_answer(stack: Stack, graph: tuple[FakeGraph, str]) -> None:
    fake, person = graph[0], new_person()
    wamid = say(stack, person, "Wo finde ich einen Deutschkurs?")
    answer = first(fake, person, 0, "Integrationskurs")
    assert answer.body["type"] == "interactive"
    assert ("/help", "Menü") in answer.options  # the German labels
    fake.wait_sync(lambda: any(r.body["message_id"] == wamid for r in fake.reads), 10)
    assert fake.rejected == []


def test_an_arabic_question_gets_an_arabic_answer(stack: Stack, graph: tuple[FakeGraph, str]) -> None:
    fake, person = graph[0], new_person()
    say(stack, person, "أين أجد دورة لغة؟")
    answer = first(fake, person, 0)
    assert share(answer.text, ARABIC) > 0.5, answer.text
    assert "Integrationskurs" in answer.text  # the German name of the course, kept in the Arabic text
    assert fake.rejected == []


def test_a_button_round_trip(stack: Stack, graph: tuple[FakeGraph, str]) -> None:
    fake, person = graph[0], new_person()
    say(stack, person, "Hallo")
    greeting = first(fake, person, 0, '/show_topic{"topic":"sprache"}')
    tap(stack, person, greeting, '/show_topic{"topic":"sprache"}')
    topic = first(fake, person, 1, "/kb_sprache_deutschkurs")
    tap(stack, person, topic, "/kb_sprache_deutschkurs")
    answer = first(fake, person, 2, "Integrationskurs")
    assert answer.body["type"] == "interactive"
    assert fake.rejected == []


def test_a_forged_webhook_is_refused(stack: Stack, graph: tuple[FakeGraph, str]) -> None:
    person = new_person()
    body = webhook("text", WA_ID=person, WAMID="wamid.forged", TEXT="Hallo")
    assert deliver(stack, body, sign("not-the-app-secret", body)) == 401
    say(stack, person, "danke")
    first(graph[0], person, 0)
    assert len(graph[0].to(person)) == 1


def test_an_answer_delayed_by_a_stopped_engine_reaches_the_whatsapp_number(
    stack: Stack, graph: tuple[FakeGraph, str]
) -> None:
    fake, person = graph[0], new_person()
    say(stack, person, "Wo finde ich einen Deutschkurs?")
    first(fake, person, 0, "Integrationskurs")
    engine = stack.processes["engine"]
    engine.stop()
    try:
        say(stack, person, "Was macht das Jobcenter?")
        first(fake, person, 1, "technisches Problem")
    finally:
        engine.start()
        engine.wait_ready()
    late = first(fake, person, 2, "Jobcenter", timeout=90)
    assert "technisches Problem" not in late.text
