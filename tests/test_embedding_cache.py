"""Training's MiniLM vectors come from the on-disk cache for sentences an earlier training embedded: only
new sentences reach the encoder, the features are the ones the encoder gives, and the cache holds no
sentence. The workbench's comparison (a batch of held-out examples) uses it too; a customer's message,
parsed alone, never does. In Rasa's interpreter, with the real encoder."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from tandem.config import REPO_ROOT
from tandem.processes import RASA_PYTHON

TRAIN = """
import json, sys
import numpy as np
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.nlu_components.minilm_featurizer import MiniLMFeaturizer

featurizer = MiniLMFeaturizer(MiniLMFeaturizer.get_default_config(), "minilm")
encoded = []
real_encode = featurizer._encoder.encode
def counting(texts, batch_size=64):
    encoded.append(len(texts))
    return real_encode(texts, batch_size)
featurizer._encoder.encode = counting

def train(texts):
    data = TrainingData([Message(data={"text": t, "intent": "x"}) for t in texts])
    featurizer.process_training_data(data)
    return [m.get_dense_features("text")[1].features[0].tolist() for m in data.training_examples]

def parse(texts):
    featurizer.process([Message(data={"text": t}) for t in texts])

first = train(sys.argv[1:4])
second = train(sys.argv[1:5])
direct = real_encode(sys.argv[1:5], 64)
parse(["is the branch open on sunday"])  # a customer's message, alone: never cached
parse(["is the branch open on sunday"])
parse(["a held-out question", "another held-out question"])  # the comparison's batch: cached
parse(["a held-out question", "another held-out question"])
print(json.dumps({
    "encoded": encoded,
    "same_as_encoder": bool(np.allclose(np.array(second), direct, atol=1e-5)),
    "same_as_before": bool(np.allclose(np.array(second[:3]), np.array(first), atol=1e-6)),
}))
"""
SENTENCES = [
    "my card was declined at the shop",
    "how do I top up by bank transfer",
    "what is the exchange rate for euros",
    "I was charged twice for one coffee",
]


def test_a_second_training_and_a_second_comparison_embed_only_new_sentences(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", TRAIN, *SENTENCES],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={
            "PYTHONPATH": str(REPO_ROOT),
            "RASA_CACHE_DIRECTORY": str(tmp_path),
            "TF_CPP_MIN_LOG_LEVEL": "3",
        },
        timeout=300,
        check=True,
    )
    outcome = json.loads(result.stdout.splitlines()[-1])
    # Trainings: 3, then the 1 new; the customer's message twice; the comparison's batch once.
    assert outcome == {"encoded": [3, 1, 1, 1, 2], "same_as_encoder": True, "same_as_before": True}
    cache = tmp_path / "tandem-minilm-vectors.sqlite"
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM vectors").fetchone() == (6,)
    assert not any(sentence.encode() in cache.read_bytes() for sentence in SENTENCES)
