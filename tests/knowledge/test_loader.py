from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.loader import KnowledgeError, load_knowledge, parse_entry
from knowledge.messages import load_messages
from tests.knowledge.conftest import entry, write


def test_loads_entries_with_typed_fields(tree: Path) -> None:
    kb = load_knowledge(tree)
    course = kb.get("sprache_kurs")
    assert course is not None
    assert course.intent == "kb_sprache_kurs"
    assert course.reviewed == dt.date(2026, 11, 1)
    assert course.text("ar") is not None and course.text("ar").machine  # type: ignore[union-attr]
    assert course.text("de") is not None and not course.text("de").machine  # type: ignore[union-attr]
    assert kb.by_intent("kb_beratung_stelle") is kb.get("beratung_stelle")
    assert kb.by_intent("greet") is None
    assert kb.topics == ["sprache", "beratung"]  # the menu's order, not the alphabet


def test_messages_yml_is_not_an_entry(tree: Path) -> None:
    assert len(load_knowledge(tree).entries) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "id"),
        ({"texts": None}, "texts"),
        ({"reviewed": "soon"}, "reviewed"),
        ({"source": "a string"}, "source"),
        ({"texts": {"de": "just text"}}, "texts.de"),
    ],
)
def test_broken_entries_name_the_file_and_the_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    path = write(tmp_path, entry(**change), name="broken")  # type: ignore[arg-type]
    with pytest.raises(KnowledgeError) as error:
        parse_entry(path)
    assert str(path) in str(error.value)
    assert field in str(error.value)


def test_invalid_yaml_is_a_knowledge_error(tmp_path: Path) -> None:
    path = tmp_path / "sprache" / "bad.yml"
    path.parent.mkdir()
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        parse_entry(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    write(tmp_path, entry())
    write(tmp_path, entry(), name="copy")
    with pytest.raises(KnowledgeError, match="already used"):
        load_knowledge(tmp_path)


def test_messages_fall_back_to_german_then_english(tree: Path) -> None:
    messages = load_messages(tree / "messages.yml")
    assert messages.get("greet", "de").text == "Hallo"
    fallback = messages.get("greet", "ti")
    assert (fallback.text, fallback.language) == ("Hallo", "de")
    with pytest.raises(KeyError):
        messages.get("nope", "de")


def test_real_messages_have_every_core_language_for_the_conversation() -> None:
    messages = load_messages()
    for key in (
        "greet",
        "menu_intro",
        "thanks",
        "goodbye",
        "bot_challenge",
        "out_of_scope",
        "fallback_rephrase",
        "fallback_offer",
        "technical_problem",
        "legal_disclaimer",
    ):
        for lang in ("de", "en", "ar", "uk", "ru", "tr", "fa"):
            assert messages.has(key, lang), (key, lang)
