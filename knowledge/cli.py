"""``ankommen kb build | check | report``: the content team's commands."""

from __future__ import annotations

import argparse
import sys

from knowledge.build import build
from knowledge.check import check
from knowledge.report import report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ankommen kb", description="Work with the knowledge base.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="generate Rasa training data into nlu/generated/")
    sub.add_parser("check", help="validate every entry; exit 1 on any problem")
    sub.add_parser("report", help="print coverage: entries x languages, machine or reviewed, stale entries")
    args = parser.parse_args(argv)

    if args.command == "build":
        intents = build()
        print(f"Wrote nlu/generated/ and domain.yml's intent block: {len(intents)} knowledge intents.")
        return 0
    if args.command == "check":
        problems = check()
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)." if problems else "Knowledge base OK.", file=sys.stderr)
        return 1 if problems else 0
    print(report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
