"""How the bot tells the gateway what the help centre gave for a customer's question: which article it
answered from and with what score, or that nothing was close enough. The gateway keeps it in the
customer message's data, where the designer's knowledge gaps (workbench/gaps_store.py) find it.
Never the question's text: only a slug and a score. No dependencies: Rasa's Python 3.10 imports this too.
"""

from __future__ import annotations

from typing import Any

# The custom message's only key.
KNOWLEDGE_KEY = "knowledge"


def knowledge_marker(answered: bool, article: str | None, score: float | None) -> dict[str, Any]:
    """The custom message the knowledge action sends; `article` is the best hit, answered from or not."""
    rounded = None if score is None else round(float(score), 4)
    return {KNOWLEDGE_KEY: {"answered": answered, "article": article, "score": rounded}}


def knowledge_outcome(payload: Any) -> dict[str, Any] | None:
    """The marker's value among a turn's messages (the channel's reply list), or None if there is none."""
    for item in payload if isinstance(payload, list) else []:
        custom = item.get("custom") if isinstance(item, dict) else None
        value = custom.get(KNOWLEDGE_KEY) if isinstance(custom, dict) else None
        if isinstance(value, dict) and isinstance(value.get("answered"), bool):
            article, score = value.get("article"), value.get("score")
            return knowledge_marker(
                value["answered"],
                article if isinstance(article, str) else None,
                score if isinstance(score, int | float) and not isinstance(score, bool) else None,
            )[KNOWLEDGE_KEY]
    return None
