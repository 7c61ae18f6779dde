"""Rasa's event class lookup, from a table, answers as Rasa's own search of Event's subclasses does."""

from __future__ import annotations

import json
import subprocess

from tandem.config import REPO_ROOT
from tandem.processes import RASA_PYTHON

# In Rasa's interpreter: for every event type name, and names Rasa treats specially or does not know,
# the class (or None, or the error) from Rasa's own lookup and from the patched one.
COMPARE = """
import json
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.utils.common import all_subclasses
original = Event.resolve_by_type
import bot.event_types
assert Event.resolve_by_type is not original

def answer(lookup, name, default):
    try:
        found = lookup(name, default)
    except ValueError as error:
        return "ValueError"
    return None if found is None else found.__name__

names = sorted({cls.type_name for cls in all_subclasses(Event)}) + ["topic", "no_such_event"]
print(json.dumps([
    [name, default is not None, answer(original, name, default), answer(Event.resolve_by_type, name, default)]
    for name in names for default in (None, SlotSet)
]))
"""


def test_every_event_name_resolves_to_the_class_rasa_would_pick() -> None:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", COMPARE],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=120,
        check=True,
    )
    rows = json.loads(result.stdout.splitlines()[-1])
    assert len(rows) > 40  # Rasa's ~20 event types, with and without a default
    for name, with_default, rasa_says, table_says in rows:
        assert table_says == rasa_says, (name, with_default)
    unknown = {
        with_default: table_says for name, with_default, _, table_says in rows if name == "no_such_event"
    }
    assert unknown == {False: "ValueError", True: "SlotSet"}
