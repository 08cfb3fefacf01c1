"""The Rasa NLU component that detects each message's language (the only module here importing rasa).

It runs :func:`nlu.langdetect.detect` with the priors the gateway sends in the message metadata
(``conversation_language``, ``client_language``) and adds entities:

- ``language`` only when the detection is confident: the sticky ``language`` slot is mapped on it, so
  the conversation's language changes only then (or on an explicit choice);
- ``language_guess`` always when there is a guess, so that a first, unclear message ("hallo") can still
  be answered in the likeliest language. No slot is mapped on it.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.langdetect import detect

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Adds the entities ``language`` (confident) and ``language_guess`` (any guess) to each message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            metadata = message.get("metadata") or {}
            detection = detect(
                text,
                conversation_language=metadata.get("conversation_language"),
                client_language=metadata.get("client_language"),
            )
            if detection.language is None:
                continue
            found = []
            span = {
                "start": 0,
                "end": len(text),
                "value": detection.language,
                "confidence_entity": detection.confidence,
            }
            if detection.confident:
                found.append({"entity": "language", **span})
            found.append({"entity": "language_guess", **span})
            entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
