"""Dortmund postcodes and Stadtbezirke (city districts) for "lokal willkommen" referrals.

The data lives in YAML the content team edits: ``knowledge/referrals.yml`` (districts, other names people
type, the responsible office) and ``knowledge/data/dortmund-postcodes.csv`` (postcode -> districts, every row
with its public source). Nothing here invents contact details: unset values are ``PLACEHOLDER`` and show up
in :func:`placeholders` so start-up can warn.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
REFERRALS_FILE = KNOWLEDGE_DIR / "referrals.yml"
POSTCODES_FILE = KNOWLEDGE_DIR / "data" / "dortmund-postcodes.csv"
PLACEHOLDER = "PLACEHOLDER"
GENERIC_OFFICE_NAME = "lokal willkommen"

_POSTCODE = re.compile(r"^\s*(?:D\s*-\s*)?(\d{5})\s*$", re.IGNORECASE)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@dataclass(frozen=True)
class ReferralOffice:
    """A "lokal willkommen" office; ``placeholder`` is True when any detail is unknown."""

    name: str
    address: str | None
    phone: str | None
    placeholder: bool


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping")
    return data


@cache
def _referrals() -> dict[str, Any]:
    return _load_yaml(REFERRALS_FILE)


@cache
def _district_table() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    rows = []
    for item in _referrals()["districts"]:
        rows.append((str(item["id"]), str(item["name"]), tuple(str(n) for n in item.get("names") or ())))
    if len(rows) != 12:
        raise ValueError(f"{REFERRALS_FILE} must list the 12 Stadtbezirke, found {len(rows)}")
    return tuple(rows)


DISTRICTS: tuple[tuple[str, str], ...] = tuple((row[0], row[1]) for row in _district_table())
DISTRICT_IDS: frozenset[str] = frozenset(row[0] for row in DISTRICTS)


@cache
def _postcode_table() -> dict[str, tuple[str, ...]]:
    """Postcode -> district ids, in file order; every row must name its public source."""
    with POSTCODES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    table: dict[str, list[str]] = {}
    for row in rows:
        code, district = row["postcode"].strip(), row["district"].strip()
        if not re.fullmatch(r"\d{5}", code):
            raise ValueError(f"bad postcode {code!r} in {POSTCODES_FILE}")
        if district not in DISTRICT_IDS:
            raise ValueError(f"{code}: unknown district {district!r} in {POSTCODES_FILE}")
        if not (row.get("source_title") or "").strip() or not (row.get("source_url") or "").startswith(
            "http"
        ):
            raise ValueError(f"{code}/{district}: every row needs a source title and URL")
        districts = table.setdefault(code, [])
        if district not in districts:
            districts.append(district)
    return {code: tuple(districts) for code, districts in table.items()}


def district_name(district_id: str) -> str:
    """The German name of a district id ("hoerde" -> "Hörde")."""
    return dict(DISTRICTS)[district_id]


def districts_for_postcode(postcode: str) -> list[str]:
    """District ids for a postcode: [] if unknown or malformed, one id, or several if it spans districts."""
    match = _POSTCODE.match(postcode.translate(_DIGITS))
    if match is None:
        return []
    return list(_postcode_table().get(match.group(1), ()))


def _fold(text: str) -> str:
    """Lower case, umlauts as base letters (ö/oe -> o, ß -> ss), only letters and digits."""
    text = text.strip().casefold().replace("ß", "ss")
    text = re.sub(r"(?<=[aou])e", "", text)  # "hoerde" -> "horde", like "hörde" below
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isalnum())


def _edit_distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _allowed_typos(folded: str) -> int:
    return 2 if len(folded) >= 9 else 1 if len(folded) >= 6 else 0


@cache
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for district_id, name, names in _district_table():
        for form in (district_id, name, *names):
            index[_fold(form)] = district_id
    return index


def normalise_district(text: str) -> str | None:
    """Map what a person typed ("Hörde", "hoerde", "Innenstadt West", "Nordstadt") to a district id.

    The whole text is tried first, then pairs of words and single words ("ich wohne in Hörde"); when the
    words point to different districts the answer is None and the bot asks with buttons.
    """
    whole = _match_one(re.sub(r"^\s*(dortmund|do)[\s-]+", "", text, flags=re.IGNORECASE))
    if whole is not None:
        return whole
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)
    for size in (2, 1):
        hits = {_match_one(" ".join(words[i : i + size])) for i in range(len(words) - size + 1)}
        hits.discard(None)
        if len(hits) == 1:
            return hits.pop()
        if hits:
            return None
    return None


def _match_one(text: str) -> str | None:
    folded = _fold(text)
    if not folded:
        return None
    index = _name_index()
    if folded in index:
        return index[folded]
    best: dict[str, int] = {}
    for form, district_id in index.items():
        limit = _allowed_typos(form)
        if limit == 0:
            continue
        distance = _edit_distance(folded, form, limit)
        if distance <= limit:
            best[district_id] = min(distance, best.get(district_id, distance))
    if not best:
        return None
    lowest = min(best.values())
    winners = [district_id for district_id, distance in best.items() if distance == lowest]
    return winners[0] if len(winners) == 1 else None


def _value(raw: object) -> str | None:
    return None if raw is None or str(raw).strip() in ("", PLACEHOLDER) else str(raw)


def lokal_willkommen_office(district_id: str) -> ReferralOffice:
    """The office responsible for a district; unknown parts are None and ``placeholder`` is True."""
    if district_id not in DISTRICT_IDS:
        raise KeyError(district_id)
    row = next(item for item in _referrals()["districts"] if item["id"] == district_id)
    key = _value(row.get("office"))
    if key is None:
        return ReferralOffice(name=GENERIC_OFFICE_NAME, address=None, phone=None, placeholder=True)
    office = _referrals()["lokal_willkommen_offices"][key]
    address, phone = _value(office.get("address")), _value(office.get("phone"))
    return ReferralOffice(
        name=str(office["name"]), address=address, phone=phone, placeholder=address is None or phone is None
    )


def referral_kinds() -> dict[str, dict[str, Any]]:
    """Referral kinds with the knowledge entry each one shows (for the dialogue)."""
    return dict(_referrals()["kinds"])


def placeholders() -> list[str]:
    """Names of unset values in referrals.yml, for a start-up warning."""
    found = [
        f"referrals.districts.{item['id']}.office"
        for item in _referrals()["districts"]
        if _value(item.get("office")) is None
    ]
    for key, office in _referrals()["lokal_willkommen_offices"].items():
        found += [
            f"referrals.lokal_willkommen_offices.{key}.{field}"
            for field in ("address", "phone")
            if _value(office.get(field)) is None
        ]
    return found
