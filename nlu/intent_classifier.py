"""The Rasa NLU component that picks the intent: TF-IDF word and character n-grams, a linear SVM.

Why not Rasa's own classifiers (numbers in CHANGELOG.md and docs/architecture.md): on the held-out questions
DIET and Rasa's LogisticRegressionClassifier on raw n-gram counts found the right entry less often, and with
11,000+ training questions logistic regression took over 6 minutes to train on 2 cores. This component
builds its own features from the message text (no featurizer needed before it) and trains in seconds.

Confidence: the SVM's scores are turned into a probability-like ranking with a softmax at a fixed
``temperature``; FallbackClassifier's threshold then decides between answering and asking. Both were chosen
by the held-out numbers (bench/answers.py).

Scope gate: a second, binary model (logistic regression on the same features) learns "does the knowledge
base cover this at all?" from the knowledge questions against the ``scope_negatives`` (out_of_scope,
personal_case). A knowledge intent's confidence is capped at that probability, so a question the entries do
not cover gets the fallback even when one entry wins the ranking clearly. The gate only ever lowers knowledge
confidences; the other intents (booking, greetings, ...) are untouched.

Sentence embeddings: with ``embedding_weight`` above 0 the SVM also sees each question's multilingual-e5-small
vector (nlu/embeddings.py), scaled by that weight. The n-grams tell entries apart by their words; the vectors
add what a question means, across languages and paraphrases. The scope gate stays on the n-grams alone: with
the vectors it told covered from uncovered questions less well (CHANGELOG.md).

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
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from nlu import embeddings

logger = logging.getLogger(__name__)

WORD_PATTERN = r"(?u)\b\w+\b"  # single letters count too: "b1", "a", Persian "و" are words here


def _vectorizers(
    config: dict[str, Any], vocabularies: list[dict[str, int]] | None = None
) -> list[TfidfVectorizer]:
    accents = config["strip_accents"] or None
    word = TfidfVectorizer(
        token_pattern=WORD_PATTERN,
        lowercase=True,
        strip_accents=accents,
        sublinear_tf=True,
        vocabulary=vocabularies[0] if vocabularies else None,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(config["char_min_ngram"], config["char_max_ngram"]),
        lowercase=True,
        strip_accents=accents,
        sublinear_tf=True,
        min_df=1 if vocabularies else config["char_min_df"],
        vocabulary=vocabularies[1] if vocabularies else None,
    )
    return [word, chars]


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _sigmoid(scores: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(scores, -50.0, 50.0)))


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
            # "unicode": letters lose their marks first (ü -> u, ş -> s, أ -> ا), because people type on
            # phones without them; null keeps them
            "strip_accents": "unicode",
            "ranking_length": 10,
            # The scope gate (module docstring): which intents it caps, what it learns them against, and
            # its regularisation. With no negative examples in the training data there is no gate.
            "scope_intent_prefix": "kb_",
            "scope_negatives": ["out_of_scope", "personal_case"],
            "scope_C": 20.0,
            # how much the sentence embeddings count beside the n-grams; 0: none (config.yml sets 2)
            "embedding_weight": 0.0,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers: list[TfidfVectorizer] | None = None
        self.classes: list[str] = []
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None
        self.scope_coef: np.ndarray | None = None  # the gate; None: no gate
        self.scope_intercept = 0.0
        self.embedding_weight = 0.0  # as trained (stored with the model), not as configured

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
        self.embedding_weight = float(self.config["embedding_weight"] or 0.0)
        vectors = embeddings.EmbeddingCache().embed(texts) if self.embedding_weight else None
        svm = LinearSVC(C=self.config["C"], class_weight="balanced", random_state=1)
        svm.fit(self._with_embeddings(features, vectors), [e.get(INTENT) for e in examples])
        self.classes = [str(c) for c in svm.classes_]
        self.coef = np.asarray(svm.coef_, dtype=np.float32)
        self.intercept = np.asarray(svm.intercept_, dtype=np.float32)
        self._train_scope_gate(features, [str(e.get(INTENT)) for e in examples])
        self.persist()
        return self._resource

    def _train_scope_gate(self, features: Any, labels: list[str]) -> None:
        prefix, negatives = self.config["scope_intent_prefix"], set(self.config["scope_negatives"])
        rows = [i for i, label in enumerate(labels) if label.startswith(prefix) or label in negatives]
        inside = np.array([labels[i].startswith(prefix) for i in rows])
        if inside.all() or not inside.any():
            logger.info("NgramIntentClassifier: no scope gate (needs %s and %s examples).", prefix, negatives)
            self.scope_coef = None
            return
        gate = LogisticRegression(C=self.config["scope_C"], class_weight="balanced", max_iter=3000)
        gate.fit(features[rows], inside)
        self.scope_coef = np.asarray(gate.coef_[0], dtype=np.float32)
        self.scope_intercept = float(gate.intercept_[0])

    def persist(self) -> None:
        assert self.vectorizers is not None and self.coef is not None and self.intercept is not None
        with self._model_storage.write_to(self._resource) as directory:
            meta = {
                "classes": self.classes,
                "vocabularies": [{k: int(i) for k, i in v.vocabulary_.items()} for v in self.vectorizers],
                "scope_intercept": self.scope_intercept if self.scope_coef is not None else None,
                "embeddings": {"model": embeddings.MODEL, "weight": self.embedding_weight}
                if self.embedding_weight
                else None,
            }
            gate = {} if self.scope_coef is None else {"scope_coef": self.scope_coef}
            (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            np.savez_compressed(
                directory / "weights.npz",
                coef=self.coef,
                intercept=self.intercept,
                idf_word=self.vectorizers[0].idf_,
                idf_chars=self.vectorizers[1].idf_,
                **gate,
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
                    scope_coef = weights["scope_coef"] if "scope_coef" in weights.files else None
        except (ValueError, FileNotFoundError, KeyError):
            logger.warning(
                "NgramIntentClassifier: no trained model in %s; messages get no intent.", resource.name
            )
            return component
        component.classes = list(meta["classes"])
        stored = meta.get("embeddings")
        if stored:
            if stored.get("model") != embeddings.MODEL:
                raise ValueError(
                    f"NgramIntentClassifier: the model was trained with the embeddings "
                    f"{stored.get('model')!r}, this engine has {embeddings.MODEL!r}; retrain it (make train)"
                )
            component.embedding_weight = float(stored["weight"])
            embeddings.embed(["warm-up"])  # load the engine now: a missing package fails at start, not later
        if scope_coef is not None and meta.get("scope_intercept") is not None:
            component.scope_coef = scope_coef
            component.scope_intercept = float(meta["scope_intercept"])
        component.vectorizers = _vectorizers(component.config, meta["vocabularies"])
        for vectorizer, idf in zip(component.vectorizers, idfs, strict=True):
            vectorizer.idf_ = idf
        return component

    # -- prediction ---------------------------------------------------------------------------------------

    def _features(self, texts: list[str]) -> Any:
        assert self.vectorizers is not None
        return hstack([v.transform(texts) for v in self.vectorizers]).tocsr()

    def _with_embeddings(self, features: Any, vectors: np.ndarray | None) -> Any:
        """The SVM's input: the n-gram features, then the weighted sentence vectors (if any)."""
        if vectors is None:
            return features
        return hstack([features, csr_matrix(vectors * self.embedding_weight)]).tocsr()

    def _scope(self, features: Any) -> np.ndarray:
        if self.scope_coef is None:
            return np.ones(features.shape[0])
        scores = features @ self.scope_coef + self.scope_intercept
        return _sigmoid(np.asarray(scores, dtype=np.float64))

    def scope(self, texts: list[str]) -> np.ndarray:
        """The gate's probability that the knowledge base covers each text (all 1.0 without a gate)."""
        return self._scope(self._features(texts))

    def rank(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The SVM's confidences and the capped ones (scope gate): a row per text, ``self.classes`` order."""
        assert self.coef is not None and self.intercept is not None
        features = self._features(texts)
        vectors = embeddings.embed(texts) if self.embedding_weight else None
        scores = self._with_embeddings(features, vectors) @ self.coef.T + self.intercept
        confidences = _softmax(np.asarray(scores, dtype=np.float64) * self.config["temperature"])
        gated = np.array([c.startswith(self.config["scope_intent_prefix"]) for c in self.classes])
        capped = confidences.copy()
        capped[:, gated] = np.minimum(confidences[:, gated], self._scope(features)[:, None])
        return confidences, capped

    def process(self, messages: list[Message]) -> list[Message]:
        if self.vectorizers is None:
            return messages
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return messages
        raw, capped = self.rank([m.get(TEXT) for m in todo])
        for message, before, row in zip(todo, raw, capped, strict=True):
            # by the capped confidence, ties (entries capped alike) in the SVM's order
            order = np.lexsort((-before, -row))[: self.config["ranking_length"]]
            ranking = [{"name": self.classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
