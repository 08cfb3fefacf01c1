"""The intent classifier component, trained, stored and loaded through Rasa's own model storage.

Runs in the engine's virtualenv (it imports rasa), on a small training set written here, so it checks the
component's mechanics, not the accuracy of the real model (that is bench/answers.py).
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.model import run_in_engine_venv

SNIPPET = r"""
import json, os, sys, tempfile
from pathlib import Path
os.environ["ANKOMMEN_EMBEDDING_CACHE"] = tempfile.mkdtemp()  # not the checkout's .cache
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

    # sentence embeddings: taught in German and English only, asked in Ukrainian, Arabic and Turkish
    import numpy as np
    from nlu import embeddings
    cache = embeddings.EmbeddingCache()
    meaning = {
        "kb_wohnen": ["ich suche eine wohnung", "wohnung mieten", "looking for a flat",
                      "where can i rent an apartment", "miete zu hoch", "apartment search"],
        "kb_sprache": ["deutschkurs finden", "german course", "integrationskurs anmelden",
                       "where can i learn german", "sprachkurs", "language school"],
        "greet": ["hallo", "hello", "guten tag"],
        "out_of_scope": ["wie wird das wetter", "tell me a joke", "who won the match"],
    }
    def as_data(intents):
        return TrainingData([Message(data={"text": t, "intent": i}) for i, ts in intents.items() for t in ts])

    meaning_data = as_data(meaning)
    probes = {"де я можу вивчати німецьку мову": "kb_sprache", "أبحث عن شقة للإيجار": "kb_wohnen",
              "almanca öğrenmek istiyorum": "kb_sprache"}
    out["across_languages"] = {}
    for weight in (0.0, 2.0):
        resource = Resource(f"embedded_{weight}")
        component = NgramIntentClassifier.create({"embedding_weight": weight}, storage, resource, context)
        component.train(meaning_data)
        reloaded = NgramIntentClassifier.load({}, storage, resource, context)
        found = [m.get("intent")["name"] for m in classify(component, list(probes))]
        again = [m.get("intent")["name"] for m in classify(reloaded, list(probes))]
        meta = json.loads((Path(folder) / resource.name / "meta.json").read_text())
        out["across_languages"][str(weight)] = {
            "right": sum(f == e for f, e in zip(found, probes.values())), "reloaded_same": found == again,
            "meta": meta["embeddings"]}
    with np.load(cache.path) as stored:
        out["cached"] = [len(stored["keys"]), len({t for ts in meaning.values() for t in ts})]
    meaning["kb_wohnen"].append("wohnung in dortmund gesucht")
    grown = as_data(meaning)
    NgramIntentClassifier.create({"embedding_weight": 2.0}, storage, Resource("grown"), context).train(grown)
    with np.load(cache.path) as stored:
        out["cached_after_one_more"] = len(stored["keys"])
    cache.path.write_bytes(b"not a zip file")
    damaged = NgramIntentClassifier.create({"embedding_weight": 2.0}, storage, Resource("damaged"), context)
    damaged.train(grown)
    with np.load(cache.path) as stored:
        out["cached_after_damage"] = len(stored["keys"])
    meta_path = Path(folder) / "embedded_2.0" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["embeddings"]["model"] = "some-other-model"
    meta_path.write_text(json.dumps(meta))
    try:
        NgramIntentClassifier.load({}, storage, Resource("embedded_2.0"), context)
        out["other_embeddings"] = "loaded"
    except ValueError as error:
        out["other_embeddings"] = str(error)
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


def test_sentence_embeddings_carry_meaning_across_languages(result: dict[str, dict]) -> None:
    plain, embedded = result["across_languages"]["0.0"], result["across_languages"]["2.0"]
    assert embedded["right"] == 3  # taught in German and English, asked in Ukrainian, Arabic, Turkish
    assert plain["right"] < 3  # the n-grams alone share no letters with those questions
    assert embedded["reloaded_same"] and plain["reloaded_same"]


def test_the_model_records_which_embeddings_it_was_trained_with(result: dict[str, dict]) -> None:
    assert result["across_languages"]["2.0"]["meta"] == {"model": "multilingual-e5-small-q4", "weight": 2.0}
    assert result["across_languages"]["0.0"]["meta"] is None
    assert "retrain" in result["other_embeddings"]


def test_training_questions_are_embedded_once_and_a_damaged_cache_is_rebuilt(result: dict[str, list]) -> None:
    cached, unique = result["cached"]
    assert cached == unique
    assert result["cached_after_one_more"] == unique + 1
    assert result["cached_after_damage"] == unique + 1
