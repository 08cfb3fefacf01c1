"""Language identification: raw lid.176 against Ankommen's detector, on test data written by others.

Reads ``../shared/data/langid`` (see its README): lingua's single words, word pairs and sentences for
14 languages, and TICO-19's Kurmanji, Dari (counted as ``fa``), Pashto and Tigrinya sentences. TICO-19
has sentences only; its single-word and word-pair rows are cut from those sentences (the first word,
the first two words of each), as lingua's own Pashto files were. Never train or tune on these files.

Usage: ``python bench/langid.py [--data DIR] [--limit N] [--markdown]``
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.langdetect import LABEL_MAP, detect, detect_raw  # noqa: E402

LINGUA = ("de", "en", "ar", "uk", "ru", "tr", "fa", "fr", "ro", "bg", "pl", "es", "ps", "ti")
TICO = {"ku": "ku", "prs": "fa", "ps": "ps", "ti": "ti"}
KINDS = ("single-words", "word-pairs", "sentences")
csv.field_size_limit(1 << 24)


def lingua_rows(data: Path, limit: int | None) -> list[tuple[str, str, dict[str, list[str]]]]:
    rows = []
    for iso in LINGUA:
        samples = {}
        for kind in KINDS:
            lines = (data / "lingua" / iso / f"{kind}.txt").read_text(encoding="utf-8").splitlines()
            samples[kind] = [line for line in lines if line.strip()][:limit]
        rows.append((f"{iso} (lingua)", iso, samples))
    return rows


def tico_rows(data: Path, limit: int | None) -> list[tuple[str, str, dict[str, list[str]]]]:
    rows = []
    for xx, expected in TICO.items():
        with (data / "tico19" / f"tico19_en-{xx}.tsv").open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            sentences = [row["text"].strip() for row in reader if (row.get("text") or "").strip()][:limit]
        words = [s.split() for s in sentences]
        samples = {
            "single-words": [w[0] for w in words if w],
            "word-pairs": [" ".join(w[:2]) for w in words if len(w) >= 2],
            "sentences": sentences,
        }
        rows.append((f"{expected} (TICO-19 {xx})", expected, samples))
    return rows


def accuracy(samples: list[str], expected: str, guess: Callable[[str], str | None]) -> float:
    return 100.0 * sum(guess(text) == expected for text in samples) / max(len(samples), 1)


def raw_guess(text: str) -> str | None:
    label = detect_raw(text)
    return LABEL_MAP.get(label, label) if label else None


def ours_guess(text: str) -> str | None:
    return detect(text).language


def timed(guess: Callable[[str], str | None], texts: list[str]) -> float:
    """Mean microseconds per message."""
    started = time.perf_counter()
    for text in texts:
        guess(text)
    return (time.perf_counter() - started) * 1e6 / max(len(texts), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "langid")
    parser.add_argument("--limit", type=int, default=None, help="lines per file (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"No test data at {args.data}", file=sys.stderr)
        return 1

    rows = lingua_rows(args.data, args.limit) + tico_rows(args.data, args.limit)
    header = ["language", *(f"{k} raw" for k in KINDS), *(f"{k} ours" for k in KINDS)]
    table: list[list[str]] = []
    sums = [0.0] * 6
    all_texts: list[str] = []
    for name, expected, samples in rows:
        values = [accuracy(samples[k], expected, raw_guess) for k in KINDS]
        values += [accuracy(samples[k], expected, ours_guess) for k in KINDS]
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        table.append([name, *(f"{v:.1f}" for v in values)])
        all_texts += samples["sentences"][:200] + samples["single-words"][:200]
    table.append([f"average ({len(rows)})", *(f"{s / len(rows):.1f}" for s in sums)])

    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
        for row in [header, *table]:
            print(
                "  ".join(
                    cell.rjust(w) if i else cell.ljust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                )
            )
    print(
        f"\nmicroseconds per message (mean over {len(all_texts)}): "
        f"raw {timed(raw_guess, all_texts):.0f}, ours {timed(ours_guess, all_texts):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
