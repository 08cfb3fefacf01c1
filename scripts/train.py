"""Train the Rasa model only when its inputs changed.

The model's name carries a fingerprint of everything training reads (config, domain, training data
and the engine's pinned versions), so `make run` and CI train once per change and reuse the model
otherwise. Standard library only: it runs before any virtualenv is trusted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runner import engine_env  # noqa: E402

INPUTS = ("config.yml", "domain.yml", "requirements/rasa.lock")
KEEP_MODELS = 3


def training_files(root: Path) -> list[Path]:
    """Every file `rasa train` reads, in a stable order."""
    files = [root / name for name in INPUTS]
    files += sorted((root / "nlu").rglob("*.yml"))
    files += sorted((root / "nlu").rglob("*.py"))  # the custom language component is part of the model
    return [f for f in files if f.is_file() and "__pycache__" not in f.parts]


def fingerprint(root: Path = ROOT) -> str:
    """A short hash of the training inputs' paths and contents."""
    digest = hashlib.sha256()
    for path in training_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"ankommen-{fingerprint(root)}.tar.gz"


def prune(models: Path, keep: Path) -> None:
    """Keep the newest few models so the folder does not grow without end."""
    old = sorted(models.glob("ankommen-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in [p for p in old if p != keep][KEEP_MODELS - 1 :]:
        path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--print-path", action="store_true", help="print the model path for the inputs and exit"
    )
    parser.add_argument("--force", action="store_true", help="train even if the model exists")
    args = parser.parse_args(argv)

    target = model_path()
    if args.print_path:
        print(target)
        return 0
    if target.exists() and not args.force:
        print(f"Model up to date: {target.relative_to(ROOT)}")
        return 0

    rasa = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa")) / "bin" / "rasa"
    if not rasa.exists():
        print(f"{rasa} is missing: run `make setup` first.", file=sys.stderr)
        return 1
    env = engine_env()
    command = [
        str(rasa),
        "train",
        "--data",
        "nlu",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
        "--out",
        "models",
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    print(f"Training {target.relative_to(ROOT)} (this takes a few minutes on 2 cores)...", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0 or not target.exists():
        print("Training failed; see the output above.", file=sys.stderr)
        return 1
    print(f"Trained in {time.monotonic() - started:.0f} s: {target.relative_to(ROOT)}")
    prune(target.parent, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
