"""Tests for booking.postcodes: sourced postcode mapping, district names, lokal willkommen offices."""

from __future__ import annotations

import csv

import pytest

from booking import postcodes
from booking.postcodes import (
    DISTRICT_IDS,
    DISTRICTS,
    districts_for_postcode,
    lokal_willkommen_office,
    normalise_district,
    placeholders,
)


def test_twelve_districts() -> None:
    assert len(DISTRICTS) == 12
    assert ("hoerde", "Hörde") in DISTRICTS
    assert ("innenstadt_west", "Innenstadt-West") in DISTRICTS


def test_single_district_postcode() -> None:
    assert districts_for_postcode("44137") == ["innenstadt_west"]
    assert districts_for_postcode(" 44309 ") == ["brackel"]


def test_postcode_spanning_two_districts() -> None:
    assert sorted(districts_for_postcode("44143")) == ["brackel", "innenstadt_ost"]


def test_postcode_with_arabic_indic_digits_and_country_prefix() -> None:
    assert districts_for_postcode("٤٤١٣٧") == ["innenstadt_west"]
    assert districts_for_postcode("D-44137") == ["innenstadt_west"]


@pytest.mark.parametrize("text", ["10115", "44 1 3 5", "4413", "441370", "abcde", "", "44-135"])
def test_unknown_or_malformed_postcode(text: str) -> None:
    assert districts_for_postcode(text) == []


def test_every_postcode_row_names_a_public_source() -> None:
    text = postcodes.POSTCODES_FILE.read_text(encoding="utf-8")
    assert "Checked: 2026-11-25" in text
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows
    for row in rows:
        assert row["district"] in DISTRICT_IDS
        assert row["source_title"].startswith("Wikipedia (de)")
        assert row["source_url"].startswith("https://de.wikipedia.org/")
        assert row["read_at"].startswith("http")
        assert row["postcode"] in row["source_title"] or "–" in row["source_title"]


def test_mapped_postcodes_are_dortmund_postcodes() -> None:
    table = postcodes._postcode_table()
    assert len(table) == 28
    assert all(code.startswith(("441", "442", "443")) for code in table)


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("Hörde", "hoerde"),
        ("hoerde", "hoerde"),
        ("HORDE", "hoerde"),
        ("Innenstadt West", "innenstadt_west"),
        ("innenstadt-nord", "innenstadt_nord"),
        ("Nordstadt", "innenstadt_nord"),
        ("city", "innenstadt_west"),
        ("Luetgendortmund", "luetgendortmund"),
        ("Lütgendortmnd", "luetgendortmund"),
        ("Scharnhost", "scharnhorst"),
        ("Dortmund-Eving", "eving"),
        ("ich wohne in Aplerbeck", "aplerbeck"),
        ("Wambel", "brackel"),
    ],
)
def test_normalise_district(text: str, district: str) -> None:
    assert normalise_district(text) == district


@pytest.mark.parametrize("text", ["Innenstadt", "Hagen", "xyz", "", "Berlin", "Eving oder Mengede"])
def test_normalise_district_refuses_to_guess(text: str) -> None:
    assert normalise_district(text) is None


def test_office_named_on_the_seed_page_has_no_contact_details() -> None:
    office = lokal_willkommen_office("luetgendortmund")
    assert office.name == "lokal willkommen Lütgendortmund"
    assert office.address is None
    assert office.phone is None
    assert office.placeholder


def test_office_unknown_for_district_is_a_placeholder() -> None:
    office = lokal_willkommen_office("brackel")
    assert office.name == "lokal willkommen"
    assert office.placeholder


def test_office_for_unknown_district_raises() -> None:
    with pytest.raises(KeyError):
        lokal_willkommen_office("berlin_mitte")


def test_placeholders_are_listed_for_the_start_up_warning() -> None:
    found = placeholders()
    assert "referrals.lokal_willkommen_offices.eving_scharnhorst.address" in found
    assert "referrals.districts.brackel.office" in found
    assert "referrals.districts.eving.office" not in found


def test_referral_kinds_point_to_existing_knowledge_entries() -> None:
    kinds = postcodes.referral_kinds()
    assert set(kinds) == {"lokal_willkommen", "kim", "buergerdienste", "auslaenderbehoerde", "jobcenter"}
    knowledge_dir = postcodes.KNOWLEDGE_DIR
    for kind in kinds.values():
        assert list(knowledge_dir.glob(f"*/{kind['knowledge']}.yml")), kind
