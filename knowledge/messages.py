"""Everything the bot says that is not a knowledge entry: greetings, menus, notices, errors.

The texts live in ``knowledge/messages.yml`` (key → language → text), so editors change them without
touching Python, and the gateway can say "technical problem" in the user's language while Rasa is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.languages import FALLBACK_LANGUAGES

MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yml"


@dataclass(frozen=True)
class Localized:
    text: str
    language: str  # the language actually used (the asked one, or a fallback)
    machine: bool  # True when that text is a machine translation not yet reviewed


class Messages:
    """The message catalogue, with German then English as fallback."""

    def __init__(self, texts: dict[str, dict[str, str]], translation: dict[str, str]) -> None:
        self._texts = texts
        self._translation = translation

    @property
    def keys(self) -> list[str]:
        return sorted(self._texts)

    def languages(self, key: str) -> list[str]:
        return list(self._texts.get(key, {}))

    def has(self, key: str, language: str) -> bool:
        return bool(self._texts.get(key, {}).get(language))

    def is_machine(self, language: str) -> bool:
        return self._translation.get(language, "machine") == "machine"

    def get(self, key: str, language: str | None, **fmt: Any) -> Localized:
        """The text of ``key`` in ``language``, else German, else English.

        ``fmt`` fills ``{placeholders}``.
        """
        if key not in self._texts:
            raise KeyError(f"no message {key!r} in messages.yml")
        variants = self._texts[key]
        for lang in ([language] if language else []) + list(FALLBACK_LANGUAGES):
            if lang and variants.get(lang):
                text = variants[lang].strip()
                return Localized(text.format(**fmt) if fmt else text, lang, self.is_machine(lang))
        raise KeyError(f"message {key!r} has neither German nor English text")


def load_messages(path: Path = MESSAGES_FILE) -> Messages:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    translation = raw.pop("translation", {}) or {}
    texts = {str(k): {str(lang): str(t) for lang, t in (v or {}).items()} for k, v in raw.items()}
    return Messages(texts, {str(k): str(v) for k, v in translation.items()})
