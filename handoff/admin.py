"""What a supervisor may set on a desk account from the admin page (handoff/web_admin.py): checked here,
pure, before anything is stored. Skills are the ones the queues in config.yml ask for, so an account
can never hold a skill no queue routes by."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from handoff.store import Role
from tandem.validation import InputError

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# A SIP or SIPS URI with a user and a host, e.g. sip:alex@192.0.2.10:5062; no spaces, no parameters that
# could smuggle a header (?), as pjsua2 dials exactly this.
SIP_URI = re.compile(r"sips?:[A-Za-z0-9._~+-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?(;transport=(udp|tcp|tls))?")
MAX_CHATS = 10
MAX_CALLS = 4  # pjsua2 takes at most 4 calls per voice process


@dataclass(frozen=True, slots=True)
class Profile:
    display_name: str
    role: Role
    skills: tuple[str, ...]
    chat_capacity: int
    voice_capacity: int
    sip_uri: str | None

    def values(self) -> dict[str, Any]:
        return {
            "display_name": self.display_name, "role": self.role, "skills": list(self.skills),
            "chat_capacity": self.chat_capacity, "voice_capacity": self.voice_capacity, "sip_uri": self.sip_uri,
        }  # fmt: skip


def username_of(value: Any) -> str:
    if not isinstance(value, str) or not USERNAME.fullmatch(value.strip()):
        raise InputError(
            "invalid_username", "A username is 2-64 lower-case letters, digits, dots, dashes or underscores."
        )
    return value.strip()


def profile_of(body: Mapping[str, Any], known_skills: Collection[str]) -> Profile:
    """The profile in a request body, or a clear error naming the first field that is wrong."""
    name = body.get("display_name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        raise InputError("invalid_display_name", "Give a display name of 1-200 characters.")
    try:
        role = Role(str(body.get("role")))
    except ValueError:
        raise InputError("invalid_role", f"role is one of {[str(r) for r in Role]}.") from None
    skills = body.get("skills")
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise InputError("invalid_skills", "skills is a list of skill names.")
    unknown = sorted(set(skills) - set(known_skills))
    if unknown:
        raise InputError(
            "unknown_skills", f"No queue asks for {', '.join(unknown)}; skills are {sorted(known_skills)}."
        )
    chats, calls = body.get("chat_capacity"), body.get("voice_capacity")
    if not _count(chats, MAX_CHATS):
        raise InputError("invalid_chat_capacity", f"chat_capacity is a whole number from 0 to {MAX_CHATS}.")
    if not _count(calls, MAX_CALLS):
        raise InputError("invalid_voice_capacity", f"voice_capacity is a whole number from 0 to {MAX_CALLS}.")
    sip_uri = body.get("sip_uri") or None
    if sip_uri is not None and (not isinstance(sip_uri, str) or not SIP_URI.fullmatch(sip_uri.strip())):
        raise InputError("invalid_sip_uri", "The phone is a SIP address such as sip:alex@192.0.2.10:5062.")
    return Profile(
        name.strip(),
        role,
        tuple(sorted(set(skills))),
        int(chats),
        int(calls),
        sip_uri.strip() if sip_uri else None,
    )


def _count(value: Any, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most
