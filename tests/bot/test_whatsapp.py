"""The WhatsApp channel in the real gateway app, against a fake Graph API and a fake Rasa on local ports.

Webhooks are built from the samples in tests/data/whatsapp and signed exactly as Meta signs them.
Answers are read where Meta would get them: at the fake Graph API.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app, deliver_late
from bot.messages import BotMessage, Button
from bot.pseudonym import pseudonymise
from bot.state import CHANNELS, SERVICE
from bot.whatsapp_api import PayloadIds, render, shorten, split_text
from knowledge.messages import load_messages
from tests.bot.conftest import KEY, settings_for
from tests.helpers.fake_graph import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraph, Received, sign, webhook
from tests.helpers.fake_rasa import FakeRasa

MESSAGES = load_messages()
SECRET = "test-whatsapp-app-secret"
VERIFY_TOKEN = "test-verify-token-42"
WA_ID = "4915112345678"
OTHER_WA_ID = "4917600000001"
URL = "/webhooks/whatsapp"
ENV = {
    "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
    "WHATSAPP_APP_SECRET": SECRET,
    "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
}
Client = TestClient[Any, Any]
wamids = (f"wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjA{n:06d}" for n in itertools.count())


class ScriptedRasa(FakeRasa):
    """The fake Rasa, answering with the text and buttons a test sets (else its echo and "Menü")."""

    def __init__(self) -> None:
        super().__init__()
        self.text: str | None = None
        self.buttons: list[tuple[str, str]] | None = None

    def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        answer = super().answer(body)
        if self.text is not None:
            answer[0]["text"] = self.text
        if self.buttons is not None:
            answer[0]["buttons"] = [{"title": title, "payload": payload} for title, payload in self.buttons]
        return answer


@dataclass
class WhatsApp:
    """The gateway as Meta sees it: webhooks in, Graph API calls out."""

    client: Client
    graph: FakeGraph
    rasa: ScriptedRasa

    async def post(self, body: bytes, signature: str | None = "sign") -> ClientResponse:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = sign(SECRET, body) if signature == "sign" else signature
        return await self.client.post(URL, data=body, headers=headers)

    async def send(self, sample: str, wa_id: str = WA_ID, wamid: str | None = None, **values: str) -> str:
        """Deliver a signed webhook; return the message's wamid."""
        wamid = wamid or next(wamids)
        response = await self.post(webhook(sample, WA_ID=wa_id, WAMID=wamid, **values))
        assert response.status == 200, await response.text()
        return wamid

    async def say(self, text: str, wa_id: str = WA_ID, wamid: str | None = None) -> str:
        return await self.send("text", wa_id, wamid, TEXT=text)

    async def replies(self, count: int, wa_id: str = WA_ID) -> list[Received]:
        """Wait until ``count`` messages went to ``wa_id``; return them."""
        await self.graph.wait_for(lambda: len(self.graph.to(wa_id)) >= count)
        return self.graph.to(wa_id)

    async def answered(self, text: str, wa_id: str = WA_ID) -> Received:
        """Say ``text`` and wait for the fake Rasa's echo of it (the last bubble of the answer)."""
        await self.say(text, wa_id)
        await self.graph.wait_for(lambda: any(f"echo: {text}" in r.text for r in self.graph.to(wa_id)))
        return next(r for r in self.graph.to(wa_id) if f"echo: {text}" in r.text)


@pytest.fixture
async def wa(
    database_url: str,  # first: its schema is dropped only after the app has stopped
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> WhatsApp:
    graph, rasa = FakeGraph(), ScriptedRasa()
    graph_url = str((await aiohttp_server(graph.app())).make_url("")).rstrip("/")
    rasa_url = str((await aiohttp_server(rasa.app())).make_url("")).rstrip("/")
    app = create_app(settings_for(database_url, rasa_url, WHATSAPP_API_URL=graph_url, **ENV))
    return WhatsApp(await aiohttp_client(app), graph, rasa)


# --- verification -----------------------------------------------------------------------------------


async def test_the_verification_challenge_is_answered_with_the_right_token(wa: WhatsApp) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await wa.client.get(URL, params=query)
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {},
    ],
    ids=["wrong-token", "wrong-mode", "no-token", "nothing"],
)
async def test_the_verification_is_refused_otherwise(wa: WhatsApp, query: dict[str, str]) -> None:
    response = await wa.client.get(URL, params=query)
    assert response.status == 403
    assert "1" not in await response.text()


