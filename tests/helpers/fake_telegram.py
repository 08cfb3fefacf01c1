"""A fake Telegram Bot API on a local port, for the real python-telegram-bot to talk to.

It serves ``/bot<token>/<method>`` for the methods the gateway uses, records every call, hands out
queued updates through ``getUpdates`` honouring ``offset`` (an update below the offset is confirmed and
gone, as on Telegram), and can be told to answer the next ``sendMessage`` calls with 429 or 502. An
unknown method answers 404 and is kept in ``unknown``, so a test can fail on any unexpected call.

Unit tests serve ``app()`` with pytest-aiohttp; end-to-end tests use :class:`FakeTelegramThread`, which
runs it on its own event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-fake-telegram-token"
BOT = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Ankommen",
    "username": "AnkommenTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope", "link_preview_options"}
ANSWERS: dict[str, Any] = {
    "answerCallbackQuery": True,
    "setMyCommands": True,
    "sendChatAction": True,
    "deleteWebhook": True,
    "close": True,
    "logOut": True,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 200


class FakeTelegram:
    """The fake Bot API's state: queued updates, recorded calls, failures to inject."""

    def __init__(self, token: str = TOKEN, poll_seconds: float = 0.5, batch: int = 100) -> None:
        self.token = token
        self.poll_seconds = poll_seconds  # the longest a getUpdates call waits (Telegram: `timeout`)
        self.batch = batch  # the most updates one getUpdates call returns
        self.url = ""  # ".../bot", for TELEGRAM_API_URL; set by whoever serves app()
        self.calls: list[Call] = []
        self.unknown: list[str] = []
        self.pending: list[dict[str, Any]] = []  # updates not yet confirmed
        self.webhook: dict[str, Any] = {}
        self._failures: list[int] = []  # statuses for the next sendMessage calls
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)

    # --- what tests use -----------------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates (all at once, so they can arrive in one batch)."""
        with self._lock:
            self.pending.extend(updates)

    def fail_next_sends(self, status: int, count: int = 1) -> None:
        """Answer the next ``count`` sendMessage calls with 429 (retry_after 1) or another status."""
        with self._lock:
            self._failures.extend([status] * count)

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The sendMessage calls that succeeded (to ``chat_id``), their parameters."""
        return [
            c.params
            for c in self.of("sendMessage")
            if c.status == 200 and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    async def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.summary()}")
            await asyncio.sleep(0.02)

    def wait_for_sync(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.summary()}")
            time.sleep(0.05)

    def summary(self) -> list[str]:
        with self._lock:
            return [f"{c.method}:{c.status}" for c in self.calls[-30:]]

    # --- update factories, shaped like Telegram's ------------------------------------------------

    def _user(self, user_id: int, language: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language:
            user["language_code"] = language
        return user

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        language: str | None = "de",
        chat_type: str = "private",
        user_id: int | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """A ``message`` update; ``content`` holds non-text parts (``voice={...}``, ``location={...}``)."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Test"
        else:
            chat["title"] = "A group"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(user_id or abs(chat_id), language),
            **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._update_ids), "message": message}

    def tap(self, chat_id: int, data: str, *, language: str | None = "de") -> dict[str, Any]:
        """A ``callback_query`` update: the person tapped an inline button with ``data``."""
        bot_message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": BOT,
            "text": "Choose:",
        }
        query = {
            "id": f"cb-{next(self._message_ids)}",
            "from": self._user(chat_id, language),
            "chat_instance": "instance-1",
            "data": data,
            "message": bot_message,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    # --- the Bot API --------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        params: dict[str, Any] = {}
        for name, value in form.items():
            params[name] = json.loads(str(value)) if name in JSON_FIELDS else str(value)
        return params

    def _record(self, method: str, params: dict[str, Any], status: int = 200) -> None:
        with self._lock:
            self.calls.append(Call(method, params, status=status))

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        result: Any
        if method == "getMe":
            result = BOT
        elif method == "setWebhook":
            self.webhook = params
            result = True
        elif method == "getWebhookInfo":
            result = {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        elif method in ANSWERS:
            result = ANSWERS[method]
            if method == "deleteWebhook":
                self.webhook = {}
        else:
            self.unknown.append(method)
            self._record(method, params, 404)
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        self._record(method, params)
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = min(int(params.get("limit") or 100), self.batch)
        wait = min(float(params.get("timeout") or 0), self.poll_seconds)
        self._record("getUpdates", params)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self.pending = [u for u in self.pending if u["update_id"] >= offset]  # confirmed: gone
                ready = self.pending[:limit]
            if ready or time.monotonic() >= deadline:
                return web.json_response({"ok": True, "result": ready})
            await asyncio.sleep(0.02)  # the fake's own long poll, not a test's wait

    def _send_message(self, params: dict[str, Any]) -> web.Response:
        with self._lock:
            status = self._failures.pop(0) if self._failures else 200
        self._record("sendMessage", params, status)
        if status == 429:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        if status != 200:
            return web.json_response(
                {"ok": False, "error_code": status, "description": "Bad Gateway"}, status=status
            )
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "A group"},
            "from": BOT,
            "text": params.get("text", ""),
        }
        return web.json_response({"ok": True, "result": message})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        return app


class FakeTelegramThread:
    """The fake on its own event loop in a background thread (for end-to-end tests)."""

    def __init__(self, fake: FakeTelegram | None = None) -> None:
        self.fake = fake or FakeTelegram()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    async def _start(self) -> str:
        self._runner = web.AppRunner(self.fake.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        self.fake.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self.fake

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
