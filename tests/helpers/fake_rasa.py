"""A fake of Rasa's REST channel on a local port: it records what it receives and answers as told.

Only for gateway tests; the end-to-end tests run the real engine.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

META = {
    "route": "answer",
    "language": "ar",
    "topic": "sprache",
    "entry": "sprache_deutschkurs",
    "confidence": 0.91,
    "machine_translation": True,
}


class FakeRasa:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.mode = "ok"  # ok | error | empty | garbage
        self.replaced: dict[str, list[Any]] = {}  # PUT /conversations/{id}/tracker/events

    def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        sender = body["sender"]
        return [
            {
                "recipient_id": sender,
                "text": f"echo: {body['message']}",
                "buttons": [{"title": "Menü", "payload": "/help"}],
            },
            {"recipient_id": sender, "custom": {"ankommen": META}},
        ]

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(body)
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "empty":
            return web.json_response([])
        if self.mode == "garbage":
            return web.Response(text="<html>")
        return web.json_response(self.answer(body))

    async def replace_events(self, request: web.Request) -> web.Response:
        self.replaced[request.match_info["sender"]] = await request.json()
        return web.json_response({"sender_id": request.match_info["sender"], "events": []})

    async def root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/", self.root)
        app.router.add_put("/conversations/{sender}/tracker/events", self.replace_events)
        return app
