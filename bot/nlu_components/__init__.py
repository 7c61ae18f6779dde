"""Custom Rasa 3.6 NLU components for Tandem.

They run inside Rasa's own Python 3.10 venv (.venv-rasa), so they import only what that venv has and
are referenced from config.yml as ``bot.nlu_components.<module>.<Class>`` with /work/main on PYTHONPATH.

- ``minilm_featurizer.MiniLMFeaturizer``: MiniLM sentence embeddings (int8 ONNX) as dense features.
- ``linear_intent_classifier.LinearIntentClassifier``: linear SVM on [char TF-IDF | MiniLM |
  nearest-example similarity per intent] with temperature-scaled probabilities.
"""
