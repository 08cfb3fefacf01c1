"""The Rasa NLU component that picks the intent: TF-IDF word and character n-grams, a linear SVM.

Why not Rasa's own classifiers (numbers in CHANGELOG.md and docs/architecture.md): on the held-out questions
DIET and Rasa's LogisticRegressionClassifier on raw n-gram counts found the right entry less often, and with
11,000+ training questions logistic regression took over 6 minutes to train on 2 cores. This component
builds its own features from the message text (no featurizer needed before it) and trains in seconds.

Confidence: the SVM's scores are turned into a probability-like ranking with a softmax at a fixed
``temperature``; FallbackClassifier's threshold then decides between answering and asking. Both were chosen
by the held-out numbers (bench/answers.py).

The model is stored as plain arrays (``.npz``) and JSON, not as a pickle, so loading a model runs no code.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

WORD_PATTERN = r"(?u)\b\w+\b"  # single letters count too: "b1", "a", Persian "و" are words here


def _vectorizers(
    config: dict[str, Any], vocabularies: list[dict[str, int]] | None = None
) -> list[TfidfVectorizer]:
    word = TfidfVectorizer(
        token_pattern=WORD_PATTERN,
        lowercase=True,
        sublinear_tf=True,
        vocabulary=vocabularies[0] if vocabularies else None,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(config["char_min_ngram"], config["char_max_ngram"]),
        lowercase=True,
        sublinear_tf=True,
        min_df=1 if vocabularies else config["char_min_df"],
        vocabulary=vocabularies[1] if vocabularies else None,
    )
    return [word, chars]


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class NgramIntentClassifier(GraphComponent, IntentClassifier):
    """Sets ``intent`` and ``intent_ranking`` from the message text alone."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 2.0,  # the SVM's regularisation (larger: fits the training questions more closely)
            "temperature": 5.0,  # softmax sharpness for the confidences
            "char_min_ngram": 2,
            "char_max_ngram": 5,
            "char_min_df": 2,  # a character n-gram must occur in 2 training questions
            "ranking_length": 10,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers: list[TfidfVectorizer] | None = None
        self.classes: list[str] = []
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NgramIntentClassifier:
        return cls(config, model_storage, resource)

    # -- training -----------------------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        labels = sorted({e.get(INTENT) for e in examples})
        if len(labels) < 2:
            logger.warning("NgramIntentClassifier: fewer than two intents in the training data; not trained.")
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        self.vectorizers = _vectorizers(self.config)
        features = hstack([v.fit_transform(texts) for v in self.vectorizers]).tocsr()
        svm = LinearSVC(C=self.config["C"], class_weight="balanced", random_state=1)
        svm.fit(features, [e.get(INTENT) for e in examples])
        self.classes = [str(c) for c in svm.classes_]
        self.coef = np.asarray(svm.coef_, dtype=np.float32)
        self.intercept = np.asarray(svm.intercept_, dtype=np.float32)
        self.persist()
        return self._resource

    def persist(self) -> None:
        assert self.vectorizers is not None and self.coef is not None and self.intercept is not None
        with self._model_storage.write_to(self._resource) as directory:
            meta = {
                "classes": self.classes,
                "vocabularies": [{k: int(i) for k, i in v.vocabulary_.items()} for v in self.vectorizers],
            }
            (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            np.savez_compressed(
                directory / "weights.npz",
                coef=self.coef,
                intercept=self.intercept,
                idf_word=self.vectorizers[0].idf_,
                idf_chars=self.vectorizers[1].idf_,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NgramIntentClassifier:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
                with np.load(directory / "weights.npz", allow_pickle=False) as weights:
                    component.coef = weights["coef"]
                    component.intercept = weights["intercept"]
                    idfs = [weights["idf_word"], weights["idf_chars"]]
        except (ValueError, FileNotFoundError, KeyError):
            logger.warning(
                "NgramIntentClassifier: no trained model in %s; messages get no intent.", resource.name
            )
            return component
        component.classes = list(meta["classes"])
        component.vectorizers = _vectorizers(component.config, meta["vocabularies"])
        for vectorizer, idf in zip(component.vectorizers, idfs, strict=True):
            vectorizer.idf_ = idf
        return component

    # -- prediction ---------------------------------------------------------------------------------------

    def rank(self, texts: list[str]) -> np.ndarray:
        """Confidences, one row per text, columns in the order of ``self.classes``."""
        assert self.vectorizers is not None and self.coef is not None and self.intercept is not None
        features = hstack([v.transform(texts) for v in self.vectorizers]).tocsr()
        scores = features @ self.coef.T + self.intercept
        return _softmax(np.asarray(scores, dtype=np.float64) * self.config["temperature"])

    def process(self, messages: list[Message]) -> list[Message]:
        if self.vectorizers is None:
            return messages
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return messages
        confidences = self.rank([m.get(TEXT) for m in todo])
        for message, row in zip(todo, confidences, strict=True):
            order = np.argsort(-row)[: self.config["ranking_length"]]
            ranking = [{"name": self.classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
