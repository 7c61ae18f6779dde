"""Rasa intent classifier wrapping :mod:`bot.nlu_components.linear_model`.

Rasa's own options do not fit: LogisticRegressionClassifier does stack sparse and dense sentence
features, but it feeds raw n-gram counts next to unit-length embeddings and hard-codes C=1 (no way to
balance the two); SklearnIntentClassifier reads dense features only and grid-searches an SVC with
Platt scaling (many fits). This component weights the blocks, trains in seconds and reports
probabilities, so FallbackClassifier's threshold means what it says.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
import rasa.shared.utils.io
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.constants import DOCS_URL_TRAINING_DATA_NLU
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import FEATURIZERS, RANKING_LENGTH

from bot.nlu_components import linear_model
from bot.nlu_components.linear_model import LinearIntentModel

logger = logging.getLogger(__name__)

_MODEL_FILE = "linear_intent_model.npz"
# The calibration folds' verdict on every training example, for the designer's comparison
# (workbench/model_archive.py reads it from the model file).
CROSS_VALIDATION_FILE = "cross_validation.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Linear SVM on the sentence features of all (or the listed) featurizers, with probabilities."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Any sparse and/or dense featurizer."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Defaults chosen by 5-fold CV on the BANKING77 training part (see linear_model)."""
        return {
            "C": 1.0,
            # Scale of the MiniLM block next to the unit-length TF-IDF block.
            "dense_weight": 1.0,
            # Scale of the per-intent nearest-example cosine block.
            "similarity_weight": 2.0,
            # Folds for the out-of-fold margins that calibrate the softmax temperature (and make the
            # cross-validation the workbench compares); each example's fold comes from its text.
            "calibration_folds": 3,
            # Threads fitting the SVMs (the one on all examples and the calibration folds' at once).
            "fit_threads": 1,
            RANKING_LENGTH: LABEL_RANKING_LENGTH,
            # Names (or aliases) of the featurizers to read; empty means all.
            FEATURIZERS: [],
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Packages needed at run time."""
        return ["sklearn", "scipy"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[LinearIntentModel] = None,
    ) -> None:
        """Holds an optional fitted model; without one, messages get no intent."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        """Loads the persisted model; an untrained component if training was skipped."""
        try:
            with model_storage.read_from(resource) as directory:
                model = LinearIntentModel.load(directory / _MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.debug(f"No trained model for '{resource.name}', loading it untrained.")
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits on every intent example that has sentence features."""
        featurizers = self._config[FEATURIZERS]
        examples = [
            example
            for example in training_data.intent_examples
            if example.features_present(attribute=TEXT, featurizers=featurizers)
        ]
        labels = [example.get(INTENT) for example in examples]
        if len(set(labels)) < 2:
            rasa.shared.utils.io.raise_warning(
                f"{self.__class__.__name__} needs at least 2 intents with featurized examples; "
                f"skipping its training.",
                docs=DOCS_URL_TRAINING_DATA_NLU,
            )
            return self._resource

        counts = _sparse_rows(examples, featurizers, width=None)
        dense = _dense_rows(examples, featurizers, width=None)
        if counts is None and dense is None:
            raise InvalidConfigException(
                f"{self.__class__.__name__} reads sentence features, but no featurizer before it "
                f"produced any (e.g. add CountVectorsFeaturizer or MiniLMFeaturizer)."
            )
        fitted = linear_model.fit(
            counts,
            dense,
            labels,
            c=self._config["C"],
            dense_weight=self._config["dense_weight"],
            similarity_weight=self._config["similarity_weight"],
            folds=linear_model.stable_folds(
                [e.get(TEXT) for e in examples], self._config["calibration_folds"]
            ),
            threads=self._config["fit_threads"],
        )
        self._model = fitted.model
        cross_validation = {
            "folds": self._config["calibration_folds"],
            "examples": [
                [example.get(TEXT), label, str(guess)]
                for example, label, guess in zip(examples, labels, fitted.cross_validated, strict=True)
            ],
        }
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory / _MODEL_FILE)
            text = json.dumps(cross_validation, ensure_ascii=False)
            (directory / CROSS_VALIDATION_FILE).write_text(text, encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets ``intent`` and ``intent_ranking`` (probabilities summing to 1 over all intents).

        A message without features from the configured featurizers gets intent None with confidence
        0.0, so a FallbackClassifier after this component sends it to the fallback.
        """
        featurizers = self._config[FEATURIZERS]
        featurized = [m for m in messages if m.features_present(attribute=TEXT, featurizers=featurizers)]
        for message in messages:
            message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        if self._model is None or not featurized:
            return messages

        model = self._model
        probabilities = model.predict_proba(
            _sparse_rows(featurized, featurizers, width=model.idf.size) if model.uses_sparse else None,
            _dense_rows(featurized, featurizers, width=model.memory.shape[1]) if model.uses_dense else None,
        )
        ranking_length = self._config[RANKING_LENGTH]
        for message, row in zip(featurized, probabilities, strict=True):
            ranking = [
                {"name": str(model.classes[i]), "confidence": float(row[i])}
                for i in np.argsort(-row, kind="stable")
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                ranking[:ranking_length] if ranking_length > 0 else ranking,
                add_to_output=True,
            )
        return messages


def _sparse_rows(
    messages: List[Message], featurizers: List[Text], width: Optional[int]
) -> Optional[sp.csr_matrix]:
    """Sparse sentence features as one CSR matrix; zero rows for messages without them.

    ``width`` is the trained column count, or None at training time to take it from the data.
    Returns None when no width is known (no sparse featurizer ran).
    """
    rows = [message.get_sparse_features(TEXT, featurizers)[1] for message in messages]
    width = width or next((row.features.shape[1] for row in rows if row is not None), None)
    if not width:
        return None
    return sp.vstack(
        [row.features if row is not None else sp.csr_matrix((1, width)) for row in rows], format="csr"
    )


def _dense_rows(
    messages: List[Message], featurizers: List[Text], width: Optional[int]
) -> Optional[np.ndarray]:
    """Dense sentence features as one array; zero rows for messages without them (see _sparse_rows)."""
    rows = [message.get_dense_features(TEXT, featurizers)[1] for message in messages]
    width = width or next((row.features.shape[1] for row in rows if row is not None), None)
    if not width:
        return None
    return np.vstack([row.features if row is not None else np.zeros((1, width)) for row in rows])
