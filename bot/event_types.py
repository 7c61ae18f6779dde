"""Rasa finds an event's class by walking every subclass of Event, for every stored event it reads:
loading a tracker of 100 events walked the class tree 100 times, 10 % of Rasa's CPU under chat load
(py-spy, benchmarks/RESULTS.md). Look the name up in a table instead, built from the same walk, and
walk again only for a name not in it (an event class imported since).

Imported for its effect by bot/rasa_run.py, before Rasa serves anything.
"""

from __future__ import annotations

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_original = Event.resolve_by_type
_classes: dict[str, type[Event]] = {}


def _table() -> dict[str, type[Event]]:
    table: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match wins, as in Rasa's own loop
    return table


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Event.resolve_by_type, from the table."""
    if type_name not in _classes:
        _classes.update(_table())
        if type_name not in _classes:
            return _original(type_name, default)  # Rasa's answer for unknown names: None, default or error
    return _classes[type_name]


Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
