"""The Rasa project itself: its data validates and the test conversations pass with the real model."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers.model import RASA, ROOT, current_model, rasa_env

pytestmark = pytest.mark.model


def run_rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RASA), *args], cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=timeout
    )


def test_rasa_data_validate_passes() -> None:
    current_model()  # the engine's venv must exist; the model also proves the data trained
    result = run_rasa(
        "data",
        "validate",
        "--data",
        "nlu",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
        "--fail-on-warnings",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_conversations_pass_without_prediction_errors(tmp_path: Path) -> None:
    model = current_model()
    result = run_rasa(
        "test",
        "core",
        "--e2e",
        "--stories",
        "tests/test_conversations.yml",
        "--model",
        str(model),
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    # Without --e2e Rasa replays the stories' intents and never parses the `user:` texts; and it only
    # reads files named test_*.yml as test stories. Both would make this test pass on anything.
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = [(int(a), int(b)) for a, b in re.findall(r"Correct:\s+(\d+) / (\d+)", output)]
    assert counts, output[-3000:]
    stories, total = counts[0]
    assert total >= 10 and stories == total, counts
