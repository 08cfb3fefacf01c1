"""The custom actions, run as the action server runs them, on the real knowledge base."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from actions.conversation import ActionGreet, ActionPersonalCase, ActionShowTopic, ActionThanks
from actions.fallback import ActionFallback
from actions.knowledge_answer import ActionAnswerKnowledge
from actions.language import ActionLanguageMenu, ActionLanguageSet
from actions.replies import KNOWLEDGE_DIR_ENV
from knowledge.loader import KNOWLEDGE_DIR
from knowledge.messages import load_messages
from tests.helpers.trackers import run, tracker

MESSAGES = load_messages()


def slot_events(events: list[dict[str, object]]) -> dict[object, object]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_knowledge_answer_in_arabic_with_buttons_and_machine_notice() -> None:
    events, texts, meta = run(ActionAnswerKnowledge(), tracker("kb_sprache_deutschkurs", language="ar"))
    assert texts[0]["text"].startswith("إيجاد دورة لغة ألمانية")
    assert meta == {
        "route": "answer",
        "language": "ar",
        "topic": "sprache",
        "entry": "sprache_deutschkurs",
        "confidence": 0.93,
        "machine_translation": True,
    }
    payloads = [b["payload"] for b in texts[0]["buttons"]]
    assert (
        payloads[0] == "/book_appointment" and "/kb_beratung_migrado" in payloads and payloads[-1] == "/help"
    )
    assert texts[-1]["text"] == MESSAGES.get("machine_translation_notice", "ar").text
    assert slot_events(events)["machine_notice_shown"] is True


def heim_answer_payloads(ranking: list[dict[str, object]]) -> list[object]:
    state = tracker("kb_wohnen_uebergangswohnheim", language="de", confidence=0.85, ranking=ranking)
    _, texts, _ = run(ActionAnswerKnowledge(), state)
    return [b["payload"] for b in texts[0]["buttons"]]


def test_an_answer_offers_the_likely_runner_up_entry_once() -> None:
    related = ["/kb_asyl_unterkunft", "/kb_beratung_migrado", "/kb_wohnen_wohnungssuche"]
    top = {"name": "kb_wohnen_uebergangswohnheim", "confidence": 0.85}
    likely = [top, {"name": "greet", "confidence": 0.09}, {"name": "kb_asyl_leistungen", "confidence": 0.06}]
    assert heim_answer_payloads(likely) == ["/book_appointment", "/kb_asyl_leistungen", *related, "/help"]
    unlikely = [top, {"name": "kb_asyl_leistungen", "confidence": 0.01}]
    assert heim_answer_payloads(unlikely) == ["/book_appointment", *related, "/help"]
    already_related = [top, {"name": "kb_asyl_unterkunft", "confidence": 0.1}]
    assert heim_answer_payloads(already_related) == ["/book_appointment", *related, "/help"]
    # only the first entry after the answered one counts: a likely third one is not shown
    third = [
        top,
        {"name": "kb_asyl_unterkunft", "confidence": 0.1},
        {"name": "kb_asyl_leistungen", "confidence": 0.05},
    ]
    assert heim_answer_payloads(third) == ["/book_appointment", *related, "/help"]


def test_the_machine_notice_is_shown_once_per_conversation() -> None:
    state = tracker("kb_sprache_deutschkurs", language="uk", machine_notice_shown=True)
    events, texts, _ = run(ActionAnswerKnowledge(), state)
    assert all(t["text"] != MESSAGES.get("machine_translation_notice", "uk").text for t in texts)
    assert "machine_notice_shown" not in slot_events(events)


def test_reviewed_german_answer_has_no_notice() -> None:
    _, texts, meta = run(ActionAnswerKnowledge(), tracker("kb_jobcenter_erste_schritte", language="de"))
    assert len(texts) == 1 and meta["machine_translation"] is False and meta["language"] == "de"


def test_missing_language_falls_back_to_german_and_english_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the knowledge base in which the MigraDo entry has no Tigrinya text yet.
    entry = yaml.safe_load((KNOWLEDGE_DIR / "beratung" / "beratung_migrado.yml").read_text(encoding="utf-8"))
    del entry["texts"]["ti"]
    entry["follow_up"]["related"] = []
    (tmp_path / "beratung").mkdir()
    (tmp_path / "beratung" / "beratung_migrado.yml").write_text(yaml.safe_dump(entry), encoding="utf-8")
    shutil.copy(KNOWLEDGE_DIR / "messages.yml", tmp_path / "messages.yml")
    monkeypatch.setenv(KNOWLEDGE_DIR_ENV, str(tmp_path))
    _, texts, meta = run(ActionAnswerKnowledge(), tracker("kb_beratung_migrado", language="ti"))
    assert texts[0]["text"] == MESSAGES.get("fallback_language_notice", "ti").text
    assert texts[1]["text"].startswith("MigraDo Ankommens-Beratung")
    assert texts[2]["text"].startswith("MigraDo arrival counselling")
    assert meta["language"] == "ti"


def test_legal_entries_end_with_the_disclaimer() -> None:
    _, texts, _ = run(
        ActionAnswerKnowledge(), tracker("kb_aufenthalt_chancen_aufenthaltsrecht", language="en")
    )
    assert texts[-1]["text"] == MESSAGES.get("legal_disclaimer", "en").text
    assert "not legal advice" in texts[-1]["text"]


def test_language_comes_from_client_then_guess_then_german() -> None:
    client = tracker("greet", metadata={"client_language": "tr-TR"})
    assert run(ActionGreet(), client)[2]["language"] == "tr"
    guess = tracker("greet", entities=[{"entity": "language_guess", "value": "fa", "confidence_entity": 0.6}])
    assert run(ActionGreet(), guess)[2]["language"] == "fa"
    assert run(ActionGreet(), tracker("greet"))[2]["language"] == "de"


def test_greeting_offers_the_topics() -> None:
    _, texts, meta = run(ActionGreet(), tracker("greet", language="en"))
    assert meta["route"] == "greeting"
    assert '/show_topic{"topic":"sprache"}' in [b["payload"] for b in texts[0]["buttons"]]


def test_a_topic_lists_its_entries() -> None:
    state = tracker("show_topic", language="de", entities=[{"entity": "topic", "value": "sprache"}])
    _, texts, meta = run(ActionShowTopic(), state)
    assert "/kb_sprache_deutschkurs" in [b["payload"] for b in texts[0]["buttons"]]
    assert meta["topic"] == "sprache"


def test_language_menu_names_each_language_in_itself() -> None:
    _, texts, meta = run(ActionLanguageMenu(), tracker("choose_language", language="de"))
    titles = [b["title"] for b in texts[0]["buttons"]]
    assert {"العربية", "Українська", "Türkçe", "ትግርኛ"} <= set(titles)
    assert meta["route"] == "language_choice"


def test_language_set_confirms_in_the_new_language() -> None:
    state = tracker("set_language", language="de", entities=[{"entity": "language", "value": "uk"}])
    events, texts, meta = run(ActionLanguageSet(), state)
    assert slot_events(events)["language"] == "uk"
    assert meta["language"] == "uk" and "Українська" in texts[0]["text"]


def test_fallback_asks_to_rephrase_then_offers_a_person() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "kb_sprache_deutschkurs", "confidence": 0.3},
        {"name": "greet", "confidence": 0.2},
        {"name": "kb_beratung_migrado", "confidence": 0.1},
    ]
    first_events, first, meta = run(ActionFallback(), tracker("nlu_fallback", language="de", ranking=ranking))
    assert meta["route"] == "fallback"
    assert [b["payload"] for b in first[0]["buttons"]] == [
        "/kb_sprache_deutschkurs",
        "/kb_beratung_migrado",
        "/help",
    ]
    assert slot_events(first_events)["fallback_count"] == 1.0
    second_events, second, _ = run(
        ActionFallback(), tracker("nlu_fallback", language="de", fallback_count=1.0)
    )
    assert second[0]["text"] == MESSAGES.get("fallback_offer", "de").text
    assert "/book_appointment" in [b["payload"] for b in second[0]["buttons"]]
    assert slot_events(second_events)["fallback_count"] == 0.0


def test_a_personal_case_question_gets_no_entry_but_the_office_and_migrado() -> None:
    _, texts, meta = run(ActionPersonalCase(), tracker("personal_case", language="uk"))
    assert texts[0]["text"] == MESSAGES.get("personal_case", "uk").text
    assert "MigraDo" in texts[0]["text"]
    assert meta["route"] == "fallback"
    assert meta["entry"] is None
    assert "/book_appointment" in [b["payload"] for b in texts[0]["buttons"]]


def test_any_other_answer_resets_the_fallback_count() -> None:
    events, _, meta = run(ActionThanks(), tracker("thanks", language="de", fallback_count=1.0))
    assert slot_events(events)["fallback_count"] == 0.0
    assert meta["route"] == "other"


def test_an_unknown_knowledge_intent_gets_a_fallback_not_a_crash() -> None:
    _, texts, meta = run(ActionAnswerKnowledge(), tracker("kb_does_not_exist", language="de"))
    assert meta["route"] == "fallback" and texts
