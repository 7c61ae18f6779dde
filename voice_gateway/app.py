"""The voice gateway process: the SIP endpoint from config, one CallFlow per answered call.

Loads the speech engines once (every call shares them and their worker pool), then answers calls
until stop is set; stopping hangs up every call, and each one still closes its conversation.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import aiohttp

from tandem.config import Settings, VoiceSettings
from tandem.secrets import Secrets
from voice_gateway.call_flow import CallFlow, endpointing_settings, opening
from voice_gateway.callbacks import CallbackDialler
from voice_gateway.core_client import CoreClient
from voice_gateway.dispatcher import WorkerPlan
from voice_gateway.handoff import AgentLine
from voice_gateway.hold import HoldMusic
from voice_gateway.recordings import purge, recordings_folder
from voice_gateway.sip import (
    CallSession,
    EndpointConfig,
    Party,
    Registration,
    RegistrationState,
    SipEndpoint,
)
from voice_gateway.sip.config import SipTls
from voice_gateway.speech import SpeechEngines

log = logging.getLogger(__name__)


def recordings_dir(settings: Settings) -> Path | None:
    return recordings_folder(settings) if settings.voice.record_calls else None


def endpoint_config(settings: Settings, secrets: Secrets, worker: WorkerPlan | None = None) -> EndpointConfig:
    """The endpoint of the single voice process, or of one worker behind the dispatcher."""
    voice = settings.voice
    registration = None
    if voice.registration is not None and secrets.sip_password is not None:
        r = voice.registration
        password = secrets.sip_password.get_secret_value()
        registration = Registration(r.id_uri, r.registrar_uri, r.username, password)
        if worker is not None and worker.dispatcher is not None:
            # Worker 1 registers the dispatcher's address; the others only take the extension's calls.
            user = Party.parse(r.id_uri).number
            registration = replace(
                registration, send_register=worker.index == 1, contact_uri=f"sip:{user}@{worker.dispatcher}"
            )
    return EndpointConfig(
        host=voice.host,
        port=worker.sip_port if worker else voice.port,
        rtp_port=worker.rtp_port if worker else voice.rtp_port,
        rtp_port_count=worker.rtp_port_count if worker else voice.rtp_port_count,
        codecs=voice.codecs,
        record_dir=recordings_dir(settings),
        registration=registration,
        tls=sip_tls(settings),
        srtp=voice.srtp,
    )


def sip_tls(settings: Settings) -> SipTls | None:
    voice = settings.voice
    if not voice.tls_port or voice.tls_cert is None or voice.tls_key is None:
        return None
    return SipTls(voice.tls_port, settings.resolve(voice.tls_cert), settings.resolve(voice.tls_key))


def load_engines(voice: VoiceSettings) -> SpeechEngines:
    return SpeechEngines.load(
        workers=voice.workers,
        stt_threads=voice.stt_threads,
        stt_workers=voice.stt_workers,
        tts_threads=voice.tts_threads,
        prompts=(
            opening(voice),
            voice.reprompt,
            voice.reprompt_apology,
            voice.goodbye,
            voice.unavailable,
            voice.agent_left,
            voice.call_ended,
        ),
    )


def _registration(state: RegistrationState) -> None:
    level = logging.INFO if state.registered else logging.WARNING
    log.log(
        level,
        "registration",
        extra={"code": state.code, "reason": state.reason, "expires_s": state.expires_s},
    )


async def serve(
    settings: Settings, secrets: Secrets, stop: asyncio.Event, worker: WorkerPlan | None = None
) -> None:
    endpointing_settings(settings.voice)  # inconsistent timings stop the start, not the first call
    await asyncio.to_thread(purge, recordings_folder(settings), settings.voice.recording_retention_days)
    engines = await asyncio.to_thread(load_engines, settings.voice)
    music = await asyncio.to_thread(HoldMusic.load, settings.resolve(settings.voice.hold_music))
    # The gateway's internal site (loopback unless workers run on other machines): the only one that
    # honours the service token.
    gateway = f"http://{settings.gateway.internal_host}:{settings.gateway.internal_port}"
    try:
        async with aiohttp.ClientSession() as http:
            token = secrets.service_token.get_secret_value()
            core = CoreClient(gateway, token, http, settings.voice.core_timeout_s)

            async def on_call(session: CallSession) -> None:
                await CallFlow(session, core, engines, settings.voice, line).run()

            async def dial(uri: str, timeout_s: float) -> CallSession:
                return await endpoint.call(uri, timeout_s=timeout_s)

            line = AgentLine(dial, music)
            config = endpoint_config(settings, secrets, worker)
            async with SipEndpoint(config, on_call=on_call, on_registration=_registration) as endpoint:
                log.info(
                    "voice gateway ready",
                    extra={
                        "sip_uri": config.local_uri,
                        "worker": worker.index if worker else 1,
                        "dispatcher": worker.dispatcher if worker else None,
                        "recordings": str(config.record_dir),
                    },
                )
                dialler = CallbackDialler(
                    core, dial, engines, endpointing_settings(settings.voice), settings.handoff.callbacks
                )
                callbacks = asyncio.create_task(dialler.run(stop), name="callbacks")
                await stop.wait()
                log.info("voice gateway stopping")
                await asyncio.gather(callbacks, return_exceptions=True)
    finally:
        engines.close()
