"""The conversational replies: greeting, menus, thanks, goodbye, "are you a bot", out of scope, help."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import Reply, button, catalogue, menu_buttons, topic_buttons


class MessageAction(Action):
    """An action that says one message from messages.yml, with the buttons its kind needs."""

    action_name = ""
    message_key = ""
    route = "other"
    buttons = "none"  # none | topics | menu | book | main

    def name(self) -> str:
        return self.action_name

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = Reply(tracker, route=self.route)
        choices = {
            "none": lambda: [],
            "topics": lambda: topic_buttons(reply),
            "menu": lambda: menu_buttons(reply),
            "book": lambda: [button(reply.label("btn_book"), "/book_appointment")],
            "main": lambda: [
                *topic_buttons(reply),
                button(reply.label("btn_where_to_go"), "/referral_menu"),
                button(reply.label("btn_my_appointment"), "/my_appointment"),
            ],
        }[self.buttons]()
        reply.say_key(self.message_key, choices)
        return reply.send(dispatcher)


class ActionGreet(MessageAction):
    action_name, message_key, route, buttons = "action_greet", "greet", "greeting", "topics"


class ActionMenu(MessageAction):
    action_name, message_key, buttons = "action_menu", "menu_intro", "main"


class ActionThanks(MessageAction):
    action_name, message_key = "action_thanks", "thanks"


class ActionGoodbye(MessageAction):
    action_name, message_key = "action_goodbye", "goodbye"


class ActionBotChallenge(MessageAction):
    action_name, message_key, buttons = "action_bot_challenge", "bot_challenge", "book"


class ActionOutOfScope(MessageAction):
    action_name, message_key, route, buttons = "action_out_of_scope", "out_of_scope", "fallback", "menu"


class ActionPersonalCase(MessageAction):
    """A question only the office handling the person's case can answer: say so and offer MigraDo."""

    action_name, message_key, route, buttons = "action_personal_case", "personal_case", "fallback", "book"


class ActionRequestHuman(MessageAction):
    action_name, message_key, route, buttons = "action_request_human", "request_human", "handoff", "book"


class ActionShowTopic(Action):
    """The entries of one topic as buttons (the topic comes from the button's payload)."""

    def name(self) -> str:
        return "action_show_topic"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        kb = catalogue()[0]
        topic = next(tracker.get_latest_entity_values("topic"), None) or tracker.get_slot("topic")
        reply = Reply(tracker, topic=topic)
        entries = kb.by_topic(topic) if topic else []
        if not entries:
            reply.say_key("menu_intro", topic_buttons(reply))
            return reply.send(dispatcher)
        buttons = []
        for entry in entries:
            text = entry.text(reply.language) or entry.text("de")
            if text:
                buttons.append(button(text.title, f"/{entry.intent}"))
        reply.say_key("topic_intro", [*buttons, button(reply.label("btn_menu"), "/help")])
        return reply.send(dispatcher)
