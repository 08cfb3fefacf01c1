"""What every action shares: the answer language, the texts, buttons and the reply metadata.

The contract (docs/architecture.md): answer in the ``language`` slot, else the client's language, else
the detector's guess, else German; end every answer with one ``json_message`` carrying the route,
language, topic, entry and intent confidence for the gateway.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.loader import KNOWLEDGE_DIR, Entry, KnowledgeBase, load_knowledge
from knowledge.messages import MESSAGES_FILE, Localized, Messages, load_messages
from nlu.languages import DEFAULT_LANGUAGE, SUPPORTED, normalise

logger = logging.getLogger(__name__)

KNOWLEDGE_DIR_ENV = "ANKOMMEN_KNOWLEDGE_DIR"
#: The detector's unconfident guess is used for a first answer only above this score.
GUESS_THRESHOLD = 0.5


def knowledge_dir() -> Path:
    return Path(os.environ.get(KNOWLEDGE_DIR_ENV) or KNOWLEDGE_DIR)


@functools.lru_cache(maxsize=4)
def _load(root: Path) -> tuple[KnowledgeBase, Messages]:
    messages_file = root / MESSAGES_FILE.name
    return load_knowledge(root), load_messages(messages_file if messages_file.exists() else MESSAGES_FILE)


def catalogue() -> tuple[KnowledgeBase, Messages]:
    """The knowledge base and the messages, loaded once per process (and per folder, for tests)."""
    return _load(knowledge_dir())


def ranked_entries(kb: KnowledgeBase, tracker: Tracker) -> Iterator[tuple[Entry, float]]:
    """The knowledge entries of the latest message's intent ranking, likeliest first, with confidence."""
    for ranked in (tracker.latest_message or {}).get("intent_ranking") or []:
        entry = kb.by_intent(ranked.get("name"))
        if entry is not None:
            yield entry, float(ranked.get("confidence") or 0.0)


def answer_language(tracker: Tracker) -> str:
    """The language to answer in, by the contract's order of preference."""
    slot = normalise(tracker.get_slot("language"))
    if slot:
        return slot
    latest = tracker.latest_message or {}
    metadata = latest.get("metadata") or {}
    client = normalise(metadata.get("client_language"))
    if client:
        return client
    for entity in latest.get("entities") or []:
        if (
            entity.get("entity") == "language_guess"
            and (entity.get("confidence_entity") or 0) >= GUESS_THRESHOLD
        ):
            guess = normalise(entity.get("value"))
            if guess:
                return guess
    return DEFAULT_LANGUAGE


def intent_confidence(tracker: Tracker) -> float:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return round(float(intent.get("confidence") or 0.0), 4)


def button(title: str, payload: str) -> dict[str, str]:
    return {"title": title, "payload": payload}


@dataclass
class Reply:
    """An answer being put together: its bubbles, its metadata and the slots it sets."""

    tracker: Tracker
    route: str = "other"
    topic: str | None = None
    entry: str | None = None
    language: str = field(init=False)
    machine: bool = False
    bubbles: list[dict[str, Any]] = field(default_factory=list)
    events: list[EventType] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.language = answer_language(self.tracker)

    @property
    def messages(self) -> Messages:
        return catalogue()[1]

    def text(self, key: str, **fmt: Any) -> Localized:
        localized = self.messages.get(key, self.language, **fmt)
        self.machine = self.machine or localized.machine
        return localized

    def say(self, text: str, buttons: list[dict[str, str]] | None = None) -> None:
        self.bubbles.append({"text": text, "buttons": buttons or []})

    def say_key(self, key: str, buttons: list[dict[str, str]] | None = None, **fmt: Any) -> None:
        self.say(self.text(key, **fmt).text, buttons)

    def label(self, key: str) -> str:
        return self.messages.get(key, self.language).text

    def send(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        """Dispatch the bubbles, the machine-translation notice (once) and the metadata; return the events."""
        if self.machine and not self.tracker.get_slot("machine_notice_shown"):
            notice = self.messages.get("machine_translation_notice", self.language).text
            self.bubbles.append({"text": notice, "buttons": []})
            self.events.append(SlotSet("machine_notice_shown", True))
        for bubble in self.bubbles:
            dispatcher.utter_message(text=bubble["text"], buttons=bubble["buttons"])
        meta = {
            "route": self.route,
            "language": self.language if self.language in SUPPORTED else DEFAULT_LANGUAGE,
            "topic": self.topic,
            "entry": self.entry,
            "confidence": intent_confidence(self.tracker),
            "machine_translation": self.machine,
        }
        dispatcher.utter_message(json_message={"ankommen": meta})
        if self.route != "fallback" and (self.tracker.get_slot("fallback_count") or 0):
            self.events.append(SlotSet("fallback_count", 0.0))
        logger.info("reply route=%s language=%s entry=%s", self.route, meta["language"], self.entry)
        return self.events


def topic_buttons(reply: Reply) -> list[dict[str, str]]:
    kb = catalogue()[0]
    return [button(reply.label(f"topic_{t}"), f'/show_topic{{"topic":"{t}"}}') for t in kb.topics]


def menu_buttons(reply: Reply) -> list[dict[str, str]]:
    return [button(reply.label("btn_book"), "/book_appointment"), button(reply.label("btn_menu"), "/help")]
