"""The ``ankommen`` command: ``run``, ``ask``, ``lang``, ``kb``, ``bookings`` and ``db``.

``ask`` and ``lang`` are public contracts (shared/DESIGN.md): benchmarks and evaluations read their
JSON lines, so their output fields stay stable.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_URL = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"


class InputError(ValueError):
    """A stdin line that is not what --jsonl promises."""


def _lines(jsonl: bool) -> list[tuple[str, str | None]]:
    """stdin as (text, client language) pairs; a malformed JSON line raises :class:`InputError`."""
    items: list[tuple[str, str | None]] = []
    for number, raw in enumerate(sys.stdin, start=1):
        line = raw.rstrip("\n")
        if not jsonl:
            items.append((line, None))
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number} is not JSON ({exc.msg})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("text", ""), str):
            raise InputError(f'line {number} must be an object like {{"text": "...", "language": "de"}}')
        language = data.get("language")
        items.append((data.get("text", ""), language if isinstance(language, str) else None))
    return items


def ask_one(url: str, text: str, language: str | None) -> dict[str, Any]:
    """Send one message as a new conversation through the gateway; return the contract's JSON object."""
    body = {
        "session": "ask-" + secrets.token_hex(12),
        "text": text,
        "message_id": secrets.token_hex(8),
        "language": language,
    }
    request = urllib.request.Request(  # noqa: S310 - the operator's URL
        f"{url.rstrip('/')}/api/chat",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - the operator's URL
            data = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        data = {"messages": [], "meta": None, "error": json.loads(exc.read() or b"{}").get("message")}
    meta = data.get("meta") or {}
    return {
        "text": text,
        "language": meta.get("language"),
        "route": meta.get("route", "other"),
        "topic": meta.get("topic"),
        "entry": meta.get("entry"),
        "confidence": float(meta.get("confidence") or 0.0),
        "replies": [m["text"] for m in data.get("messages", [])],
    }


def cmd_ask(args: argparse.Namespace) -> int:
    try:
        urllib.request.urlopen(f"{args.url.rstrip('/')}/healthz", timeout=5).close()  # noqa: S310
    except (urllib.error.URLError, OSError):
        print(
            f"No Ankommen gateway answers at {args.url}. Start the bot first with `make run` "
            "(or pass --url).",
            file=sys.stderr,
        )
        return 2
    for text, language in _lines(args.jsonl):
        print(json.dumps(ask_one(args.url, text, language), ensure_ascii=False), flush=True)
    return 0


def cmd_lang(args: argparse.Namespace) -> int:
    from nlu.langdetect import detect

    for text, language in _lines(args.jsonl):
        result = detect(text, client_language=language)
        print(
            json.dumps(
                {"text": text, "language": result.language, "confidence": result.confidence},
                ensure_ascii=False,
            ),
            flush=True,
        )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run

    return run(args.gateway_port, args.rasa_port, args.actions_port, args.model)


def cmd_booking(args: argparse.Namespace) -> int:
    from booking import cli

    return cli.cmd_bookings(args) if args.command == "bookings" else cli.cmd_db(args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["kb"]:
        from knowledge.cli import main as kb_main

        return kb_main(argv[1:])
    parser = argparse.ArgumentParser(prog="ankommen", description="Ankommen, the newcomers' chatbot.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="send each stdin line as a new conversation; print JSON per line")
    ask.add_argument("--url", default=DEFAULT_URL, help=f"the gateway (default {DEFAULT_URL})")
    ask.add_argument("--jsonl", action="store_true", help='read {"text", "language"} JSON lines')
    lang = sub.add_parser("lang", help="detect the language of each stdin line (no stack needed)")
    lang.add_argument("--jsonl", action="store_true", help='read {"text", "language"} JSON lines')
    run = sub.add_parser("run", help="start the engine, the action server and the gateway")
    run.add_argument("--gateway-port", type=int, default=int(os.environ.get("GATEWAY_PORT", 8080)))
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument(
        "--model", type=Path, default=None, help="model archive (default: the newest in models/)"
    )
    sub.add_parser("kb", help="knowledge base: build, check, report (see `ankommen kb --help`)")
    from booking.cli import add_parsers

    add_parsers(sub)
    args = parser.parse_args(argv)
    commands = {"ask": cmd_ask, "lang": cmd_lang, "run": cmd_run, "bookings": cmd_booking, "db": cmd_booking}
    try:
        return commands[args.command](args)
    except InputError as exc:
        print(f"ankommen {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
