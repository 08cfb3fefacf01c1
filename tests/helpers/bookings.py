"""A real booking service on a fresh, migrated SQLite database, and trackers in the middle of a form."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import appointments
from booking.service import BookingService
from bot.storage import migrate
from tests.helpers.trackers import tracker

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def bookings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BookingService]:
    """The service the actions use, on its own database (``DATABASE_URL`` points there)."""
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    appointments._service.cache_clear()
    service = appointments.booking_service()
    yield service
    service.close()
    appointments._service.cache_clear()


def form_tracker(
    requested: str | None,
    value: Any = None,
    *,
    choice: str | None = None,
    text: str = "",
    intent: str = "booking_choice",
    language: str = "de",
    sender: str = "test-user",
    entities: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    """A tracker as the form hands it to its validation: ``value`` just extracted for ``requested``."""
    found = list(entities or [])
    if choice is not None:
        found.append({"entity": "choice", "value": choice})
        value = choice if value is None else value
    state = tracker(intent, text=text or (value or ""), language=language, entities=found, **slots)
    state.sender_id = sender
    state.slots["requested_slot"] = requested
    state.events.append({"event": "user", "text": text, "input_channel": "web"})
    if requested is None:  # the form is being activated by this message
        state.events.append({"event": "active_loop", "name": "booking_form"})
    state.events.append({"event": "action", "name": "booking_form"})
    if requested is not None and value is not None:
        state.slots[requested] = value
        state.events.append({"event": "slot", "name": requested, "value": value})
    return state


def validate(action: Any, state: Tracker) -> dict[str, Any]:
    """Run a form validation action; return the slots it sets (it says nothing itself)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, DOMAIN))
    assert dispatcher.messages == [], "validation leaves all texts to the ask actions"
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
