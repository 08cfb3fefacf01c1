"""Answer a knowledge question in the user's language, or in German and English where it is missing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import Reply, button, catalogue
from nlu.languages import FALLBACK_LANGUAGES


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
        for related_id in entry.follow_up.related:
            related = kb.get(related_id)
            related_text = related and (related.text(reply.language) or related.text("de"))
            if related and related_text:
                buttons.append(button(related_text.title[:40], f"/{related.intent}"))
        buttons.append(button(reply.label("btn_menu"), "/help"))
        reply.bubbles[-1]["buttons"] = buttons
        return reply.send(dispatcher)
