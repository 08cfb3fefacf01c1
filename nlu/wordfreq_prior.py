"""Word-frequency evidence for short texts: how likely each language makes the words of one to three.

fastText knows little about a single word; how often each language uses it says a lot ("mieszkanie"
is common Polish and rare anywhere else). The frequencies are wordfreq's (Robyn Speer, CC BY-SA 4.0),
vendored in ``nlu/wordlists/<lang>.tsv.gz`` by ``scripts/vendor_wordlists.py``: every word down to
Zipf 3.0 (once per million words). Neither virtualenv imports wordfreq itself. Pure logic: this module
imports neither ``rasa`` nor ``bot``.

The model, per language ``l``, is a unigram model over the text's words ``w``:

- ``f_l(w) = 10 ** zipf_l(w)`` per billion words; a word missing from ``l``'s list counts as
  :data:`FLOOR_ZIPF`, ten times rarer than the rarest listed word, since the lists share one bottom.
- **Loanwords from the host country**: people in Dortmund drop German words ("Jobcenter", "Termin",
  "hallo") into every language, so a share :data:`LOAN_SHARE` of another Latin-script language's words
  is drawn from German: ``P(w | l) = (1 - LOAN_SHARE) f_l(w) + LOAN_SHARE f_de(w)``. A German word
  thereby counts for German at most ``1 / LOAN_SHARE`` times more than for another language, which
  keeps "hallo" a guess rather than a switch to German; an unknown word still counts the same for all.
- A language without a list (Kurmanji, Pashto, Tigrinya) is taken to be like one of the listed
  candidates, picked at random: its likelihood is their mean. Below the best and above the worst, it
  neither wins nor loses by this evidence alone, and fastText decides between it and the others.
  (Giving it the floor instead would make every Kurmanji word that is also a Turkish, English or
  French word - "li", "me", "ez" - count against Kurmanji.)

Words are looked up as wordfreq stores them: NFC (NFKC and without vowel marks or tatweel in
Arabic script), case-folded (Turkish with its dotted and dotless i), s and t with cedillas in Turkish
and with commas in Romanian, curly apostrophes straightened, French elisions ("l'emploi") split.
"""

from __future__ import annotations

import gzip
import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

WORDLIST_DIR = Path(__file__).resolve().parent / "wordlists"
#: Only texts of at most this many (whitespace-separated) words get word-frequency evidence.
MAX_WORDS = 3
#: The Zipf value of a word missing from a list: ten times rarer than the lists' bottom (3.0).
FLOOR_ZIPF = 2.0
#: The host country's language, and the share of another language's words borrowed from it.
LOAN_LANGUAGE = "de"
LOAN_SHARE = 0.2

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_JOINERS = {"\u200c", "\u200d"}
# wordfreq splits "l'emploi", "d'heure", "qu'il" after the apostrophe (one or two letters, then a vowel or h).
_ELISION = re.compile(r"^([^\W\d_]{1,2})'(?=[AEHIOUYÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛÅÏÖŒaehiouyáéíóúàèìòùâêîôûåïöœ])")
_ARABIC_SCRIPT = frozenset({"ar", "fa"})
_TATWEEL = "\u0640"

_lists: dict[str, dict[str, float]] = {}
_lock = threading.Lock()


def listed_languages() -> frozenset[str]:
    """The languages that have a word list."""
    return frozenset(path.name.removesuffix(".tsv.gz") for path in WORDLIST_DIR.glob("*.tsv.gz"))


_LISTED = listed_languages()


def wordlist(lang: str) -> dict[str, float]:
    """Word -> Zipf value for one language, read once on first use; empty for a language without a list."""
    found = _lists.get(lang)
    if found is not None:
        return found
    with _lock:
        if lang not in _lists:
            table: dict[str, float] = {}
            path = WORDLIST_DIR / f"{lang}.tsv.gz"
            if lang in _LISTED:
                values: dict[str, float] = {}  # one float object per distinct value saves memory
                for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
                    word, _, text = line.partition("\t")
                    value = values.get(text)
                    if value is None:
                        value = values[text] = float(text)
                    table[word] = value
            _lists[lang] = table
    return _lists[lang]


def tokens(text: str) -> list[str]:
    """The text's words as wordfreq counts them (case kept): letters with marks, joiners, apostrophes."""
    found: list[str] = []
    for chunk in text.translate(_APOSTROPHES).split():
        current: list[str] = []
        for char in chunk + " ":
            category = unicodedata.category(char)
            if category[0] in "LM" or char in _JOINERS or (char == "'" and current):
                current.append(char)
                continue
            _flush("".join(current), found)
            current = []
    return found


def _flush(token: str, found: list[str]) -> None:
    token = token.strip("'")
    if not token:
        return
    elided = _ELISION.match(token)
    if elided:
        found.append(elided.group(1))
        token = token[elided.end() :]
    found.append(token)


def lookup_form(token: str, lang: str) -> str:
    """The token as ``lang``'s list spells it (see the module docstring)."""
    token = token.translate(_APOSTROPHES)
    if lang in _ARABIC_SCRIPT:
        token = unicodedata.normalize("NFKC", token).replace(_TATWEEL, "")
        token = "".join(c for c in token if unicodedata.category(c) != "Mn")
        return token.casefold()
    token = unicodedata.normalize("NFC", token)
    if lang == "tr":
        token = token.replace("İ", "i").replace("I", "ı").casefold()
        return token.replace("ș", "ş").replace("ț", "ţ")
    token = token.casefold()
    if lang == "ro":
        return token.replace("ş", "ș").replace("ţ", "ț")
    return token


def zipf(word: str, lang: str) -> float | None:
    """The word's Zipf value in ``lang`` (log10 of its occurrences per billion words), None if unlisted."""
    return wordlist(lang).get(lookup_form(word, lang))


def log_likelihoods(text: str, languages: Iterable[str]) -> dict[str, float]:
    """log10 of P(words | language) for each of ``languages`` under the model above, in Zipf units.

    Only differences between languages matter: each word adds the log10 of its modelled frequency
    per billion words.

    Returns an empty dict when there is no evidence: more than :data:`MAX_WORDS` words, no word with
    letters, or no listed language among ``languages``.
    """
    if len(text.split()) > MAX_WORDS:
        return {}
    words = tokens(text)
    candidates = sorted(set(languages))
    listed = [lang for lang in candidates if lang in _LISTED]
    if not words or not listed:
        return {}
    borrowing = LOAN_LANGUAGE in listed  # German words are borrowed as they are spelt, in Latin script
    result = dict.fromkeys(listed, 0.0)
    for word in words:
        freqs = {lang: 10 ** max(zipf(word, lang) or FLOOR_ZIPF, FLOOR_ZIPF) for lang in listed}
        for lang, freq in freqs.items():
            if borrowing and lang != LOAN_LANGUAGE:
                freq = (1 - LOAN_SHARE) * freq + LOAN_SHARE * freqs[LOAN_LANGUAGE]
            result[lang] += math.log10(freq)
    top = max(result.values())
    unknown = top + math.log10(sum(10 ** (value - top) for value in result.values()) / len(result))
    return {lang: result.get(lang, unknown) for lang in candidates}
