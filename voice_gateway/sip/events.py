"""What the SIP layer tells the application: immutable values, safe to pass between threads.

They are built on the SIP thread from pjsua2's callback parameters (which die with the callback)
and handed to the asyncio loop, so they carry plain Python data only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class DtmfMethod(StrEnum):
    RFC4733 = "rfc4733"  # telephone-event in the RTP stream (RFC 4733, formerly RFC 2833)
    SIP_INFO = "info"  # SIP INFO with application/dtmf-relay


class Initiator(StrEnum):
    REMOTE = "remote"  # the peer hung up, cancelled, or rejected
    LOCAL = "local"  # the application hung up
    SHUTDOWN = "shutdown"  # the endpoint stopped


@dataclass(frozen=True, slots=True)
class Dtmf:
    """One digit, reported once however it arrived (an RFC 4733 event's updates are not repeated)."""

    digit: str
    method: DtmfMethod


@dataclass(frozen=True, slots=True)
class PlaybackDrained:
    """Every queued bot frame has been sent: the bot stopped talking (not sent after stop_playback())."""


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The call ended; always the last event of a session. The recording is complete when this arrives."""

    code: int
    reason: str
    initiator: Initiator
    duration_s: float
    recording: str | None


CallEvent = Dtmf | PlaybackDrained | Disconnected


@dataclass(frozen=True, slots=True)
class RegistrationState:
    """A REGISTER finished: code 200 with expires_s > 0 means registered, anything else means not."""

    account: str
    code: int
    reason: str
    expires_s: int

    @property
    def registered(self) -> bool:
        return self.code // 100 == 2 and self.expires_s > 0


@dataclass(frozen=True, slots=True)
class Party:
    """The other end of a call, from the From header (incoming) or the dialled URI (outgoing)."""

    uri: str
    number: str
    display_name: str

    _NAME_ADDR = re.compile(r'^\s*(?:"(?P<quoted>[^"]*)"|(?P<token>[^<"]*?))\s*<(?P<uri>[^>]*)>')
    _USER = re.compile(r"^(?:sips?:(?P<user>[^@;?>]+)@|tel:(?P<tel>[^;?>]+))")

    @classmethod
    def parse(cls, name_addr: str) -> Party:
        """Parse ``"Alice" <sip:+4930123@host>`` or a bare URI; number is the URI's user part ('' if none)."""
        match = cls._NAME_ADDR.match(name_addr)
        if match:
            uri = match["uri"].strip()
            display = (match["quoted"] if match["quoted"] is not None else match["token"] or "").strip()
        else:
            uri, display = name_addr.strip().split(";", 1)[0], ""
        user = cls._USER.match(uri)
        number = (user["user"] or user["tel"]) if user else ""
        return cls(uri=uri, number=number, display_name=display)
