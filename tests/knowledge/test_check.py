from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from knowledge.check import check
from tests.knowledge.conftest import entry, write

TODAY = dt.date(2026, 11, 25)


def problems(root: Path) -> list[str]:
    return [p.message for p in check(root, today=TODAY)]


def test_a_good_tree_has_no_problems(tree: Path) -> None:
    assert problems(tree) == []


def test_the_real_knowledge_base_passes() -> None:
    assert [str(p) for p in check()] == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"source": []}, "needs a source"),
        (
            {"source": [{"title": "Blog", "url": "http://example.org"}]},
            "must be `seed` or start with https://",
        ),
        ({"reviewed": None}, "`reviewed`"),
        ({"valid_until": "2026-01-01"}, "has passed"),
        ({"follow_up": {"related": ["missing_entry"]}}, "does not exist"),
        ({"follow_up": {"referral": "somewhere"}}, "referral"),
    ],
)
def test_each_rule_fails_on_its_problem(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    write(tmp_path, entry(**change))
    assert any(expected in message for message in problems(tmp_path)), problems(tmp_path)


def test_missing_german_or_english_text_fails(tmp_path: Path) -> None:
    data = entry()
    del data["texts"]["en"]
    write(tmp_path, data)
    assert any("the en text" in m for m in problems(tmp_path))


def test_long_answers_fail(tmp_path: Path) -> None:
    data = entry()
    data["texts"]["de"]["answer"] = "x" * 601
    write(tmp_path, data)
    assert any("601 characters" in m for m in problems(tmp_path))


def test_questions_duplicated_across_entries_fail(tmp_path: Path) -> None:
    first, second = entry("sprache_a"), entry("sprache_b")
    first["texts"]["de"]["questions"] = ["Wo ist der Kurs?"]
    second["texts"]["de"]["questions"] = ["wo ist  der kurs"]
    write(tmp_path, first)
    write(tmp_path, second)
    assert any("also in entry" in m for m in problems(tmp_path))


def test_legal_topics_must_be_marked_legal(tmp_path: Path) -> None:
    write(tmp_path, entry("aufenthalt_x", "aufenthalt", legal=False))
    assert any("legal: true" in m for m in problems(tmp_path))


def test_unsupported_language_and_wrong_folder_fail(tmp_path: Path) -> None:
    data = entry()
    data["texts"]["xx"] = data["texts"]["ar"]
    write(tmp_path, data)
    (tmp_path / "sprache" / "sprache_kurs.yml").rename(tmp_path / "sprache" / "other_name.yml")
    found = problems(tmp_path)
    assert any("not supported" in m for m in found)
    assert any("file name must be the id" in m for m in found)


def test_long_button_labels_in_messages_fail(tree: Path) -> None:
    (tree / "messages.yml").write_text("btn_book: {de: Einen Beratungstermin vereinbaren, en: Book}\n")
    assert any("at most 20 characters" in m for m in problems(tree))
