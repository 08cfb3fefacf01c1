"""The language menu and an explicit choice of language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import Reply, button
from nlu.languages import BY_CODE, LANGUAGES, normalise


class ActionLanguageMenu(Action):
    """Every supported language as a button, named in the language itself."""

    def name(self) -> str:
        return "action_language_menu"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route="language_choice")
        buttons = [
            button(lang.native_name, f'/set_language{{"language":"{lang.code}"}}') for lang in LANGUAGES
        ]
        reply.say_key("language_menu", buttons)
        return reply.send(dispatcher)


class ActionLanguageSet(Action):
    """Confirm the chosen language, in that language (the slot is set from the payload's entity)."""

    def name(self) -> str:
        return "action_language_set"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        chosen = normalise(next(tracker.get_latest_entity_values("language"), None))
        if chosen is None:
            return ActionLanguageMenu().run(dispatcher, tracker, domain)
        events: list[EventType] = [SlotSet("language", chosen)]
        reply = Reply(tracker, route="language_choice")
        reply.language = chosen
        menu = [button(reply.label("btn_menu"), "/help")]
        reply.say_key("language_set", menu, language_name=BY_CODE[chosen].native_name)
        return events + reply.send(dispatcher)