# --- signatures, bodies -----------------------------------------------------------------------------


async def test_a_signed_text_message_is_answered_through_the_graph_api(wa: WhatsApp) -> None:
    wamid = await wa.say("Wo finde ich einen Deutschkurs?")
    [reply] = await wa.replies(1)
    assert reply.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "echo: Wo finde ich einen Deutschkurs?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "/help", "title": "Menü"}}]},
        },
    }
    [asked] = wa.rasa.received
    assert asked["message"] == "Wo finde ich einen Deutschkurs?"
    assert asked["input_channel"] == "whatsapp"
    assert asked["sender"] == pseudonymise(KEY.encode(), "whatsapp", WA_ID)
    assert WA_ID not in json.dumps(asked)
    await wa.graph.wait_for(lambda: len(wa.graph.reads) == 1)
    assert wa.graph.reads[0].body == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": wamid,
        "typing_indicator": {"type": "text"},
    }
    assert wa.graph.rejected == []


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        sign("another-secret", b"{}"),
        "sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
        "sha256=ü",
    ],
    ids=["missing", "empty", "no-hex", "zeros", "other-secret", "sha1", "non-ascii"],
)
async def test_a_bad_or_missing_signature_is_refused_and_nothing_is_processed(
    wa: WhatsApp, signature: str | None
) -> None:
    body = webhook("text", WA_ID=WA_ID, WAMID=next(wamids), TEXT="forged")
    if signature == sign("another-secret", b"{}"):
        signature = sign("another-secret", body)
    response = await wa.post(body, signature)
    assert response.status == 401
    assert (await response.json())["error"] == "bad_signature"
    # A signature over other bytes (one changed after signing) is refused as well.
    tampered = await wa.post(body.replace(b"forged", b"forgeD"), sign(SECRET, body))
    assert tampered.status == 401
    await wa.answered("genuine")  # processed in order: had the forged one been taken, it would be here
    assert [r["message"] for r in wa.rasa.received] == ["genuine"]
    assert all("forged" not in r.text.lower() for r in wa.graph.attempts)


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"entry": "x"}', b"[" * 5000])
async def test_malformed_json_with_a_good_signature_is_a_bad_request(wa: WhatsApp, body: bytes) -> None:
    response = await wa.post(body)
    assert response.status == 400
    await wa.answered("still here")
    assert len(wa.rasa.received) == 1


async def test_an_oversized_body_is_refused(wa: WhatsApp) -> None:
    padding = b" " * (300 * 1024)
    body = webhook("text", WA_ID=WA_ID, WAMID=next(wamids), TEXT="too big") + padding
    assert (await wa.post(body)).status == 413

    async def chunks() -> Any:  # no Content-Length: the cap holds while reading
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    streamed = await wa.client.post(URL, data=chunks(), headers={"X-Hub-Signature-256": sign(SECRET, body)})
    assert streamed.status == 413
    # Bigger than the gateway's 64 KiB default but within the webhook's 256 KiB: accepted.
    fits = webhook("text", WA_ID=WA_ID, WAMID=next(wamids), TEXT="fits") + b" " * (100 * 1024)
    assert (await wa.post(fits)).status == 200
    await wa.graph.wait_for(lambda: any("echo: fits" in r.text for r in wa.graph.sent))
    assert [r["message"] for r in wa.rasa.received] == ["fits"]


async def test_status_callbacks_and_other_numbers_are_acknowledged_and_ignored(wa: WhatsApp) -> None:
    await wa.send("status")
    other_number = webhook("text", WA_ID=WA_ID, WAMID=next(wamids), TEXT="not for us")
    other_number = other_number.replace(PHONE_NUMBER_ID.encode(), b"999999999999999")
    assert (await wa.post(other_number)).status == 200
    assert (await wa.post(b'{"object": "page", "entry": [{"changes": [{"field": "feed"}]}]}')).status == 200
    await wa.answered("after the status")
    assert [r["message"] for r in wa.rasa.received] == ["after the status"]
    assert len(wa.graph.sent) == 1


async def test_the_routes_exist_only_when_whatsapp_is_configured(
    database_url: str, aiohttp_client: Callable[..., Awaitable[Client]]
) -> None:
    client = await aiohttp_client(create_app(settings_for(database_url, "http://127.0.0.1:9")))
    assert (await client.get(URL)).status == 404
    assert "whatsapp" not in client.app[CHANNELS]


