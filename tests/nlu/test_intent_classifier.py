"""The intent classifier component, trained, stored and loaded through Rasa's own model storage.

Runs in the engine's virtualenv (it imports rasa), on a small training set written here, so it checks the
component's mechanics, not the accuracy of the real model (that is bench/answers.py).
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.model import run_in_engine_venv

SNIPPET = r"""
import json, sys, tempfile
from pathlib import Path
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.intent_classifier import NgramIntentClassifier

examples = {
    "kb_jobcenter": ["brief vom jobcenter", "jobcenter antrag", "letter from the jobcenter", "jc termin",
                     "رسالة من الجوب سنتر", "джобцентр письмо"],
    "kb_sprache": ["deutschkurs finden", "german course", "integrationskurs anmelden", "دورة لغة المانية",
                   "курс немецкого", "almanca kursu"],
    "greet": ["hallo", "hello", "guten tag", "مرحبا", "привет", "merhaba"],
    "out_of_scope": ["wie wird das wetter", "what is the weather tomorrow", "erzähl einen witz",
                     "tell me a joke", "wer hat das spiel gewonnen", "who won the football match"],
}
data = TrainingData([Message(data={"text": t, "intent": i}) for i, ts in examples.items() for t in ts])
context = ExecutionContext(GraphSchema({}), "test")
out = {}


def classify(component, texts):
    messages = [Message(data={"text": t}) for t in texts]
    component.process(messages)
    return messages


with tempfile.TemporaryDirectory() as folder:
    storage = LocalModelStorage(Path(folder))
    resource = Resource("intent_classifier")
    trained = NgramIntentClassifier.create({"ranking_length": 2}, storage, resource, context)
    trained.train(data)
    loaded = NgramIntentClassifier.load({"ranking_length": 2}, storage, resource, context)
    texts = ["ich habe einen brief vom jobcenter", "where is a german course", "hallo", ""]
    for name, component in (("trained", trained), ("loaded", loaded)):
        out[name] = [[m.get("intent"), m.get("intent_ranking")] for m in classify(component, texts)]
    out["stored_files"] = sorted(p.name for p in (Path(folder) / resource.name).iterdir())
    marks = NgramIntentClassifier.create({"strip_accents": None}, storage, Resource("marks"), context)
    marks.train(data)
    for name, component in (("accents", trained), ("accents_kept", marks)):
        twins = classify(component, ["erzähl einen witz", "erzahl einen witz"])
        out[name] = [m.get("intent_ranking") for m in twins]
    out["has_gate"] = [trained.scope_coef is not None, loaded.scope_coef is not None]
    # the same data without the scope gate: the gate may only lower knowledge confidences
    ungated = NgramIntentClassifier.create({"scope_negatives": []}, storage, Resource("ungated"), context)
    ungated.train(data)
    out["ungated_has_gate"] = ungated.scope_coef is not None
    probes = ["what is the weather in dortmund", "brief vom jobcenter", "hallo"]
    out["scope"] = [float(x) for x in trained.scope(probes)]
    out["ungated_scope"] = [float(x) for x in ungated.scope(probes)]
    out["compare"] = []
    for component in (ungated, trained):
        rankings = [m.get("intent_ranking") for m in classify(component, probes)]
        out["compare"].append([{r["name"]: r["confidence"] for r in ranking} for ranking in rankings])
    missing = NgramIntentClassifier.load({}, storage, Resource("never_trained"), context)
    out["untrained"] = classify(missing, ["hallo"])[0].get("intent")
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    return json.loads(run_in_engine_venv(SNIPPET))


def test_each_message_gets_the_intent_it_was_trained_for(result: dict[str, list]) -> None:
    names = [intent["name"] for intent, _ in result["trained"][:3]]
    assert names == ["kb_jobcenter", "kb_sprache", "greet"]


def test_confidences_form_a_ranking_of_the_configured_length(result: dict[str, list]) -> None:
    for intent, ranking in result["trained"][:3]:
        assert len(ranking) == 2
        assert ranking[0] == intent
        assert 1.0 >= ranking[0]["confidence"] >= ranking[1]["confidence"] >= 0.0


def test_a_loaded_model_predicts_exactly_what_the_trained_one_did(result: dict[str, list]) -> None:
    assert result["loaded"] == result["trained"]


def test_the_model_is_stored_as_plain_arrays_and_json_not_as_a_pickle(result: dict[str, list]) -> None:
    assert result["stored_files"] == ["meta.json", "weights.npz"]


def test_letters_with_and_without_their_marks_are_the_same_to_the_model(result: dict[str, list]) -> None:
    with_marks, without = result["accents"]
    assert with_marks == without
    kept_with, kept_without = result["accents_kept"]  # with strip_accents: null they differ
    assert kept_with != kept_without


def test_the_scope_gate_is_trained_stored_and_loaded_when_there_are_negative_examples(
    result: dict[str, list],
) -> None:
    assert result["has_gate"] == [True, True]
    assert result["ungated_has_gate"] is False


def test_the_scope_gate_tells_covered_from_uncovered_questions(result: dict[str, list]) -> None:
    weather, jobcenter, _ = result["scope"]
    assert weather < 0.5 < jobcenter
    assert result["ungated_scope"] == [1.0, 1.0, 1.0]


def test_the_scope_gate_caps_knowledge_confidences_and_leaves_the_rest(result: dict[str, list]) -> None:
    ungated, gated = result["compare"]
    for before, after, inside in zip(ungated, gated, result["scope"], strict=True):
        for name, confidence in after.items():
            if name.startswith("kb_"):
                assert confidence == pytest.approx(min(before[name], inside))
            else:
                assert confidence == pytest.approx(before[name])


def test_an_empty_message_and_a_missing_model_get_no_intent(result: dict[str, list]) -> None:
    assert result["trained"][3] == [None, None]
    assert result["untrained"] is None
