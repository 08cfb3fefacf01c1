"""Coverage of the knowledge base: which entry exists in which language, reviewed or machine-made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from knowledge.loader import KNOWLEDGE_DIR, load_knowledge
from nlu.languages import LANGUAGES

STALE_AFTER = dt.timedelta(days=180)
EXPIRES_SOON = dt.timedelta(days=60)


def report(root: Path = KNOWLEDGE_DIR, today: dt.date | None = None) -> str:
    """A table: one row per entry, one column per language (R reviewed, M machine, - missing)."""
    today = today or dt.date.today()
    kb = load_knowledge(root)
    codes = [lang.code for lang in LANGUAGES]
    width = max([len(e) for e in kb.entries] + [5])
    lines = [f"{'entry'.ljust(width)}  " + " ".join(c.rjust(2) for c in codes) + "  questions"]
    stale = []
    for entry in sorted(kb.entries.values(), key=lambda e: (e.topic, e.id)):
        cells = []
        for code in codes:
            text = entry.text(code)
            cells.append(" -" if text is None else (" M" if text.machine else " R"))
        count = sum(len(t.questions) for t in entry.texts.values())
        lines.append(f"{entry.id.ljust(width)}  " + " ".join(cells) + f"  {count:9d}")
        if entry.reviewed is None or today - entry.reviewed > STALE_AFTER:
            stale.append(f"{entry.id}: reviewed {entry.reviewed or 'never'}")
        if entry.valid_until is not None and entry.valid_until - today < EXPIRES_SOON:
            stale.append(f"{entry.id}: valid until {entry.valid_until}")
    totals = [sum(1 for e in kb.entries.values() if e.text(c)) for c in codes]
    lines.append(f"{'entries'.ljust(width)}  " + " ".join(f"{t:2d}" for t in totals))
    lines.append("")
    lines.append("Stale or expiring: " + ("; ".join(stale) if stale else "none"))
    return "\n".join(lines)
