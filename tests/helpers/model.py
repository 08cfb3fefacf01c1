"""The trained model and the engine's virtualenv, for tests that run the real Rasa."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runner import Stack, engine_env

ROOT = Path(__file__).resolve().parents[2]
RASA_VENV = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))
RASA = RASA_VENV / "bin" / "rasa"


def current_model() -> Path:
    """The model trained from the current training data (skips or fails when it is missing)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--print-path"],
        capture_output=True,
        text=True,
        check=True,
    )
    model = Path(result.stdout.strip())
    if not RASA.exists() or not model.exists():
        message = f"no model for the current training data ({model.name}) or no {RASA}: run `make train`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return model


def run_in_engine_venv(snippet: str) -> str:
    """Run Python code in the engine's virtualenv (for components that import rasa); its last output line."""
    python = RASA_VENV / "bin" / "python"
    if not python.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{python} is missing; CI needs the engine's virtualenv (make setup)")
        pytest.skip(f"{python} is missing: run `make setup` to test the Rasa component")
    result = subprocess.run(
        [str(python), "-c", snippet],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def rasa_env() -> dict[str, str]:
    """The environment the engine runs with (bot.runner.engine_env)."""
    return engine_env()


def e2e_stack(data: Path, **env: str) -> Stack:
    """The real stack on free ports with the current model, a fresh SQLite database in ``data`` and quick
    retries; ``env`` adds channel settings. Not started yet: use it as a context manager or call start()."""
    base = {
        "DATABASE_URL": f"sqlite:///{data / 'e2e.db'}",
        "PSEUDONYM_KEY": secrets.token_hex(32),
        "ENGINE_RETRY_SECONDS": "1",
        "RASA_TIMEOUT": "20",
    }
    return Stack.on_free_ports(model=current_model(), env={**base, **env})
