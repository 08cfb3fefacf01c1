"""The language detector: restriction, script rules, priors, threshold and bad input."""

from __future__ import annotations

import time

import pytest

from nlu.langdetect import CONFIDENT, detect, detect_raw

SENTENCES = {
    "de": "Ich suche eine Wohnung für meine Familie in Dortmund",
    "en": "I need help with my application at the job centre",
    "ar": "أحتاج إلى مساعدة في طلبي لدى مركز العمل",
    "uk": "Мені потрібна допомога із заявою до джобцентру",
    "ru": "Мне нужна помощь с заявлением в джобцентр",
    "tr": "İş merkezindeki başvurum için yardıma ihtiyacım var",
    "fa": "برای درخواستم در اداره کار به کمک نیاز دارم",
    "ro": "Am nevoie de ajutor cu cererea mea la centrul de locuri de muncă",
    "bg": "Имам нужда от помощ с молбата си в бюрото по труда",
    "fr": "J'ai besoin d'aide pour ma demande au centre pour l'emploi",
    "pl": "Potrzebuję pomocy z moim wnioskiem w urzędzie pracy",
    "ku": "Ez ji bo serlêdana xwe li navenda kar alîkariyê dixwazim",
    "ps": "زه د کار په مرکز کې د خپلې غوښتنې لپاره مرستې ته اړتیا لرم",
    "ti": "ኣብ ማእከል ስራሕ ንዘቕረብክዎ ሕቶ ሓገዝ የድልየኒ እዩ",
    "es": "Necesito ayuda con mi solicitud en el centro de empleo",
}


@pytest.mark.parametrize(("expected", "text"), SENTENCES.items())
def test_clear_sentences_are_detected_confidently(expected: str, text: str) -> None:
    result = detect(text)
    assert result.language == expected
    assert result.confident


def test_tigrinya_comes_from_the_ethiopic_script_which_lid176_does_not_know() -> None:
    assert detect_raw(SENTENCES["ti"]) != "ti"
    assert detect("ሰላም").language == "ti"


def test_ukrainian_letters_decide_between_ukrainian_and_russian() -> None:
    assert detect("їжак і єнот").language == "uk"
    assert detect("съешь этих мягких булок").language == "ru"


def test_pashto_letters_decide_between_pashto_and_persian() -> None:
    assert detect("ښځه ډېره ښه ده").language == "ps"
    assert detect("من کتاب را خواندم").language == "fa"


def test_results_are_restricted_to_supported_languages() -> None:
    italian = "Dove posso trovare un corso di lingua tedesca per favore"
    assert detect_raw(italian) == "it"
    assert detect(italian).language is None


def test_unknown_script_has_no_language() -> None:
    result = detect("日本語のコースはどこですか")
    assert result.language is None
    assert not result.confident


@pytest.mark.parametrize("text", ["", "   ", "😀👍🙏", "12345 !!!", "\n\n"])
def test_text_without_letters_has_no_language(text: str) -> None:
    result = detect(text)
    assert result.language is None
    assert not result.confident


def test_conversation_prior_keeps_an_ambiguous_short_word_in_the_conversation_language() -> None:
    alone = detect("hallo")
    assert not alone.confident
    in_german = detect("hallo", conversation_language="de")
    assert in_german.language == "de"
    assert in_german.confident


def test_a_short_loanword_does_not_switch_the_conversation() -> None:
    for word in ("ok", "Jobcenter"):
        assert not detect(word, conversation_language="ar").confident


def test_a_clear_sentence_switches_even_against_the_prior() -> None:
    result = detect(SENTENCES["de"], conversation_language="ar", client_language="ar")
    assert result.language == "de"
    assert result.confident


def test_client_language_breaks_a_tie() -> None:
    assert detect("hallo", client_language="de").language == "de"
    assert detect("hallo", client_language="en").language == "en"


def test_confidence_threshold_is_applied() -> None:
    for text in SENTENCES.values():
        result = detect(text)
        assert result.confident == (result.confidence >= CONFIDENT)


def test_ten_thousand_characters_are_fast_and_handled() -> None:
    long_text = (SENTENCES["de"] + "\n") * 200
    assert len(long_text) > 10_000
    started = time.perf_counter()
    result = detect(long_text)
    assert result.language == "de"
    assert time.perf_counter() - started < 0.5


def test_mixed_scripts_follow_the_dominant_script() -> None:
    assert detect("مرحبا أريد أن أسجل في Jobcenter اليوم").language == "ar"


@pytest.mark.parametrize("word", ["hallo", "taxi", "ok", "Jobcenter", "hello"])
def test_a_single_word_that_many_languages_write_is_not_confident(word: str) -> None:
    assert not detect(word).confident


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("pl", "mieszkanie"),
        ("es", "vivienda"),
        ("ro", "locuință"),
        ("uk", "житло"),
        ("fr", "logement"),  # lid.176 alone says German
        ("uk", "дякую"),  # lid.176 alone says Russian
        ("de", "meine Wohnung"),
        ("tr", "yeni konut"),
        ("bg", "моето жилище"),
    ],
)
def test_word_frequencies_make_a_distinctive_short_text_confident(expected: str, text: str) -> None:
    result = detect(text)
    assert result.language == expected
    assert result.confident


def test_word_frequencies_leave_texts_of_four_words_and_more_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "je cherche un logement"
    before = detect(text)
    monkeypatch.setattr("nlu.langdetect.WORDFREQ_POWER", 5.0)
    monkeypatch.setattr("nlu.langdetect.FASTTEXT_POWER", 0.01)
    assert detect(text) == before
