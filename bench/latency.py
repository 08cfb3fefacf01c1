"""Latency and throughput of the WhatsApp path, against Rasa's REST endpoint alone.

N simulated people each send the same short German conversation through the WhatsApp webhook (signed as
Meta signs it) and wait for the whole answer at a fake Graph API in this process. End-to-end latency is
from sending the webhook to the last message of the answer arriving at the fake; throughput is messages
answered per second of wall time. The same conversations then go straight to Rasa's REST channel
(``POST /webhooks/rest/webhook``), so the gateway's overhead shows as a ratio. Not part of the tests.

Usage:
    python bench/latency.py                       # starts the stack (about 30 s) with a SQLite database
    python bench/latency.py --users 1,10,50 --messages 5 --database-url postgresql://...
    python bench/latency.py --url http://127.0.0.1:8080 --rasa-url http://127.0.0.1:5005 \\
        --graph-port 9999 --app-secret S   # a running stack whose WHATSAPP_API_URL is http://127.0.0.1:9999
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runner import Stack, free_port, newest_model  # noqa: E402
from tests.helpers.fake_graph import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraph, sign, webhook  # noqa: E402

SCRIPT = (
    "Hallo",
    "Wo finde ich einen Deutschkurs?",
    "Was macht das Jobcenter?",
    "Wie finde ich eine Wohnung?",
    "danke",
)
QUIET_SECONDS = 1.5  # calibration: no further message for this long means the answer is complete
TIMEOUT_SECONDS = 120.0


@dataclass
class Run:
    path: str
    users: int
    latencies: list[float]  # seconds, one per answered message
    wall: float  # seconds from the first message sent to the last answer
    errors: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


class Bench:
    def __init__(self, gateway: str, rasa: str, graph: FakeGraph, secret: str, messages: int) -> None:
        self.gateway, self.rasa, self.graph, self.secret = gateway, rasa, graph, secret
        self.script = [SCRIPT[i % len(SCRIPT)] for i in range(messages)]
        self.bubbles: list[int] = []  # messages per answer, for each step of the script
        self.session: aiohttp.ClientSession

    async def webhook(self, wa_id: str, text: str) -> None:
        body = webhook("text", WA_ID=wa_id, WAMID="wamid.bench" + secrets.token_hex(12), TEXT=text)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(self.secret, body)}
        async with self.session.post(f"{self.gateway}/webhooks/whatsapp", data=body, headers=headers) as r:
            if r.status != 200:
                raise RuntimeError(f"the webhook answered HTTP {r.status}")

    async def received(self, wa_id: str, count: int) -> None:
        """Wait until ``count`` messages went to ``wa_id`` (AssertionError after the timeout)."""

        def done() -> bool:
            return len(self.graph.to(wa_id)) >= count

        await self.graph.wait_for(done, TIMEOUT_SECONDS)

    async def calibrate(self) -> None:
        """How many messages each answer of the script has (also warms the engine up)."""
        wa_id = "49" + str(secrets.randbelow(10**11)).zfill(11)
        for text in self.script:
            before = len(self.graph.to(wa_id))
            await self.webhook(wa_id, text)
            await self.received(wa_id, before + 1)
            count = -1
            while count != len(self.graph.to(wa_id)):
                count = len(self.graph.to(wa_id))
                await asyncio.sleep(QUIET_SECONDS)
            self.bubbles.append(count - before)

    async def whatsapp_user(self, latencies: list[float]) -> int:
        wa_id, expected, errors = "49" + str(secrets.randbelow(10**11)).zfill(11), 0, 0
        for text, bubbles in zip(self.script, self.bubbles, strict=True):
            expected += bubbles
            start = time.perf_counter()
            try:
                await self.webhook(wa_id, text)
                await self.received(wa_id, expected)
            except (AssertionError, RuntimeError, aiohttp.ClientError):
                errors += 1
                expected = len(self.graph.to(wa_id))
                continue
            latencies.append(self.graph.to(wa_id)[expected - 1].at - start)
        return errors

    async def rasa_user(self, latencies: list[float]) -> int:
        sender, errors = "bench-" + secrets.token_hex(8), 0
        for text in self.script:
            start = time.perf_counter()
            body = {"sender": sender, "message": text, "metadata": {}}
            try:
                async with self.session.post(f"{self.rasa}/webhooks/rest/webhook", json=body) as response:
                    if response.status != 200 or not await response.json():
                        raise RuntimeError(f"HTTP {response.status}")
            except (RuntimeError, aiohttp.ClientError, asyncio.TimeoutError):
                errors += 1
                continue
            latencies.append(time.perf_counter() - start)
        return errors

    async def run(self, path: str, users: int) -> Run:
        latencies: list[float] = []
        user = self.whatsapp_user if path == "WhatsApp webhook" else self.rasa_user
        start = time.perf_counter()
        errors = await asyncio.gather(*(user(latencies) for _ in range(users)))
        return Run(path, users, latencies, time.perf_counter() - start, sum(errors))


def table(runs: list[Run]) -> str:
    lines = [
        "| path | users | messages | p50 ms | p95 ms | p99 ms | messages/s | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r.path} | {r.users} | {len(r.latencies)} | {r.percentile(50) * 1000:.0f} | "
            f"{r.percentile(95) * 1000:.0f} | {r.percentile(99) * 1000:.0f} | {r.rate:.1f} | {r.errors} |"
        )
    lines += ["", "| users | gateway overhead p50 | p95 | throughput |", "| ---: | ---: | ---: | ---: |"]
    for users in sorted({r.users for r in runs}):
        wa, rasa = (next(r for r in runs if r.users == users and r.path == p) for p in PATHS)
        lines.append(
            f"| {users} | {wa.percentile(50) / rasa.percentile(50):.2f}× | "
            f"{wa.percentile(95) / rasa.percentile(95):.2f}× | {wa.rate / rasa.rate:.2f}× |"
        )
    return "\n".join(lines)


PATHS = ("WhatsApp webhook", "Rasa REST alone")


async def measure(args: argparse.Namespace, gateway: str, rasa: str, graph_port: int) -> list[Run]:
    graph = FakeGraph(phone_number_id=args.phone_number_id, access_token=args.access_token)
    runner = web.AppRunner(graph.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", graph_port).start()
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=0)
    bench = Bench(gateway, rasa, graph, args.app_secret, args.messages)
    runs = []
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as bench.session:
            await bench.calibrate()
            print(f"answers have {bench.bubbles} message(s); measuring...", file=sys.stderr, flush=True)
            for users in args.users:
                for path in PATHS:
                    runs.append(await bench.run(path, users))
                    print(f"  {path}, {users} users: done", file=sys.stderr, flush=True)
    finally:
        await runner.cleanup()
    if graph.rejected:
        print(f"warning: the fake Graph API refused {len(graph.rejected)} message(s)", file=sys.stderr)
    return runs


@contextlib.contextmanager
def own_stack(args: argparse.Namespace, graph_port: int) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as data:
        env = {
            "DATABASE_URL": args.database_url or f"sqlite:///{data}/bench.db",
            "PSEUDONYM_KEY": secrets.token_hex(32),
            "RASA_TIMEOUT": "60",
            "WHATSAPP_ACCESS_TOKEN": args.access_token,
            "WHATSAPP_APP_SECRET": args.app_secret,
            "WHATSAPP_VERIFY_TOKEN": "bench-verify-token",
            "WHATSAPP_PHONE_NUMBER_ID": args.phone_number_id,
            "WHATSAPP_API_URL": f"http://127.0.0.1:{graph_port}",
        }
        print("starting the engine, the action server and the gateway...", file=sys.stderr, flush=True)
        with Stack.on_free_ports(model=args.model or newest_model(), env=env) as stack:
            yield stack.gateway_url, stack.rasa_url


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", default="20", help="concurrent people, comma-separated (e.g. 1,10,50)")
    parser.add_argument("--messages", type=int, default=5, help="messages each person sends")
    parser.add_argument("--url", help="a running gateway (else the stack is started here)")
    parser.add_argument("--rasa-url", help="that stack's engine (required with --url)")
    parser.add_argument("--graph-port", type=int, help="where that gateway's WHATSAPP_API_URL points")
    parser.add_argument("--app-secret", default="bench-app-secret")
    parser.add_argument("--phone-number-id", default=PHONE_NUMBER_ID)
    parser.add_argument("--access-token", default=ACCESS_TOKEN)
    parser.add_argument("--database-url", help="for the started stack (default: a temporary SQLite file)")
    parser.add_argument("--model", type=Path, help="for the started stack (default: the newest in models/)")
    args = parser.parse_args()
    args.users = [int(n) for n in args.users.split(",")]
    if args.url:
        if not (args.rasa_url and args.graph_port):
            parser.error("--url needs --rasa-url and --graph-port")
        runs = asyncio.run(measure(args, args.url.rstrip("/"), args.rasa_url.rstrip("/"), args.graph_port))
    else:
        graph_port = free_port()
        with own_stack(args, graph_port) as (gateway, rasa):
            runs = asyncio.run(measure(args, gateway, rasa, graph_port))
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
