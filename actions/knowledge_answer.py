"""Answer a knowledge question in the user's language, or in German and English where it is missing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import Reply, button, catalogue, ranked_entries
from knowledge.loader import Entry, KnowledgeBase
from nlu.languages import FALLBACK_LANGUAGES

# An answer also offers the runner-up entry when the classifier gave it at least this confidence and it is not
# among the entry's related buttons already: when two neighbouring entries compete, a person who got the
# wrong one is one tap away from the other. On the held-out questions 0.05 adds such a button to about 3 %
# of the right answers.
RUNNER_UP_MIN_CONFIDENCE = 0.05


def runner_up(kb: KnowledgeBase, entry: Entry, tracker: Tracker) -> Entry | None:
    """The second knowledge entry of the ranking, if it is likely enough and not already a related button."""
    for other, confidence in ranked_entries(kb, tracker):
        if other.id != entry.id:
            likely = confidence >= RUNNER_UP_MIN_CONFIDENCE and other.id not in entry.follow_up.related
            return other if likely else None
    return None


class ActionAnswerKnowledge(Action):
    """The entry named by the latest intent ``kb_<id>``, with its follow-up buttons."""

    def name(self) -> str:
        return "action_answer_knowledge"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        kb = catalogue()[0]
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        entry = kb.by_intent(intent)
        if entry is None:
            reply = Reply(tracker, route="fallback")
            reply.say_key("fallback_offer", [button(reply.label("btn_menu"), "/help")])
            return reply.send(dispatcher)

        reply = Reply(tracker, route="answer", topic=entry.topic, entry=entry.id)
        text = entry.text(reply.language)
        if text is not None:
            reply.say(f"{text.title}\n\n{text.answer}")
            reply.machine = text.machine
        else:
            reply.say_key("fallback_language_notice")
            for lang in FALLBACK_LANGUAGES:
                fallback = entry.text(lang)
                if fallback is not None:
                    reply.say(f"{fallback.title}\n\n{fallback.answer}")
        if entry.legal:
            reply.say_key("legal_disclaimer")

        buttons = []
        if entry.follow_up.booking:
            buttons.append(button(reply.label("btn_book"), "/book_appointment"))
        second = runner_up(kb, entry, tracker)
        for related_id in ([second.id] if second else []) + list(entry.follow_up.related):
            related = kb.get(related_id)
            related_text = related and (related.text(reply.language) or related.text("de"))
            if related and related_text:
                buttons.append(button(related_text.title[:40], f"/{related.intent}"))
        buttons.append(button(reply.label("btn_menu"), "/help"))
        reply.bubbles[-1]["buttons"] = buttons
        return reply.send(dispatcher)
