"""Time per booking step through the real stack: engine, action server, gateway and database.

N people, one after the other, each book a MigraDo appointment in the web chat (POST /api/chat, as the
page sends it) and then see, move and cancel it. Every step is one message and its whole answer; the
table shows p50 / p95 / max in milliseconds per step over the N bookings. Not part of the tests.

Usage:
    python bench/booking.py                     # starts the stack (about 30-60 s) on a temporary SQLite file
    python bench/booking.py --bookings 50 --database-url postgresql://postgres@127.0.0.1:5432/test
    python bench/booking.py --url http://127.0.0.1:8080   # a running stack (`make run`)
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runner import Stack, newest_model  # noqa: E402

#: (step, what is sent): text, or a button found by the start of its payload ("@prefix").
STEPS: tuple[tuple[str, str], ...] = (
    ("start (typed 'Termin')", "Ich brauche einen Termin"),
    ("topic button", '@/booking_choice{"choice":"topic-'),
    ("language button", '@/booking_choice{"choice":"lang-de"}'),
    ("later (3 more slots)", '@/booking_choice{"choice":"later"}'),
    ("slot button", '@/booking_choice{"choice":"slot-'),
    ("name (typed)", "A. K."),
    ("phone (typed)", "0231 1234567"),
    ("confirm = book", '@/booking_choice{"choice":"yes"}'),
    ("my appointment", "mein Termin"),
    ("reschedule: offer", "@/reschedule_appointment"),
    ("reschedule: pick", '@/reschedule_appointment{"choice":"slot-'),
    ("cancel: ask", "Termin absagen"),
    ("cancel: confirm", '@/cancel_appointment{"choice":"ref-'),
)


def post(url: str, session: str, text: str) -> dict[str, Any]:
    body = json.dumps({"session": session, "text": text, "message_id": secrets.token_hex(8)}).encode()
    request = urllib.request.Request(
        f"{url}/api/chat", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return dict(json.loads(response.read()))


def one_booking(url: str, timings: dict[str, list[float]]) -> None:
    session = "bench-" + secrets.token_hex(8)
    reply: dict[str, Any] = {"messages": []}
    for step, send in STEPS:
        if send.startswith("@"):
            buttons = [b["payload"] for m in reply["messages"] for b in m["buttons"]]
            found = [p for p in buttons if p.startswith(send[1:])]
            if not found:
                raise RuntimeError(f"step {step!r}: no button {send[1:]!r} in {buttons}")
            send = found[0]
        started = time.perf_counter()
        reply = post(url, session, send)
        timings[step].append((time.perf_counter() - started) * 1000)
        if reply.get("meta", {}).get("route") != "booking":
            raise RuntimeError(f"step {step!r}: answered on route {reply.get('meta')}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(timings: dict[str, list[float]]) -> str:
    lines = [f"{'step':<26} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}", "-" * 58]
    for step, _ in STEPS:
        values = timings[step]
        lines.append(
            f"{step:<26} {len(values):>4} {statistics.median(values):>8.0f} "
            f"{percentile(values, 95):>8.0f} {max(values):>8.0f}"
        )
    whole = [sum(t) for t in zip(*(timings[s] for s, _ in STEPS[:8]), strict=True)]
    lines.append(f"{'whole booking (8 steps)':<26} {len(whole):>4} {statistics.median(whole):>8.0f} "
                 f"{percentile(whole, 95):>8.0f} {max(whole):>8.0f}")  # fmt: skip
    return "\n".join(lines)


def measure(url: str, bookings: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    one_booking(url, defaultdict(list))  # warm-up: first calls load models and open connections
    for n in range(bookings):
        one_booking(url, timings)
        print(f"  booking {n + 1}/{bookings} done", file=sys.stderr, flush=True)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=20, help="how many people book one after another")
    parser.add_argument("--url", help="a running gateway (else the stack is started here)")
    parser.add_argument("--database-url", help="for the started stack (default: a temporary SQLite file)")
    parser.add_argument("--model", type=Path, help="for the started stack (default: the newest in models/)")
    args = parser.parse_args()
    if args.url:
        timings = measure(args.url.rstrip("/"), args.bookings)
    else:
        with tempfile.TemporaryDirectory() as data:
            env = {
                "DATABASE_URL": args.database_url or f"sqlite:///{data}/bench.db",
                "PSEUDONYM_KEY": secrets.token_hex(32),
                "RASA_TIMEOUT": "60",
            }
            print("starting the engine, the action server and the gateway...", file=sys.stderr, flush=True)
            with Stack.on_free_ports(model=args.model or newest_model(), env=env) as stack:
                timings = measure(stack.gateway_url, args.bookings)
    print(table(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
