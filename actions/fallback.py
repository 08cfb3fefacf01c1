"""Two-stage fallback: first ask to rephrase with the likeliest topics, then offer a person.

Our own action rather than Rasa's ``action_two_stage_fallback``, so that its texts come from
knowledge/messages.yml like every other reply (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import Reply, button, catalogue, menu_buttons, ranked_entries

SUGGESTIONS = 2


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        reply = Reply(tracker, route="fallback")
        if count == 1:
            buttons = []
            for entry, _ in ranked_entries(catalogue()[0], tracker):
                text = entry.text(reply.language) or entry.text("de")
                if text:
                    buttons.append(button(text.title[:40], f"/{entry.intent}"))
                if len(buttons) == SUGGESTIONS:
                    break
            reply.say_key("fallback_rephrase", [*buttons, button(reply.label("btn_menu"), "/help")])
        else:
            reply.say_key("fallback_offer", menu_buttons(reply))
            count = 0
        return [SlotSet("fallback_count", float(count)), *reply.send(dispatcher)]
