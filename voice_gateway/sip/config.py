"""Settings of the SIP layer: plain frozen dataclasses, validated when built, no pjsua2 import.

They are read on the SIP thread when the endpoint starts; being immutable, nothing can change under
it while calls run. Ports and ranges are explicit because on one host every process needs its own.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

# pjproject's compile-time PJSUA_MAX_CALLS: 4 since 2.11, and the pjsua2-python wheel keeps it (measured:
# a fifth simultaneous call gets 486 Busy Here whatever uaConfig.maxCalls says). More concurrent calls
# need more gateway processes, each with its own endpoint and port.
PJSUA_MAX_CALLS = 4


@dataclass(frozen=True, slots=True)
class Registration:
    """Register to a registrar as an extension, with digest authentication.

    id_uri is the address of record (``sip:1001@pbx.example``); registrar_uri may carry
    ``;transport=tcp``. pjsua2 refreshes expires_s before it runs out (refresh_margin_s early) and,
    after a failure (registrar down, 5xx, timeout), retries every retry_interval_s until it succeeds.

    Behind a SIP dispatcher (voice_gateway/dispatcher), several processes serve one extension: each
    takes its calls (and dials out with its credentials), but only one sends REGISTER (send_register)
    and with the dispatcher's address as Contact (contact_uri, e.g. ``sip:1001@10.0.0.5:5060``), so
    the registrar's calls reach whichever process the dispatcher picks.
    """

    id_uri: str
    registrar_uri: str
    username: str
    password: str = field(repr=False)
    realm: str = "*"
    expires_s: int = 300
    retry_interval_s: int = 30
    refresh_margin_s: int = 5
    send_register: bool = True
    contact_uri: str | None = None

    def __post_init__(self) -> None:
        for name in ("id_uri", "registrar_uri", "contact_uri"):
            value = getattr(self, name)
            if value is not None and not value.startswith(("sip:", "sips:")):
                raise ValueError(f"{name} must be a SIP URI, got {value!r}")
        if not self.username:
            raise ValueError("username must not be empty")
        if self.expires_s < 10 or self.retry_interval_s < 1 or not 0 < self.refresh_margin_s < self.expires_s:
            raise ValueError("need expires_s >= 10, retry_interval_s >= 1, 0 < refresh_margin_s < expires_s")


SRTP_MODES = ("off", "optional", "mandatory")


@dataclass(frozen=True, slots=True)
class SipTls:
    """SIP over TLS on host:port with this certificate chain and private key (PEM files).

    Callers reach it as ``sip:user@host:port;transport=tls``; TLS 1.2 and 1.3 only. The files are read
    when the endpoint starts: a missing or unreadable one stops the start.
    """

    port: int
    cert_file: Path
    key_file: Path

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError("the TLS port must be a valid TCP port")
        for path in (self.cert_file, self.key_file):
            if not path.is_file():
                raise ValueError(f"TLS certificate or key file not found: {path}")


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """One pjsua2 endpoint: where it listens, which codecs it speaks, how it answers and records.

    SIP listens on UDP and TCP at host:port; RTP binds to the same host (so the SDP advertises that
    address) on ports rtp_port .. rtp_port + rtp_port_count - 1, two per call (RTP and RTCP).
    codecs lists the codecs to enable, most preferred first; every other codec is disabled. As the
    answerer pjsua2 follows the offer's order, so G722 is used whenever the peer offers it first.
    ring_ms > 0 sends 180 Ringing and answers after that long. max_calls counts incoming and
    outgoing calls together; more are refused with 486 Busy Here. record_dir=None switches the stereo
    call recording off. tls adds a SIP/TLS listener. srtp: 'off' (plain RTP), 'optional' (SRTP when
    the caller offers it, its keys as safe as the signalling) or 'mandatory' (SRTP with its keys
    exchanged over TLS only: any other call is refused, 406 or 488).
    """

    host: str = "127.0.0.1"
    port: int = 5060
    rtp_port: int = 40000
    rtp_port_count: int = 1000
    user: str = "tandem"
    codecs: tuple[str, ...] = ("PCMU/8000", "PCMA/8000", "G722/16000")
    ring_ms: int = 0
    max_calls: int = PJSUA_MAX_CALLS
    record_dir: Path | None = None
    registration: Registration | None = None
    tls: SipTls | None = None
    srtp: str = "off"
    user_agent: str = "Tandem voice gateway"
    log_level: int = 1
    shutdown_timeout_s: float = 3.0

    def __post_init__(self) -> None:
        ipaddress.ip_address(self.host)  # a literal address: it is bound, and written into every SDP
        if not 0 < self.port < 65536 or not 0 < self.rtp_port < 65536 - self.rtp_port_count:
            raise ValueError("port and rtp_port .. rtp_port + rtp_port_count must be valid UDP ports")
        if self.rtp_port_count < 2 * self.max_calls:
            raise ValueError("rtp_port_count must allow two ports (RTP, RTCP) per call")
        if not self.codecs or not all("/" in codec for codec in self.codecs):
            raise ValueError("codecs must be non-empty names like 'PCMU/8000'")
        if self.srtp not in SRTP_MODES:
            raise ValueError(f"srtp must be one of {SRTP_MODES}, got {self.srtp!r}")
        if self.tls is not None and self.tls.port == self.port:
            raise ValueError("the TLS port must differ from the UDP/TCP port")
        if self.ring_ms < 0 or not 1 <= self.max_calls <= PJSUA_MAX_CALLS:
            raise ValueError(f"ring_ms must be >= 0 and max_calls 1..{PJSUA_MAX_CALLS} (pjsua's limit)")

    @property
    def local_uri(self) -> str:
        """The URI direct-IP callers dial."""
        return f"sip:{self.user}@{self.host}:{self.port}"
