"""Small knowledge trees for the loader, checker and build tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


def entry(entry_id: str = "sprache_kurs", topic: str = "sprache", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": entry_id,
        "topic": topic,
        "legal": topic in ("aufenthalt", "asyl"),
        "source": [{"title": "Seed page", "url": "seed"}],
        "reviewed": "2026-11-01",
        "valid_until": None,
        "follow_up": {"booking": True, "referral": None, "related": []},
        "texts": {
            "de": {
                "translation": "reviewed",
                "title": "Kurs",
                "answer": "Ein Kurs.",
                "questions": [f"{entry_id} de"],
            },
            "en": {
                "translation": "reviewed",
                "title": "Course",
                "answer": "A course.",
                "questions": [f"{entry_id} en"],
            },
            "ar": {
                "translation": "machine",
                "title": "دورة",
                "answer": "دورة.",
                "questions": [f"{entry_id} ar"],
            },
        },
    }
    data.update(overrides)
    return data


def write(root: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = root / data["topic"] / f"{name or data['id']}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    write(root, entry())
    write(root, entry("beratung_stelle", "beratung"))
    (root / "messages.yml").write_text(
        "translation: {de: reviewed, en: reviewed}\n"
        "greet: {de: Hallo, en: Hello}\nbtn_menu: {de: Menü, en: Menu}\n",
        encoding="utf-8",
    )
    return root
