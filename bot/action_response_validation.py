"""Rasa validates every action server response against its schema with `jsonschema.validate`, which
checks the schema itself and builds a new validator on each call: 18 ms a response, measured with
py-spy as a third of Rasa's CPU under chat load (benchmarks/RESULTS.md). One validator, built and
checked once, gives the same verdict and errors in about 1 ms.

Imported for its effect by bot/rasa_run.py, before Rasa serves anything.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR_CLASS = validators.validator_for(_SCHEMA)
_VALIDATOR_CLASS.check_schema(_SCHEMA)
_VALIDATOR = _VALIDATOR_CLASS(_SCHEMA)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, with the validator built once."""
    try:
        _VALIDATOR.validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
