"""`rasa test nlu` cross-validation on the training data (nlu/): intent accuracy, precision and F1.

Trains the NLU pipeline once per fold on 2 cores and classifies every training question of the other folds
and of its own (Rasa reports both), each with its sentence embedding computed afresh: about 30 minutes for 3
folds. A benchmark, not a test.

Usage:
    python bench/nlu_crossval.py [--folds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runner import engine_env  # noqa: E402

RASA = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa")) / "bin" / "rasa"
FIGURE = re.compile(r"(train|test) (Accuracy|F1-score|Precision): ([0-9.]+) \(([0-9.]+)\)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    env = engine_env()
    with tempfile.TemporaryDirectory() as out:
        command = [
            str(RASA),
            "test",
            "nlu",
            "--nlu",
            "nlu",
            "--config",
            "config.yml",
            "--cross-validation",
            "--folds",
            str(args.folds),
            "--out",
            out,
        ]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    figures = FIGURE.findall(output)
    if result.returncode != 0 or not figures:
        print(output[-4000:], file=sys.stderr)
        return 1
    print(f"rasa test nlu, {args.folds}-fold cross-validation (intents; mean and standard deviation)")
    print(f"{'split':<6}{'measure':<11}{'mean':>8}{'sd':>8}")
    seen = set()
    for split, measure, mean, sd in figures:
        if (split, measure) not in seen:  # intents come first; entity figures follow
            seen.add((split, measure))
            print(f"{split:<6}{measure:<11}{float(mean):>8.3f}{float(sd):>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
