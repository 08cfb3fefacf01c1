"""``/healthz`` for load balancers and the runner, ``/metrics`` for Prometheus (no personal data)."""

from __future__ import annotations

from aiohttp import web

from bot.state import CHANNELS, DATABASE, RASA, SERVICE


async def healthz(request: web.Request) -> web.Response:
    database = await request.app[DATABASE].ping()
    engine = await request.app[RASA].healthy()
    body = {"gateway": "ok", "database": "ok" if database else "down", "engine": "ok" if engine else "down"}
    for name, channel in request.app[CHANNELS].items():
        ready = getattr(channel, "ready", None)  # an asyncio.Event while the channel connects
        body[name] = "ok" if ready is None or ready.is_set() else "connecting"
    return web.json_response(body, status=200 if database else 503)


async def metrics(request: web.Request) -> web.Response:
    lines = ["# TYPE ankommen_messages_total counter"]
    for (channel, kind), count in sorted(request.app[SERVICE].counters.items()):
        lines.append(f'ankommen_messages_total{{channel="{channel}",kind="{kind}"}} {count}')
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def setup_health(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
