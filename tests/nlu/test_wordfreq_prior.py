"""The word-frequency prior: vendored lists, lookup as wordfreq spells words, likelihoods, speed."""

from __future__ import annotations

import gzip
import importlib.util
import math
import time
from pathlib import Path

import pytest

from nlu import wordfreq_prior
from nlu.langdetect import SCRIPT_CANDIDATES, detect
from nlu.wordfreq_prior import LOAN_SHARE, log_likelihoods, tokens, zipf

ROOT = Path(__file__).resolve().parents[2]
LATIN = SCRIPT_CANDIDATES["latin"]
CYRILLIC = SCRIPT_CANDIDATES["cyrillic"]
ARABIC = SCRIPT_CANDIDATES["arabic"]

# "Dwelling" (and "hospital" in Arabic script): clear to a speaker; several are cousins of each other.
WORDS = [
    ("de", "Wohnung", LATIN),
    ("ro", "locuință", LATIN),
    ("es", "vivienda", LATIN),
    ("pl", "mieszkanie", LATIN),
    ("fr", "logement", LATIN),
    ("tr", "konut", LATIN),
    ("en", "housing", LATIN),
    ("ru", "жильё", CYRILLIC),
    ("uk", "житло", CYRILLIC),
    ("bg", "жилище", CYRILLIC),
    ("ar", "مستشفى", ARABIC),  # hospital
    ("fa", "بیمارستان", ARABIC),  # hospital
]


def best(scores: dict[str, float]) -> str:
    return max(scores, key=lambda lang: scores[lang])


def test_the_vendored_lists_are_the_supported_languages_wordfreq_has() -> None:
    assert wordfreq_prior.listed_languages() == {
        "de", "en", "ar", "uk", "ru", "tr", "fa", "ro", "bg", "fr", "pl", "es"
    }  # fmt: skip
    assert (wordfreq_prior.WORDLIST_DIR / "NOTICE.md").is_file()
    total = sum(path.stat().st_size for path in wordfreq_prior.WORDLIST_DIR.glob("*.tsv.gz"))
    assert total < 3_000_000


def test_a_list_is_word_tab_zipf_most_frequent_first() -> None:
    lines = gzip.decompress((wordfreq_prior.WORDLIST_DIR / "de.tsv.gz").read_bytes()).decode().splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 2 for row in rows)
    values = [float(value) for _, value in rows]
    assert values == sorted(values, reverse=True)
    assert min(values) >= 3.0
    assert rows[0][0] in {"die", "der", "und"}


@pytest.mark.parametrize(("expected", "word", "candidates"), WORDS)
def test_a_distinctive_word_is_most_likely_in_its_language(
    expected: str, word: str, candidates: frozenset[str]
) -> None:
    assert best(log_likelihoods(word, candidates)) == expected


@pytest.mark.parametrize(("expected", "word", "candidates"), WORDS)
def test_the_detector_gets_a_distinctive_single_word_right(
    expected: str, word: str, candidates: frozenset[str]
) -> None:
    assert detect(word).language == expected


def test_an_unknown_word_gives_no_prior() -> None:
    for word, candidates in (("Zwrqtplk", LATIN), ("Кзщфыв", CYRILLIC), ("ژخغضظ", ARABIC)):
        scores = log_likelihoods(word, candidates)
        assert set(scores) == candidates
        assert max(scores.values()) - min(scores.values()) < 1e-9


def test_a_language_without_a_list_neither_wins_nor_loses_by_itself() -> None:
    for word in ("konut", "li", "the"):
        scores = log_likelihoods(word, LATIN)
        listed = [scores[lang] for lang in LATIN if lang != "ku"]
        assert min(listed) < scores["ku"] < max(listed)


def test_a_german_loanword_counts_for_german_only_so_much() -> None:
    scores = log_likelihoods("Jobcenter", LATIN)
    assert best(scores) == "de"
    for lang in LATIN - {"de"}:
        assert scores["de"] - scores[lang] <= -math.log10(LOAN_SHARE) + 1e-9


def test_no_evidence_beyond_three_words_or_without_letters() -> None:
    assert log_likelihoods("eine kleine Wohnung hier", LATIN) == {}
    assert log_likelihoods("12 345 !!", LATIN) == {}
    assert log_likelihoods("Wohnung", {"ku"}) == {}


def test_words_are_split_as_wordfreq_splits_them() -> None:
    assert tokens("L'emploi, qu'il dit!") == ["L", "emploi", "qu", "il", "dit"]
    assert tokens("Dortmund'a gidiyorum") == ["Dortmund'a", "gidiyorum"]
    assert tokens("п’ять пʼять") == ["п'ять", "п'ять"]
    assert tokens("e-mail 2024 :-)") == ["e", "mail"]


def test_words_are_looked_up_as_wordfreq_spells_them() -> None:
    assert zipf("STRASSE", "de") == zipf("Straße", "de") is not None  # case-folded, ß as ss
    assert zipf("İSTANBUL", "tr") == zipf("istanbul", "tr") is not None  # Turkish dotted capital I
    assert zipf("IŞIK", "tr") == zipf("ışık", "tr") is not None  # and dotless I
    assert zipf("şcoală", "ro") == zipf("școală", "ro") is not None  # cedilla or comma below
    assert zipf("كَلِمَة", "ar") == zipf("كلمة", "ar") is not None  # vowel marks dropped
    assert zipf("می‌خواهم", "fa") is not None  # with the zero-width non-joiner
    assert zipf("п’ять", "uk") is not None  # curly apostrophe
    assert zipf("Zwrqtplk", "de") is None


def test_the_lists_load_fast() -> None:
    saved = dict(wordfreq_prior._lists)
    wordfreq_prior._lists.clear()
    try:
        started = time.perf_counter()
        for lang in wordfreq_prior.listed_languages():
            assert len(wordfreq_prior.wordlist(lang)) > 25_000
        assert time.perf_counter() - started < 1.0
    finally:
        wordfreq_prior._lists.update(saved)


def test_the_vendoring_script_reads_a_cbpack() -> None:
    spec = importlib.util.spec_from_file_location("vendor", ROOT / "scripts" / "vendor_wordlists.py")
    assert spec is not None and spec.loader is not None
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    # msgpack by hand: [{"format": "cB", "version": 1}, [], ["fish"], ["blue", "red", "2nd"]]
    header = b"\x82\xa6format\xa2cB\xa7version\x01"
    packed = b"\x94" + header + b"\x90" + b"\x91\xa4fish" + b"\x93\xa4blue\xa3red\xa32nd"
    buckets = vendor.read_cbpack(gzip.compress(packed))
    assert buckets == [[], ["fish"], ["blue", "red", "2nd"]]
    assert vendor.wordlist_lines(buckets, 0.0) == ["fish\t9.0", "blue\t9.0", "red\t9.0"]
