"""Build Rasa SDK trackers from plain data, as the action server receives them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(
    intent: str = "greet",
    *,
    text: str = "hallo",
    confidence: float = 0.93,
    language: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "metadata": metadata or {},
    }
    state = {
        "sender_id": "test-user",
        "slots": {"language": language, "fallback_count": 0.0, "machine_notice_shown": False, **slots},
        "latest_message": latest,
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return Tracker.from_dict(state)


def run(action: Any, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Run an action; return its events, its text messages and its reply metadata."""
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, state, {})
    texts = [m for m in dispatcher.messages if m.get("text")]
    metas = [m["custom"]["ankommen"] for m in dispatcher.messages if (m.get("custom") or {}).get("ankommen")]
    assert len(metas) == 1, "every answer ends with exactly one metadata message"
    assert dispatcher.messages[-1].get("custom"), "the metadata message comes last"
    return events, texts, metas[0]
