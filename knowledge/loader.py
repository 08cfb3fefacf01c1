"""Load the knowledge base: one YAML file per entry in ``knowledge/<topic>/<id>.yml``.

The format is described in docs/content-guide.md (for editors) and docs/architecture.md (the contract).
Loading only parses and types the entries; ``knowledge.check`` judges them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent
#: The topics in the order the menu shows them.
TOPICS = ("jobcenter", "sprache", "wohnen", "aufenthalt", "asyl", "beratung", "sozialamt", "alltag")
INTENT_PREFIX = "kb_"


class KnowledgeError(ValueError):
    """An entry file that cannot be read as an entry; the message names the file and the field."""


@dataclass(frozen=True)
class Source:
    title: str
    url: str  # "seed" for the city's page in shared/seed, else an official https URL


@dataclass(frozen=True)
class FollowUp:
    booking: bool = True
    referral: str | None = None  # None, "lokal_willkommen" or "kim"
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntryText:
    """An entry's texts in one language."""

    language: str
    title: str
    answer: str
    questions: tuple[str, ...]
    machine: bool  # True while the translation is machine-made and unreviewed


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    legal: bool
    sources: tuple[Source, ...]
    reviewed: dt.date | None
    valid_until: dt.date | None
    follow_up: FollowUp
    texts: dict[str, EntryText]
    path: Path

    @property
    def intent(self) -> str:
        return INTENT_PREFIX + self.id

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.texts)

    def text(self, language: str) -> EntryText | None:
        return self.texts.get(language)


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry] = field(default_factory=dict)

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def by_intent(self, intent: str | None) -> Entry | None:
        if not intent or not intent.startswith(INTENT_PREFIX):
            return None
        return self.entries.get(intent[len(INTENT_PREFIX) :])

    def by_topic(self, topic: str) -> list[Entry]:
        return sorted((e for e in self.entries.values() if e.topic == topic), key=lambda e: e.id)

    @property
    def topics(self) -> list[str]:
        present = {e.topic for e in self.entries.values()}
        return [t for t in TOPICS if t in present]


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from exc


def _text(language: str, raw: Any, where: str) -> EntryText:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: texts.{language} must be a mapping with title, answer, questions")
    questions = raw.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise KnowledgeError(f"{where}: texts.{language}.questions must be a list of strings")
    translation = raw.get("translation", "machine")
    if translation not in ("reviewed", "machine"):
        raise KnowledgeError(f"{where}: texts.{language}.translation must be reviewed or machine")
    return EntryText(
        language=language,
        title=str(raw.get("title") or "").strip(),
        answer=str(raw.get("answer") or "").strip(),
        questions=tuple(q.strip() for q in questions if q.strip()),
        machine=translation == "machine",
    )


def parse_entry(path: Path) -> Entry:
    """Read one entry file."""
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: an entry must be a mapping")
    for key in ("id", "topic", "texts"):
        if not raw.get(key):
            raise KnowledgeError(f"{where}: `{key}` is missing")
    sources = raw.get("source") or []
    if isinstance(sources, dict):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise KnowledgeError(f"{where}: `source` must be a list of {{title, url}}")
    follow = raw.get("follow_up") or {}
    if not isinstance(raw["texts"], dict):
        raise KnowledgeError(f"{where}: `texts` must map language codes to texts")
    return Entry(
        id=str(raw["id"]),
        topic=str(raw["topic"]),
        legal=bool(raw.get("legal", False)),
        sources=tuple(Source(str(s.get("title") or ""), str(s.get("url") or "")) for s in sources),
        reviewed=_date(raw.get("reviewed"), f"{where}: reviewed"),
        valid_until=_date(raw.get("valid_until"), f"{where}: valid_until"),
        follow_up=FollowUp(
            booking=bool(follow.get("booking", True)),
            referral=follow.get("referral") or None,
            related=tuple(str(r) for r in (follow.get("related") or [])),
        ),
        texts={str(lang): _text(str(lang), text, where) for lang, text in raw["texts"].items()},
        path=path,
    )


def entry_files(root: Path) -> list[Path]:
    """Every entry file: ``<topic>/<id>.yml`` one level down.

    messages.yml and other top-level files are not entries.
    """
    return sorted(p for p in root.glob("*/*.yml") if not p.parent.name.startswith(("_", ".")))


def load_knowledge(root: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Load every entry below ``root``; a duplicate id is an error."""
    kb = KnowledgeBase()
    for path in entry_files(root):
        entry = parse_entry(path)
        if entry.id in kb.entries:
            raise KnowledgeError(f"{path}: id {entry.id!r} is already used by {kb.entries[entry.id].path}")
        kb.entries[entry.id] = entry
    return kb