# --- message types, duplicates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sample", ["image", "audio", "sticker", "location", "document", "unsupported", "new"]
)
async def test_non_text_messages_get_the_polite_notice_without_the_engine(wa: WhatsApp, sample: str) -> None:
    if sample == "new":  # a type WhatsApp may add one day
        body = webhook("text", WA_ID=WA_ID, WAMID=next(wamids), TEXT="x").replace(b'"text"', b'"hologram"')
        assert (await wa.post(body)).status == 200
    else:
        await wa.send(sample)
    [reply] = await wa.replies(1)
    assert reply.body["interactive"]["body"]["text"] == MESSAGES.get("non_text_input", "de").text
    assert reply.options == [("/help", "Menü")]
    assert wa.rasa.received == []
    await wa.graph.wait_for(lambda: len(wa.graph.reads) == 1)
    assert "typing_indicator" not in wa.graph.reads[0].body


async def test_the_notice_comes_in_the_language_of_the_conversation(wa: WhatsApp) -> None:
    await wa.answered("مرحبا")  # the fake Rasa answers in Arabic: the conversation is Arabic now
    await wa.send("audio")
    replies = await wa.replies(2)
    assert replies[1].body["interactive"]["body"]["text"] == MESSAGES.get("non_text_input", "ar").text
    assert replies[1].options == [("/help", MESSAGES.get("btn_menu", "ar").text)]


async def test_reactions_get_no_answer(wa: WhatsApp) -> None:
    await wa.send("reaction")
    await wa.answered("after the reaction")
    assert len(wa.graph.sent) == 1


async def test_a_duplicate_delivery_is_answered_once(wa: WhatsApp) -> None:
    wamid = next(wamids)
    await wa.say("only once", wamid=wamid)
    await wa.say("only once", wamid=wamid)
    image = await wa.send("image")
    await wa.send("image", wamid=image)
    await wa.answered("marker")
    assert [r["message"] for r in wa.rasa.received] == ["only once", "marker"]
    assert sum("echo: only once" in r.text for r in wa.graph.sent) == 1
    notice = MESSAGES.get("non_text_input", "ar").text  # "only once" made the conversation Arabic
    assert sum(notice in r.text for r in wa.graph.sent) == 1


async def test_one_persons_messages_are_answered_in_order(wa: WhatsApp) -> None:
    for n in range(5):
        await wa.say(f"message {n}")
    await wa.say("to someone else", wa_id=OTHER_WA_ID)
    replies = await wa.replies(5)
    assert [r.body["interactive"]["body"]["text"] for r in replies] == [
        f"echo: message {n}" for n in range(5)
    ]
    await wa.replies(1, OTHER_WA_ID)


# --- buttons and lists ------------------------------------------------------------------------------

TOPICS = [
    ("Sprache und Integrationskurse", '/show_topic{"topic":"sprache"}'),
    ("Jobcenter", '/show_topic{"topic":"jobcenter"}'),
    ("Wohnen", '/show_topic{"topic":"wohnen"}'),
    ("Aufenthalt und Ausländerbehörde", '/show_topic{"topic":"aufenthalt"}'),
    ("Asyl", '/show_topic{"topic":"asyl"}'),
    ("Beratung", '/show_topic{"topic":"beratung"}'),
]


async def test_a_button_round_trip(wa: WhatsApp) -> None:
    wa.rasa.buttons = TOPICS[:3]
    await wa.say("Hallo")
    [reply] = await wa.replies(1)
    assert reply.body["interactive"]["type"] == "button"
    assert reply.options == [
        ('/show_topic{"topic":"sprache"}', "Sprache und Integra…"),
        ('/show_topic{"topic":"jobcenter"}', "Jobcenter"),
        ('/show_topic{"topic":"wohnen"}', "Wohnen"),
    ]
    button_id, title = reply.options[0]
    await wa.send("button_reply", BUTTON_ID=button_id, TITLE=title)
    await wa.replies(2)
    assert wa.rasa.received[-1]["message"] == '/show_topic{"topic":"sprache"}'
    assert wa.graph.rejected == []


