"""The public CLI contracts: `ankommen lang` and `ankommen ask` (shared/DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.runner import free_port
from tests.conftest import ROOT


def ankommen(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_lang_prints_one_json_object_per_line() -> None:
    result = ankommen("lang", stdin="Wo finde ich einen Deutschkurs?\nأين أجد دورة لغة؟\n\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(r) for r in rows] == [{"text", "language", "confidence"}] * 3
    assert [r["language"] for r in rows[:2]] == ["de", "ar"]
    assert rows[2]["language"] is None and rows[2]["confidence"] == 0.0


def test_lang_jsonl_uses_the_client_language_as_a_prior() -> None:
    lines = [{"text": "Де я можу знайти мовні курси?", "language": "uk"}, {"text": "hallo", "language": "de"}]
    result = ankommen("lang", "--jsonl", stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["language"] for line in result.stdout.splitlines()] == ["uk", "de"]


def test_lang_jsonl_rejects_a_malformed_line_clearly() -> None:
    result = ankommen("lang", "--jsonl", stdin='{"text": "hallo"}\nnot json\n')
    assert result.returncode == 2
    assert "line 2" in result.stderr and "Traceback" not in result.stderr


def test_ask_without_a_running_gateway_explains_what_to_do() -> None:
    result = ankommen("ask", "--url", f"http://127.0.0.1:{free_port()}", stdin="hallo\n")
    assert result.returncode == 2
    assert "make run" in result.stderr and result.stdout == ""
