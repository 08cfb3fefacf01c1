"""Validate the knowledge base before it trains a model or reaches a newcomer.

``check()`` returns every problem it finds; ``ankommen kb check`` prints them and fails. The rules are
the content rules of docs/content-guide.md: sources and review dates, German and English texts,
time-limited rules, unique training questions, working buttons, short answers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import KNOWLEDGE_DIR, TOPICS, Entry, KnowledgeError, entry_files, parse_entry
from knowledge.messages import MESSAGES_FILE, load_messages
from nlu.languages import SUPPORTED

MAX_ANSWER_CHARS = 600
REQUIRED_LANGUAGES = ("de", "en")
LEGAL_TOPICS = ("aufenthalt", "asyl")
REFERRALS = (None, "lokal_willkommen", "kim")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def normalise_question(text: str) -> str:
    """How questions are compared for duplicates: case, spacing and end punctuation do not count."""
    return re.sub(r"\s+", " ", text.casefold()).strip().rstrip("?!.。؟ ")


def _entry_problems(entry: Entry, today: dt.date) -> list[str]:
    found = []
    if not ID_PATTERN.match(entry.id):
        found.append(f"id {entry.id!r} may use only a-z, 0-9 and _")
    if entry.path.stem != entry.id:
        found.append(f"the file name must be the id ({entry.id}.yml)")
    if entry.topic not in TOPICS or entry.path.parent.name != entry.topic:
        found.append(f"topic {entry.topic!r} must be one of {', '.join(TOPICS)} and match the folder")
    if not entry.sources or any(not s.title or not s.url for s in entry.sources):
        found.append("every entry needs a source with a title and a url (`seed` or an official https URL)")
    if any(s.url != "seed" and not s.url.startswith("https://") for s in entry.sources):
        found.append("a source url must be `seed` or start with https://")
    if entry.reviewed is None:
        found.append("`reviewed` (the date the facts were checked) is missing")
    elif entry.reviewed > today:
        found.append(f"`reviewed` {entry.reviewed} is in the future")
    if entry.valid_until is not None and entry.valid_until < today:
        found.append(f"`valid_until` {entry.valid_until} has passed: review the entry")
    if entry.topic in LEGAL_TOPICS and not entry.legal:
        found.append(f"entries in {entry.topic} are legal topics: set `legal: true`")
    if entry.follow_up.referral not in REFERRALS:
        found.append(f"follow_up.referral must be one of {REFERRALS}")
    for lang in REQUIRED_LANGUAGES:
        text = entry.text(lang)
        if text is None or not text.title or not text.answer or not text.questions:
            found.append(f"the {lang} text needs a title, an answer and at least one question")
    for lang, text in entry.texts.items():
        if lang not in SUPPORTED:
            found.append(f"language {lang!r} is not supported (see nlu/languages.py)")
        if len(text.answer) > MAX_ANSWER_CHARS:
            found.append(f"the {lang} answer has {len(text.answer)} characters, at most {MAX_ANSWER_CHARS}")
        if lang in REQUIRED_LANGUAGES and text.machine:
            found.append(f"the {lang} text must be `translation: reviewed`")
    return found


def check(
    root: Path = KNOWLEDGE_DIR, today: dt.date | None = None, messages: Path | None = None
) -> list[Problem]:
    """Every problem in the knowledge base below ``root`` (and its messages file)."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    for path in entry_files(root):
        try:
            entry = parse_entry(path)
        except KnowledgeError as exc:
            problems.append(Problem(path, str(exc).removeprefix(f"{path}: ")))
            continue
        if entry.id in entries:
            problems.append(Problem(path, f"id {entry.id!r} is already used by {entries[entry.id].path}"))
        entries[entry.id] = entry
        problems += [Problem(path, message) for message in _entry_problems(entry, today)]

    seen: dict[str, str] = {}
    for entry in entries.values():
        for related in entry.follow_up.related:
            if related not in entries:
                problems.append(
                    Problem(entry.path, f"follow_up.related names {related!r}, which does not exist")
                )
        for text in entry.texts.values():
            for question in text.questions:
                key = normalise_question(question)
                owner = seen.setdefault(key, entry.id)
                if owner != entry.id:
                    problems.append(Problem(entry.path, f"question {question!r} is also in entry {owner}"))

    messages_path = messages or root / MESSAGES_FILE.name
    if messages_path.exists():
        catalogue = load_messages(messages_path)
        for key in catalogue.keys:
            missing = [lang for lang in REQUIRED_LANGUAGES if not catalogue.has(key, lang)]
            if missing:
                problems.append(Problem(messages_path, f"{key}: no text for {', '.join(missing)}"))
            if key.startswith("btn_"):
                for lang in catalogue.languages(key):
                    if len(catalogue.get(key, lang).text) > 20:
                        problems.append(
                            Problem(messages_path, f"{key}.{lang}: button labels have at most 20 characters")
                        )
    return problems