async def test_four_to_ten_options_become_a_list_and_a_row_comes_back_as_its_payload(wa: WhatsApp) -> None:
    wa.rasa.buttons = TOPICS
    await wa.say("Menü bitte")
    [reply] = await wa.replies(1)
    interactive = reply.body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"]["text"] == "echo: Menü bitte"
    assert interactive["action"]["button"] == MESSAGES.get("btn_menu", "ar").text  # the answer's language
    [section] = interactive["action"]["sections"]
    assert [row["id"] for row in section["rows"]] == [payload for _, payload in TOPICS]
    assert section["rows"][3] == {
        "id": '/show_topic{"topic":"aufenthalt"}',
        "title": "Aufenthalt und Auslände…",
        "description": "Aufenthalt und Ausländerbehörde",
    }
    await wa.send("list_reply", BUTTON_ID=section["rows"][4]["id"], TITLE=section["rows"][4]["title"])
    await wa.replies(2)
    assert wa.rasa.received[-1]["message"] == '/show_topic{"topic":"asyl"}'
    assert wa.graph.rejected == []


async def test_more_than_ten_options_are_all_offered_in_several_lists(wa: WhatsApp) -> None:
    languages = [(f"Sprache {n}", f'/set_language{{"language":"l{n}"}}') for n in range(15)]
    wa.rasa.buttons = languages
    await wa.say("/language")
    replies = await wa.replies(2)
    assert [len(r.options) for r in replies] == [8, 7]
    assert [i for r in replies for i, _ in r.options] == [payload for _, payload in languages]
    assert replies[1].body["interactive"]["body"]["text"] == "(2/2)"
    assert wa.graph.rejected == []


async def test_a_payload_too_long_for_a_button_id_travels_by_a_short_id(wa: WhatsApp) -> None:
    long_payload = '/show_topic{"topic":"' + "x" * 300 + '"}'
    wa.rasa.buttons = [("Lang", long_payload), ("Kurz", "/help")]
    await wa.say("lang")
    [reply] = await wa.replies(1)
    (short_id, title), _ = reply.options
    assert len(short_id) <= 256 and short_id != long_payload
    await wa.send("button_reply", BUTTON_ID=short_id, TITLE=title)
    # After a restart the short id is unknown: the title goes to the engine as text instead.
    await wa.send("button_reply", BUTTON_ID="ankommen:0123456789abcdef", TITLE="Jobcenter")
    await wa.replies(3)
    assert [r["message"] for r in wa.rasa.received[1:]] == [long_payload, "Jobcenter"]


async def test_a_template_quick_reply_sends_its_payload(wa: WhatsApp) -> None:
    await wa.send("template_button", BUTTON_ID="/help", TITLE="Menü")
    await wa.replies(1)
    assert wa.rasa.received[0]["message"] == "/help"


async def test_a_long_answer_is_split_under_the_limits(wa: WhatsApp) -> None:
    sentences = [
        f"Das ist Satz Nummer {n}, und er erklärt etwas Wichtiges über Dortmund." for n in range(150)
    ]
    wa.rasa.text = " ".join(sentences)  # about 11,000 characters, with the "Menü" button
    await wa.say("lang bitte")
    await wa.graph.wait_for(lambda: any(r.body["type"] == "interactive" for r in wa.graph.sent))
    replies = wa.graph.to(WA_ID)
    assert [r.body["type"] for r in replies] == ["text", "text", "text", "interactive"]
    pieces = [r.body["text"]["body"] for r in replies[:-1]] + [
        replies[-1].body["interactive"]["body"]["text"]
    ]
    assert all(len(p) <= 4096 for p in pieces[:-1]) and len(pieces[-1]) <= 1024
    assert all(p.endswith("Dortmund.") for p in pieces)  # cut between sentences
    assert " ".join(pieces) == wa.rasa.text
    assert wa.graph.rejected == []


# --- retries ----------------------------------------------------------------------------------------


async def test_429_is_retried_after_retry_after(wa: WhatsApp) -> None:
    wa.graph.fail_next(429, retry_after="1")
    await wa.answered("busy")
    first, second = wa.graph.attempts
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95


@pytest.mark.parametrize("code", [130429, 80007, 131056], ids=["throughput", "account", "pair-6s"])
async def test_graph_rate_limit_errors_are_retried(wa: WhatsApp, code: int) -> None:
    wa.graph.fail_next(400, code=code)
    await wa.answered("rate limited")
    first, second = wa.graph.attempts
    assert (first.status, second.status) == (400, 200)
    if code == 131056:  # the pair limit: about one message every 6 seconds to the same person
        assert second.at - first.at >= 5.9


