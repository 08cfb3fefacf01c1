"""How well the bot finds the right answer: the held-out questions, per language.

Two sets, each printed as its own table:
- ``tuning`` (tests/data/answers/, 649 questions): the classifier and its fallback threshold were chosen by
  these numbers, so they are optimistic;
- ``fresh`` (tests/data/answers-fresh/, 264 questions): written after that tuning by someone who saw only the
  entries' answers; nothing was chosen by it.

Each question goes through the gateway as its own new conversation (the same path as ``ankommen ask``)
and the reply's metadata is compared with the expected knowledge entry (or ``null`` for a question the
bot must not answer). The held-out questions are never training data: ``kb check`` would not see them,
so nothing stops a careless copy, but the content guide forbids it. Not part of the tests.

Columns, per language:
- right: the expected entry answered (or, for an out-of-scope question, no knowledge answer at all);
- route: the route was right (``answer`` for answerable questions, anything else for out-of-scope ones);
- topic: the answer's topic was the expected entry's topic (answerable questions only);
- wrong: a confident knowledge answer from the wrong entry (any answer to an out-of-scope question);
- fallback: the bot asked to rephrase or offered counselling instead of answering.

Usage:
    python bench/answers.py                  # starts the stack with the current model (about 30 s)
    python bench/answers.py --url http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runner import Stack, newest_model  # noqa: E402
from knowledge.loader import load_knowledge  # noqa: E402

HELDOUT = ROOT / "tests" / "data" / "answers"
SETS = {"tuning": HELDOUT, "fresh": ROOT / "tests" / "data" / "answers-fresh"}


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    expected: str | None


@dataclass(frozen=True)
class Outcome:
    question: Question
    route: str
    entry: str | None
    topic: str | None


def load_questions(folder: Path = HELDOUT) -> list[Question]:
    questions = []
    for path in sorted(folder.glob("heldout-*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            questions.append(Question(str(item["text"]), str(item["language"]), item.get("expected")))
    return questions


async def ask(session: aiohttp.ClientSession, url: str, question: Question) -> Outcome:
    body = {"session": "bench-" + secrets.token_hex(10), "text": question.text}
    async with session.post(f"{url}/api/chat", json=body) as response:
        data: dict[str, Any] = await response.json()
    meta = data.get("meta") or {}
    return Outcome(question, meta.get("route") or "other", meta.get("entry"), meta.get("topic"))


async def ask_all(url: str, questions: list[Question], concurrency: int = 4) -> list[Outcome]:
    limit = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(question: Question) -> Outcome:
            async with limit:
                return await ask(session, url, question)

        return list(await asyncio.gather(*(one(q) for q in questions)))


def score(outcomes: list[Outcome], topics: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per language (and "all"): the rates described in the module docstring, in percent."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.question.language].append(outcome)
        groups["all"].append(outcome)
    table = {}
    for language, items in groups.items():
        answerable = [o for o in items if o.question.expected]
        right = sum(
            (o.entry == o.question.expected) if o.question.expected else (o.route != "answer") for o in items
        )
        route = sum((o.route == "answer") == bool(o.question.expected) for o in items)
        topic = sum(o.topic == topics.get(o.question.expected or "") for o in answerable)
        wrong = sum(o.route == "answer" and o.entry != o.question.expected for o in items)
        fallback = sum(o.route == "fallback" for o in items)
        n = len(items)
        table[language] = {
            "n": n,
            "right": 100 * right / n,
            "route": 100 * route / n,
            "topic": 100 * topic / max(len(answerable), 1),
            "wrong": 100 * wrong / n,
            "fallback": 100 * fallback / n,
        }
    return table


def render(table: dict[str, dict[str, float]]) -> str:
    columns = ("n", "right", "route", "topic", "wrong", "fallback")
    lines = [f"{'language':<9}" + "".join(f"{c:>10}" for c in columns)]
    for language in sorted(table, key=lambda k: (k == "all", k)):
        row = table[language]
        cells = [f"{int(row['n']):>10}"] + [f"{row[c]:>9.1f}%" for c in columns[1:]]
        lines.append(f"{language:<9}" + "".join(cells))
    return "\n".join(lines)


@contextmanager
def gateway(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    with tempfile.TemporaryDirectory() as data:
        env = {"DATABASE_URL": f"sqlite:///{data}/bench.db", "PSEUDONYM_KEY": secrets.token_hex(32)}
        with Stack.on_free_ports(model=newest_model(), env=env) as stack:
            yield stack.gateway_url


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running gateway (default: start the stack)")
    parser.add_argument("--misses", action="store_true", help="also list every question answered wrongly")
    parser.add_argument(
        "--set", choices=[*SETS, "all"], default="all", help="which held-out set (default: all)"
    )
    args = parser.parse_args()
    chosen = list(SETS) if args.set == "all" else [args.set]
    sets = {name: load_questions(SETS[name]) for name in chosen}
    topics = {entry.id: entry.topic for entry in load_knowledge().entries.values()}
    for name, questions in sets.items():
        if not questions:
            print(f"no held-out questions in {SETS[name]}", file=sys.stderr)
            return 2
        unknown = sorted({q.expected for q in questions if q.expected and q.expected not in topics})
        if unknown:
            print(
                f"held-out questions expect entries that do not exist: {', '.join(unknown)}", file=sys.stderr
            )
            return 2
    with gateway(args.url) as url:
        results = {name: asyncio.run(ask_all(url, questions)) for name, questions in sets.items()}
    for name, outcomes in results.items():
        print(f"\n{name} set ({SETS[name].relative_to(ROOT)}, {len(outcomes)} questions)")
        print(render(score(outcomes, topics)))
        if args.misses:
            for o in outcomes:
                if (o.entry != o.question.expected) if o.question.expected else (o.route == "answer"):
                    print(
                        f"  {o.question.language} {o.question.text!r}: expected {o.question.expected}, "
                        f"got {o.route}/{o.entry}"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
