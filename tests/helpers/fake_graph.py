"""A fake of Meta's side of WhatsApp: the Graph API's ``/{phone_number_id}/messages`` and signed webhooks.

:class:`FakeGraph` is a small aiohttp app on a local port. It records every message and read receipt it
gets, refuses what the real Graph API refuses (wrong token, over-long titles, too many buttons: error
131009), and fails the next sends on request (``fail_next``) to test retries. :func:`webhook` builds a
webhook body from the samples in ``tests/data/whatsapp`` and :func:`sign` signs it as Meta does.
:class:`GraphThread` runs the fake on its own loop for the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "whatsapp"
PHONE_NUMBER_ID = "109876543210987"
ACCESS_TOKEN = "test-graph-access-token"


def webhook(sample: str, **values: str) -> bytes:
    """A webhook body from ``tests/data/whatsapp/<sample>.json`` with ``"<KEY>"`` placeholders filled."""
    text = (SAMPLES / f"{sample}.json").read_text(encoding="utf-8")
    for key, value in {"PHONE_NUMBER_ID": PHONE_NUMBER_ID, **values}.items():
        text = text.replace(f'"<{key}>"', json.dumps(value, ensure_ascii=False))
    return text.encode()


def sign(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` header Meta sends: hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Received:
    """One POST to the fake: its JSON body, when it came (perf_counter) and what the fake answered."""

    body: dict[str, Any]
    at: float
    status: int

    @property
    def to(self) -> str | None:
        return self.body.get("to")

    @property
    def text(self) -> str:
        """What the person sees: the text, or the interactive body with its options."""
        if self.body.get("type") == "text":
            return str(self.body["text"]["body"])
        interactive = self.body.get("interactive", {})
        action = interactive.get("action", {})
        options = [b["reply"]["title"] for b in action.get("buttons", [])]
        options += [r["title"] for s in action.get("sections", []) for r in s["rows"]]
        return "\n".join([interactive.get("body", {}).get("text", ""), *options])

    @property
    def options(self) -> list[tuple[str, str]]:
        """(id, title) of the reply buttons or list rows."""
        action = self.body.get("interactive", {}).get("action", {})
        found = [(b["reply"]["id"], b["reply"]["title"]) for b in action.get("buttons", [])]
        return found + [(r["id"], r["title"]) for s in action.get("sections", []) for r in s["rows"]]


def _problem(body: dict[str, Any]) -> str | None:
    """Why the real Graph API would refuse this message, or None."""
    if body.get("messaging_product") != "whatsapp" or not isinstance(body.get("to"), str):
        return "messaging_product and to are required"
    if body.get("type") == "text":
        text = body.get("text", {}).get("body", "")
        return None if 0 < len(text) <= 4096 else "text.body must have 1 to 4096 characters"
    interactive = body.get("interactive", {})
    if body.get("type") != "interactive" or interactive.get("type") not in ("button", "list"):
        return "unsupported message type"
    if not 0 < len(interactive.get("body", {}).get("text", "")) <= 1024:
        return "interactive.body.text must have 1 to 1024 characters"
    action = interactive.get("action", {})
    if interactive["type"] == "button":
        options = [(b["reply"]["id"], b["reply"]["title"], "") for b in action.get("buttons", [])]
        id_limit, title_limit, count = 256, 20, 3
    else:
        sections = action.get("sections", [])
        if not 0 < len(action.get("button", "")) <= 20 or not 0 < len(sections) <= 10:
            return "a list needs a button label of 1 to 20 characters and 1 to 10 sections"
        if any(len(s.get("title", "")) > 24 for s in sections) or (
            len(sections) > 1 and not all(s.get("title") for s in sections)
        ):
            return "section titles have at most 24 characters"
        options = [(r["id"], r["title"], r.get("description", "")) for s in sections for r in s["rows"]]
        id_limit, title_limit, count = 200, 24, 10
    ids, titles = [o[0] for o in options], [o[1] for o in options]
    if not 0 < len(options) <= count or len(set(ids)) < len(ids) or len(set(titles)) < len(titles):
        return f"1 to {count} options with distinct ids and titles"
    if any(not 0 < len(i) <= id_limit or i != i.strip() for i in ids):
        return f"option ids have 1 to {id_limit} characters"
    if any(not 0 < len(t) <= title_limit for t in titles) or any(len(o[2]) > 72 for o in options):
        return f"option titles have 1 to {title_limit} characters, descriptions at most 72"
    return None


@dataclass
class FakeGraph:
    """The Graph API's messages endpoint for one phone number id, recording what it gets."""

    phone_number_id: str = PHONE_NUMBER_ID
    access_token: str = ACCESS_TOKEN
    attempts: list[Received] = field(default_factory=list)  # every message send, refused ones too
    reads: list[Received] = field(default_factory=list)  # read receipts
    rejected: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # refused as invalid
    delay: float = 0.0  # seconds the fake takes to answer a send

    def __post_init__(self) -> None:
        self._failures: deque[tuple[int, dict[str, Any], dict[str, str]]] = deque()
        self._changed = threading.Condition()
        self._events: list[asyncio.Event] = []
        self._ids = itertools.count(1)

    @property
    def sent(self) -> list[Received]:
        """Messages accepted (HTTP 200), in the order they came."""
        with self._changed:
            return [r for r in self.attempts if r.status == 200]

    def to(self, wa_id: str) -> list[Received]:
        return [r for r in self.sent if r.to == wa_id]

    def fail_next(
        self, status: int, code: int | None = None, retry_after: str | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` message sends with this error (read receipts are not affected)."""
        error = {"error": {"message": "scripted failure", "type": "OAuthException", "code": code or status}}
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._failures.extend([(status, error, headers)] * times)

    async def messages(self, request: web.Request) -> web.Response:
        at = time.perf_counter()
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.json_response(
                {"error": {"message": "Invalid OAuth access token", "code": 190}}, status=401
            )
        if request.match_info["phone_number_id"] != self.phone_number_id:
            return web.json_response(
                {"error": {"message": "Unknown phone number id", "code": 100}}, status=400
            )
        body = await request.json()
        if body.get("status") == "read":
            self._record(self.reads, Received(body, at, 200))
            return web.json_response({"success": True})
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._failures:
            status, error, headers = self._failures.popleft()
            self._record(self.attempts, Received(body, at, status))
            return web.json_response(error, status=status, headers=headers)
        problem = _problem(body)
        if problem is not None:
            self.rejected.append((body, problem))
            self._record(self.attempts, Received(body, at, 400))
            error = {"message": "(#131009) Parameter value is not valid", "code": 131009, "details": problem}
            return web.json_response({"error": error}, status=400)
        self._record(self.attempts, Received(body, at, 200))
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": f"wamid.fake{next(self._ids)}"}],
            }
        )

    def _record(self, into: list[Received], received: Received) -> None:
        with self._changed:
            into.append(received)
            self._changed.notify_all()
        for event in self._events:
            event.set()

    async def wait_for(self, done: Callable[[], bool], timeout: float = 15.0) -> None:
        """Wait (in the fake's own loop) until ``done()``; fail after ``timeout`` seconds."""
        event = asyncio.Event()
        self._events.append(event)

        async def until_done() -> None:
            while True:
                event.clear()
                if done():
                    return
                await event.wait()

        try:
            await asyncio.wait_for(until_done(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(
                f"the fake Graph API did not get what was expected within {timeout} s"
            ) from None
        finally:
            self._events.remove(event)

    def wait_sync(self, done: Callable[[], bool], timeout: float = 60.0) -> None:
        """The same from another thread (the fake runs in a :class:`GraphThread`)."""
        with self._changed:
            if not self._changed.wait_for(done, timeout):
                raise AssertionError(f"the fake Graph API did not get what was expected within {timeout} s")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{phone_number_id}/messages", self.messages)
        return app


class GraphThread:
    """Runs a :class:`FakeGraph` on 127.0.0.1 (a free port) in a thread of its own: ``with ... as url``."""

    def __init__(self, fake: FakeGraph, port: int = 0) -> None:
        self.fake = fake
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-graph", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self.fake.app(), access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

    def __enter__(self) -> str:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Graph API did not start")
        return self.url

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
