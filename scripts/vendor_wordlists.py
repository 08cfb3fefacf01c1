"""Write nlu/wordlists/<lang>.tsv.gz from the word-frequency lists inside a wordfreq 3.1.1 wheel.

The language detector's word-frequency prior (``nlu/wordfreq_prior.py``) reads these files; neither
virtualenv installs wordfreq, whose pinned ``regex`` clashes with Rasa's. This script downloads
nothing and needs only the standard library: get the wheel first, then point the script at it::

    .venv/bin/pip download wordfreq==3.1.1 --no-deps -d /tmp/wfq
    .venv/bin/python scripts/vendor_wordlists.py /tmp/wfq/wordfreq-3.1.1-py3-none-any.whl

Each ``wordfreq/data/small_<lang>.msgpack.gz`` is a "cBpack": a gzipped msgpack list whose first item
is the header ``{"format": "cB", "version": 1}`` and whose item ``1 + i`` lists the words of frequency
``-i`` centibels, i.e. ``10 ** (-i / 100)`` of all tokens (see ``read_cBpack`` in wordfreq). The Zipf
value is ``(900 - i) / 100``: log10 of the occurrences per billion words. The "small" lists hold every
word down to Zipf 3.0 (once per million words), the same bottom in every language.

Output: one ``word<TAB>zipf`` line per word (Zipf to one decimal), most frequent first, words with the
same value in wordfreq's order; only words of letters, combining marks, joiners and apostrophes, since
the detector looks up nothing else (numbers and abbreviations with dots are left out). Written
byte-for-byte reproducibly (gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "nlu" / "wordlists"
#: The supported languages that wordfreq has (it has no Kurmanji, Pashto or Tigrinya).
LANGUAGES = ("de", "en", "ar", "uk", "ru", "tr", "fa", "ro", "bg", "fr", "pl", "es")
#: Keep words at or above this Zipf value: 3.0 keeps the whole small list, whose bottom it is.
MIN_ZIPF = 3.0
_JOINERS = {"\u200c", "\u200d", "'"}


class _Reader:
    """Just enough of msgpack for a cBpack: arrays, maps, strings, small integers, nil and booleans."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        if len(chunk) != size:
            raise ValueError("truncated msgpack data")
        self.pos += size
        return chunk

    def _uint(self, size: int) -> int:
        return int.from_bytes(self._take(size), "big")

    def read(self) -> object:
        tag = self._take(1)[0]
        if tag <= 0x7F:
            return tag
        if tag >= 0xE0:
            return tag - 0x100
        if 0xA0 <= tag <= 0xBF:
            return self._take(tag & 0x1F).decode("utf-8")
        if 0x90 <= tag <= 0x9F:
            return [self.read() for _ in range(tag & 0x0F)]
        if 0x80 <= tag <= 0x8F:
            return self._map(tag & 0x0F)
        simple: dict[int, object] = {0xC0: None, 0xC2: False, 0xC3: True}
        if tag in simple:
            return simple[tag]
        sized = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4, 0xCC: 1, 0xCD: 2, 0xCE: 4}
        if tag not in sized:
            raise ValueError(f"msgpack type 0x{tag:02x} is not expected in a cBpack")
        size = self._uint(sized[tag])
        if tag in (0xCC, 0xCD, 0xCE):
            return size
        if tag in (0xD9, 0xDA, 0xDB):
            return self._take(size).decode("utf-8")
        if tag in (0xDC, 0xDD):
            return [self.read() for _ in range(size)]
        return self._map(size)

    def _map(self, size: int) -> dict[object, object]:
        result = {}
        for _ in range(size):
            key = self.read()
            result[key] = self.read()
        return result


def read_cbpack(data: bytes) -> list[list[str]]:
    """The word buckets of a gzipped cBpack: item i holds the words of -i centibels."""
    reader = _Reader(gzip.decompress(data))
    packed = reader.read()
    if reader.pos != len(reader.data) or not isinstance(packed, list) or not packed:
        raise ValueError("a cBpack is one msgpack list")
    header = packed[0]
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"unexpected cBpack header: {header!r}")
    buckets = packed[1:]
    if not all(isinstance(bucket, list) for bucket in buckets):
        raise ValueError("a cBpack's buckets are lists of words")
    return [[str(word) for word in bucket] for bucket in buckets if isinstance(bucket, list)]


def is_lookup_word(word: str) -> bool:
    """True for words the detector can look up: letters, with marks, joiners and apostrophes inside."""
    return any(unicodedata.category(c).startswith("L") for c in word) and all(
        unicodedata.category(c)[0] in "LM" or c in _JOINERS for c in word
    )


def wordlist_lines(buckets: list[list[str]], min_zipf: float) -> list[str]:
    """``word<TAB>zipf`` lines, most frequent first."""
    lines = []
    for centibels, bucket in enumerate(buckets):
        zipf_tenths = (900 - centibels + 5) // 10  # to one decimal, halves rounded up
        if zipf_tenths < round(min_zipf * 10):
            break
        lines += [f"{word}\t{zipf_tenths / 10:.1f}" for word in bucket if is_lookup_word(word)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("wheel", type=Path, help="wordfreq-3.1.1-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--min-zipf", type=float, default=MIN_ZIPF)
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(args.wheel) as wheel:
        for lang in LANGUAGES:
            buckets = read_cbpack(wheel.read(f"wordfreq/data/small_{lang}.msgpack.gz"))
            lines = wordlist_lines(buckets, args.min_zipf)
            text = "".join(line + "\n" for line in lines).encode("utf-8")
            target = args.out / f"{lang}.tsv.gz"
            target.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
            print(
                f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
                f"{len(lines)} words, {target.stat().st_size} bytes"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
