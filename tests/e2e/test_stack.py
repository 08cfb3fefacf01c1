"""End to end: the real engine, the real action server and the real gateway on free ports.

Nothing of ours is replaced here. The stack is the one `make run` starts (bot.runner.Stack), with the
model trained from the current data and a fresh SQLite database; messages go in through the web chat's
HTTP API exactly as the page sends them.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.runner import Stack
from knowledge.loader import load_knowledge
from nlu.languages import LANGUAGES
from tests.helpers.model import e2e_stack

pytestmark = [pytest.mark.e2e, pytest.mark.model]

ARABIC = range(0x0600, 0x0700)
CYRILLIC = range(0x0400, 0x0500)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with e2e_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def request(
    stack: Stack, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        stack.gateway_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def say(stack: Stack, session: str, text: str, language: str | None = None) -> dict[str, Any]:
    body = {"session": session, "text": text, "message_id": secrets.token_hex(8)}
    if language:
        body["language"] = language  # the page's browser language
    status, reply = request(stack, "POST", "/api/chat", body)
    assert status == 200, reply
    assert reply["messages"], reply
    for message in reply["messages"]:
        assert "Traceback" not in message["text"]
    return reply


def text_of(reply: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in reply["messages"])


def share(text: str, block: range) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(ord(c) in block for c in letters) / max(len(letters), 1)


def test_one_conversation_in_german_arabic_and_ukrainian(stack: Stack) -> None:
    session = "e2e-" + secrets.token_hex(8)

    german = say(stack, session, "Wo finde ich einen Deutschkurs?")
    assert german["meta"]["language"] == "de"
    assert german["meta"]["route"] == "answer"
    assert german["meta"]["entry"] == "sprache_deutschkurs"
    assert "Integrationskurs" in text_of(german)

    arabic = say(stack, session, "أين أجد دورة لغة؟")  # the person switches language mid-conversation
    assert arabic["meta"]["language"] == "ar"
    assert (arabic["meta"]["route"], arabic["meta"]["entry"]) == ("answer", "sprache_deutschkurs")
    assert share(text_of(arabic), ARABIC) > 0.5

    ukrainian = say(stack, session, "Де я можу знайти мовні курси?")
    assert ukrainian["meta"]["language"] == "uk"
    assert (ukrainian["meta"]["route"], ukrainian["meta"]["entry"]) == ("answer", "sprache_deutschkurs")
    assert share(text_of(ukrainian), CYRILLIC) > 0.5

    # A one-word greeting is too short to switch: the conversation stays in Ukrainian.
    hello = say(stack, session, "hallo")
    assert hello["meta"]["route"] == "greeting"
    assert hello["meta"]["language"] == "uk"


def test_the_language_menu_and_an_explicit_choice(stack: Stack) -> None:
    session = "e2e-" + secrets.token_hex(8)
    menu = say(stack, session, "/language")
    assert menu["meta"]["route"] == "language_choice"
    titles = [b["title"] for m in menu["messages"] for b in m["buttons"]]
    assert {"Deutsch", "العربية", "Українська"} <= set(titles)
    payload = next(b["payload"] for m in menu["messages"] for b in m["buttons"] if b["title"] == "Türkçe")
    chosen = say(stack, session, payload)
    assert chosen["meta"]["language"] == "tr"
    follow = say(stack, session, "Jobcenter Antrag")
    assert follow["meta"]["language"] == "tr"  # sticky: German-looking words do not switch back
    assert follow["meta"]["entry"] == "jobcenter_erste_schritte"


@pytest.mark.parametrize("language", [lang.code for lang in LANGUAGES])
def test_every_entry_is_answered_in_every_language_in_the_web_chat(stack: Stack, language: str) -> None:
    """The topic menu's buttons lead to every entry; the answer is the entry's own text in that language.

    Each entry in a conversation of its own, started by a page whose browser language is ``language``.
    """
    entries = list(load_knowledge().entries.values())

    def ask(intent: str) -> dict[str, Any]:
        return say(stack, "e2e-" + secrets.token_hex(8), f"/{intent}", language)

    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(ask, [entry.intent for entry in entries]))
    for entry, reply in zip(entries, replies, strict=True):
        assert (reply["meta"]["route"], reply["meta"]["entry"]) == ("answer", entry.id)
        assert reply["meta"]["language"] == language
        text = entry.text(language)
        assert text is not None, f"{entry.id} has no {language} text"
        assert text.answer.strip()[:40] in text_of(reply), (entry.id, language)
        assert reply["meta"]["machine_translation"] == text.machine


def test_a_question_about_ones_own_file_gets_no_general_answer(stack: Stack) -> None:
    session = "e2e-" + secrets.token_hex(8)
    reply = say(stack, session, "Hat das Jobcenter meine Unterlagen von letzter Woche schon bekommen?")
    assert reply["meta"]["route"] == "fallback"
    assert reply["meta"]["entry"] is None
    assert "Akte" in text_of(reply) and "MigraDo" in text_of(reply)
    assert "/book_appointment" in [b["payload"] for m in reply["messages"] for b in m["buttons"]]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("", "other"),
        ("Bitte helfen Sie mir. " * 500, "other"),
        ("😀😀🙏", None),
        ("今日は天気がいいですね", None),
    ],
    ids=["empty", "10000-chars", "emoji-only", "unsupported-language"],
)
def test_bad_input_gets_a_short_polite_answer(stack: Stack, text: str, route: str | None) -> None:
    reply = say(stack, "e2e-" + secrets.token_hex(8), text)
    assert reply["meta"]["language"] in {"de", "en"}  # the best language we have for an unknown one
    assert len(text_of(reply)) < 1000
    if route:
        assert reply["meta"]["route"] == route


def test_a_stopped_engine_gets_a_polite_answer_and_the_message_is_answered_later(stack: Stack) -> None:
    session = "e2e-" + secrets.token_hex(8)
    assert say(stack, session, "Wo finde ich einen Deutschkurs?")["meta"]["language"] == "de"

    engine = stack.processes["engine"]
    engine.stop()
    since = dt.datetime.now(dt.timezone.utc).isoformat()
    down = say(stack, session, "Was macht das Jobcenter?")
    assert down["meta"]["pending"] is True
    assert down["meta"]["language"] == "de"
    assert "technisches Problem" in text_of(down)
    status, health = request(stack, "GET", "/healthz")
    assert status == 200 and health["engine"] == "down"  # the gateway itself is still healthy

    engine.start()
    engine.wait_ready()
    deadline = time.monotonic() + 60
    late: list[dict[str, Any]] = []
    while not late and time.monotonic() < deadline:
        status, updates = request(
            stack, "GET", f"/api/chat/updates?session={session}&since={urllib.parse.quote(since)}"
        )
        assert status == 200
        late = [m for m in updates["messages"] if "technisches Problem" not in m["text"]]
        time.sleep(1)
    assert late, "the message sent while the engine was down was never answered"
    assert "Jobcenter" in late[0]["text"]
    assert say(stack, session, "danke")["meta"]["language"] == "de"


def test_delete_forgets_the_person_in_the_gateway_and_in_the_engine(stack: Stack) -> None:
    session = "e2e-" + secrets.token_hex(8)
    assert say(stack, session, "أين أجد دورة لغة؟")["meta"]["language"] == "ar"
    deleted = say(stack, session, "/delete")
    assert share(text_of(deleted), ARABIC) > 0.5  # confirmed in the person's language
    # The engine no longer knows the conversation: a short word starts again without the Arabic prior.
    again = say(stack, session, "Jobcenter")
    assert again["meta"]["language"] != "ar"
