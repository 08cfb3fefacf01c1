"""The Rasa NLU component, run in the engine's own virtualenv (it imports rasa)."""

from __future__ import annotations

import json

import pytest

from tests.helpers.model import run_in_engine_venv

SNIPPET = r"""
import json
from rasa.shared.nlu.training_data.message import Message
from nlu.language_component import LanguageDetector
component = LanguageDetector.create({}, None, None, None)
cases = [
    ("Wo finde ich einen Deutschkurs?", None),
    ("أين أجد دورة لغة؟", None),
    ("Де я можу знайти мовні курси?", {"client_language": "uk"}),
    ("hallo", {"conversation_language": "de"}),
    ("hallo", None),
    ("😀", None),
]
messages = [Message(data={"text": t, **({"metadata": m} if m else {})}) for t, m in cases]
component.process(messages)
print(json.dumps([m.get("entities", []) for m in messages]))
"""


@pytest.fixture(scope="module")
def entities() -> list[list[dict[str, object]]]:
    return json.loads(run_in_engine_venv(SNIPPET))


def values(found: list[dict[str, object]], name: str) -> list[object]:
    return [e["value"] for e in found if e["entity"] == name]


def test_confident_detections_become_the_language_entity(entities: list[list[dict[str, object]]]) -> None:
    assert values(entities[0], "language") == ["de"]
    assert values(entities[1], "language") == ["ar"]
    assert values(entities[2], "language") == ["uk"]
    assert all(e["extractor"] == "LanguageDetector" for e in entities[0])


def test_the_conversation_prior_from_metadata_is_used(entities: list[list[dict[str, object]]]) -> None:
    assert values(entities[3], "language") == ["de"]


def test_unconfident_detections_are_only_a_guess(entities: list[list[dict[str, object]]]) -> None:
    assert values(entities[4], "language") == []
    assert len(values(entities[4], "language_guess")) == 1
    assert entities[5] == []