async def test_5xx_is_retried_with_growing_backoff(wa: WhatsApp) -> None:
    wa.graph.fail_next(503, times=2)
    await wa.answered("flaky")
    first, second, third = wa.graph.attempts
    assert [a.status for a in (first, second, third)] == [503, 503, 200]
    assert second.at - first.at >= 0.2 and third.at - second.at >= 0.45


async def test_other_errors_are_given_up_without_harm(wa: WhatsApp) -> None:
    wa.graph.fail_next(400, code=131047)  # outside the 24-hour window: not retried
    await wa.say("first")
    wa.graph.fail_next(500, times=4)  # four attempts, then given up
    await wa.say("second")
    await wa.graph.wait_for(lambda: len(wa.graph.attempts) == 5)
    await wa.answered("third")
    assert [a.status for a in wa.graph.attempts] == [400, 500, 500, 500, 500, 200]


# --- late answers -----------------------------------------------------------------------------------


async def test_an_answer_that_comes_late_is_delivered_to_the_whatsapp_number(wa: WhatsApp) -> None:
    wa.rasa.mode = "error"
    await wa.say("while the engine is down")
    [down] = await wa.replies(1)
    assert down.body["interactive"]["body"]["text"] == MESSAGES.get("technical_problem", "de").text
    wa.rasa.mode = "ok"
    for delivery in await wa.client.app[SERVICE].retry_failed():
        await deliver_late(wa.client.app, delivery)
    late = (await wa.replies(2))[1]
    assert late.body["interactive"]["body"]["text"] == "echo: while the engine is down"


# --- rendering --------------------------------------------------------------------------------------


def test_split_text_prefers_paragraphs_then_sentences_then_words() -> None:
    assert split_text("short") == ["short"]
    assert split_text("  ") == []
    text = "a" * 30 + "\n\n" + "b" * 30 + ". " + "c" * 30
    assert split_text(text, 70) == ["a" * 30 + "\n\n" + "b" * 30 + ".", "c" * 30]
    assert split_text(text, 40) == ["a" * 30, "b" * 30 + ".", "c" * 30]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("مرحبا بك. " * 100, 100)[0].endswith(".")


def test_titles_are_shortened_with_an_ellipsis_and_kept_distinct() -> None:
    assert shorten("  Jobcenter ", 20) == "Jobcenter"
    assert shorten("Integrationskurs und Sprache", 20) == "Integrationskurs un…"
    message = BotMessage("Wähle", (Button("Integrationskurs A1", "/a"), Button("Integrationskurs A1", "/b")))
    [payload] = render(message, PayloadIds(), "Menü")
    titles = [b["reply"]["title"] for b in payload["interactive"]["action"]["buttons"]]
    assert len(set(titles)) == 2 and all(len(t) <= 20 for t in titles)


def test_equal_payloads_become_one_option() -> None:
    message = BotMessage("Wähle", (Button("Menü", "/help"), Button("Menü", "/help")))
    [payload] = render(message, PayloadIds(), "Menü")
    assert len(payload["interactive"]["action"]["buttons"]) == 1


@pytest.mark.postgres
async def test_a_stopped_database_gets_a_clear_answer_and_the_message_is_not_half_handled(
    postgres_schema_url: str,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    from tests.helpers.tcp_proxy import TcpProxy

    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    graph, rasa = FakeGraph(), ScriptedRasa()
    graph_url = str((await aiohttp_server(graph.app())).make_url("")).rstrip("/")
    rasa_url = str((await aiohttp_server(rasa.app())).make_url("")).rstrip("/")
    database = postgres_schema_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    app = create_app(settings_for(database, rasa_url, WHATSAPP_API_URL=graph_url, **ENV))
    wa = WhatsApp(await aiohttp_client(app), graph, rasa)
    await wa.answered("before")

    await proxy.stop()  # PostgreSQL "stops" under the running gateway
    await wa.say("while the database is down")
    replies = await wa.replies(2)  # the answer to "before", then the notice
    assert MESSAGES.get("storage_unavailable", "de").text in replies[-1].text
    assert [r["message"] for r in rasa.received] == ["before"]  # nothing unstored reached the engine
