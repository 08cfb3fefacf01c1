"""The trained model and the engine's virtualenv, for tests that run the real Rasa."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def rasa_env() -> dict[str, str]:
    """The environment the engine runs with: the project on PYTHONPATH for the language component."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
