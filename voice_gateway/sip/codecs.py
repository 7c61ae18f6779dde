"""Codec priorities: the configured codecs on, in order, and every other codec off.

pjsua2 enables every codec it was built with (speex, iLBC, GSM, L16, ...). A codec with priority 0
is never offered nor accepted, so the SDP carries exactly the configured list. telephone-event
(RFC 4733) is not a codec entry in pjsua2: it is always offered and accepted alongside the audio
codecs, so DTMF events are negotiated with every peer that supports them.
"""

from __future__ import annotations

import pjsua2 as pj

_TOP_PRIORITY = 250


def apply_codec_priorities(endpoint: pj.Endpoint, wanted: tuple[str, ...]) -> list[str]:
    """Enable wanted (names like 'PCMU/8000', most preferred first); returns the codec ids enabled.

    Raises ValueError when a wanted codec is not in this pjsua2 build, so a typo cannot silently
    leave a call without a usable codec.
    """
    available = [info.codecId for info in endpoint.codecEnum2()]  # e.g. "PCMU/8000/1"
    enabled: list[str] = []
    for name in wanted:
        matches = [
            codec_id for codec_id in available if f"{codec_id.lower()}/".startswith(f"{name.lower()}/")
        ]
        if not matches:
            raise ValueError(f"codec {name!r} is not available; pjsua2 has {available}")
        enabled.append(matches[0])
    for codec_id in available:
        endpoint.codecSetPriority(codec_id, 0)
    for rank, codec_id in enumerate(enabled):
        endpoint.codecSetPriority(codec_id, _TOP_PRIORITY - rank)
    return enabled
