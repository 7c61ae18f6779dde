"""The two kinds of account: direct-IP (no registration) and a registered extension.

Both use the same media settings: RTP bound to the SIP address (so the SDP advertises it) within
the configured port range. An account object is created and deleted on the SIP thread; its
callbacks arrive there too and only hand over to the core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pjsua2 as pj

from voice_gateway.sip.config import EndpointConfig, Registration
from voice_gateway.sip.events import Party, RegistrationState

log = logging.getLogger(__name__)


class SipAccount(pj.Account):
    """An account whose incoming calls and registration results go to the given callbacks."""

    def __init__(
        self,
        name: str,
        on_incoming: Callable[[SipAccount, int], None],
        on_registration: Callable[[RegistrationState], None],
    ) -> None:
        super().__init__()
        self.name = name
        self._on_incoming = on_incoming
        self._on_registration = on_registration

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            self._on_incoming(self, prm.callId)
        except Exception:  # escaping a SWIG director would abort the process
            log.exception("incoming call on %s failed", self.name)

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        try:
            self._on_registration(
                RegistrationState(self.name, int(prm.code), prm.reason, int(prm.expiration))
            )
        except Exception:
            log.exception("registration report of %s failed", self.name)


class RoutingEndpoint(pj.Endpoint):
    """pjsua2's Endpoint, choosing the account of an incoming request by its Request-URI user.

    pjsua prefers an account whose domain matches the Request-URI host; the direct-IP account's
    domain is our own address, which is also where a registrar sends calls for the extension
    (to its Contact), so without this the registered account would never see its calls.
    """

    def __init__(self) -> None:
        super().__init__()
        self.accounts_by_user: dict[str, int] = {}

    def onSelectAccount(self, prm: pj.OnSelectAccountParam) -> None:
        try:
            request_line = prm.rdata.wholeMsg.split("\n", 1)[0].split()
            if len(request_line) == 3:
                account = self.accounts_by_user.get(Party.parse(request_line[1]).number)
                if account is not None:
                    prm.accountIndex = account
        except Exception:  # escaping a SWIG director would abort the process
            log.exception("choosing the account for an incoming request failed")


_SRTP_USE = {
    "off": pj.PJMEDIA_SRTP_DISABLED,
    "optional": pj.PJMEDIA_SRTP_OPTIONAL,
    "mandatory": pj.PJMEDIA_SRTP_MANDATORY,
}


def _media(account: pj.AccountConfig, config: EndpointConfig) -> None:
    media = account.mediaConfig
    transport = media.transportConfig
    transport.boundAddress = config.host
    transport.port = config.rtp_port
    transport.portRange = config.rtp_port_count
    media.srtpUse = _SRTP_USE[config.srtp]
    # SDES carries the SRTP keys in the SDP. Mandatory SRTP takes them over TLS only (anyone on the
    # path could read them otherwise); optional SRTP takes them as they come, which is no worse than
    # plain RTP (pjsua would answer 406 to a plain-UDP caller offering SRTP, rather than fall back).
    media.srtpSecureSignaling = 1 if config.srtp == "mandatory" else 0


def tls_transport_config(config: EndpointConfig) -> pj.TransportConfig:
    """The SIP/TLS listener: our certificate and key, TLS 1.2 or 1.3, callers not asked for a certificate."""
    assert config.tls is not None
    transport = pj.TransportConfig()
    transport.boundAddress = config.host
    transport.port = config.tls.port
    tls = transport.tlsConfig
    tls.certFile = str(config.tls.cert_file)
    tls.privKeyFile = str(config.tls.key_file)
    tls.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3
    return transport


def direct_account_config(config: EndpointConfig) -> pj.AccountConfig:
    """Accepts calls addressed to this host directly; never registers."""
    account = pj.AccountConfig()
    account.idUri = config.local_uri
    account.regConfig.registerOnAdd = False
    _media(account, config)
    return account


def registered_account_config(
    config: EndpointConfig, registration: Registration, *, register: bool = True
) -> pj.AccountConfig:
    """An extension on a registrar, with digest credentials, refresh before expiry and retry after failure.

    register=False: the account takes the extension's calls and dials out, but never sends REGISTER.
    """
    account = pj.AccountConfig()
    account.idUri = registration.id_uri
    reg = account.regConfig
    reg.registerOnAdd = register
    reg.registrarUri = registration.registrar_uri
    reg.timeoutSec = registration.expires_s
    reg.delayBeforeRefreshSec = registration.refresh_margin_s
    reg.retryIntervalSec = registration.retry_interval_s
    reg.firstRetryIntervalSec = registration.retry_interval_s
    reg.randomRetryIntervalSec = 0
    reg.unregWaitMsec = 1000
    credentials = pj.AuthCredInfo(
        "digest", registration.realm, registration.username, 0, registration.password
    )
    account.sipConfig.authCreds.append(credentials)
    _media(account, config)
    return account


def contact_registration_config(config: EndpointConfig, registration: Registration) -> pj.AccountConfig:
    """Registers the extension with another Contact (the dispatcher's) and is used for nothing else.

    A forced Contact would also go into the Contact of every call of the account (in-dialog requests
    would then loop back into the dispatcher), hence an account of its own. Contact rewriting is off:
    the REGISTER leaves from this process's port, not from the Contact's, and pjsua would otherwise
    "correct" the Contact to the port it saw in Via's rport.
    """
    assert registration.contact_uri is not None
    account = registered_account_config(config, registration)
    account.sipConfig.contactForced = f"<{registration.contact_uri}>"
    account.natConfig.contactRewriteUse = 0
    account.natConfig.viaRewriteUse = 0
    return account
