"""The one typed configuration: the `tandem:` section of config.yml, validated once at start."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV = "TANDEM_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RasaSettings(_Section):
    url: HttpUrl
    token: str = Field(min_length=8)
    timeout_s: float = Field(gt=0, le=120)
    health_interval_s: float = Field(gt=0, le=60)


class ActionsSettings(_Section):
    url: HttpUrl


class GatewaySettings(_Section):
    host: str
    port: int = Field(ge=0, le=65535)
    max_message_bytes: int = Field(gt=0, le=65536)
    rate_limit_per_s: float = Field(gt=0)
    rate_limit_burst: int = Field(ge=1)
    start_limit_per_s: float = Field(gt=0)
    start_limit_burst: int = Field(ge=1)
    # Shared secret of Tandem's own services (the voice gateway) for /api/internal and phone conversations.
    service_token: str = Field(min_length=16)


class KnowledgeSettings(_Section):
    articles_dir: Path
    index_dir: Path
    answer_threshold: float = Field(ge=-1, le=1)
    top_k: int = Field(ge=1, le=20)


class PrivacySettings(_Section):
    # A customer message answering the bot's question for one of these slots is stored masked.
    secret_slots: frozenset[str]


class ThreadSettings(_Section):
    torch: int = Field(ge=1)
    faiss: int = Field(ge=1)
    onnx: int = Field(ge=1)


class VoiceRegistrationSettings(_Section):
    """Register to a PBX as an extension (digest auth) instead of only taking direct-IP calls."""

    id_uri: str = Field(pattern=r"^sips?:")
    registrar_uri: str = Field(pattern=r"^sips?:")
    username: str = Field(min_length=1)
    password: str = Field(repr=False)


class VoiceEndpointingSettings(_Section):
    """Turn-taking (voice_gateway.endpointing.EndpointingSettings), times in milliseconds."""

    start_threshold: float = Field(ge=0, le=1)
    stop_threshold: float = Field(ge=0, le=1)
    min_speech_ms: float = Field(gt=0)
    pause_ms: float = Field(gt=0)
    end_silence_ms: float = Field(gt=0)
    # Caller speech needed to cut the bot off: shorter is a cough or an "uh-huh".
    min_barge_in_ms: float = Field(gt=0)
    no_input_ms: float = Field(gt=0)
    max_reprompts: int = Field(ge=0)
    max_turn_ms: float = Field(gt=0)
    # A turn whose transcript so far reads as a whole sentence ends after this much silence; 0: off.
    complete_end_silence_ms: float = Field(default=0, ge=0)


class VoiceMenuOption(_Section):
    label: str = Field(min_length=1)
    payload: str = Field(pattern=r"^/\w+")


class VoiceSettings(_Section):
    host: str
    port: int = Field(gt=0, le=65535)
    rtp_port: int = Field(gt=0, le=65535)
    rtp_port_count: int = Field(ge=8)
    # pjsua2 takes at most 4 calls per process: with processes > 1, kamailio's dispatcher listens on
    # host:port and spreads calls over that many voice gateway processes (voice_gateway/dispatcher/),
    # whose SIP ports are consecutive from worker_port (0: free ports picked at start) and which
    # share the RTP range.
    processes: int = Field(default=1, ge=1, le=16)
    worker_port: int = Field(default=0, ge=0, le=65535)
    codecs: tuple[str, ...] = Field(min_length=1)
    registration: VoiceRegistrationSettings | None = None
    greeting: str = Field(min_length=1)
    reprompt: str = Field(min_length=1)
    goodbye: str = Field(min_length=1)
    # Spoken from memory when the gateway cannot be reached, so it is synthesised at start.
    unavailable: str = Field(min_length=1)
    record_calls: bool
    # Relative to data_dir, so every isolated stack records into its own folder.
    recordings_dir: Path
    endpointing: VoiceEndpointingSettings
    # Keypad menu: one digit -> what a button with that label and payload would send.
    menu: dict[str, VoiceMenuOption]
    # A bot reply containing one of these asks for digits: keys then go to digit entry, not the menu.
    digit_prompts: tuple[str, ...]
    inter_digit_timeout_ms: float = Field(gt=0)
    # CPU budget (2 cores): one worker pool shared by every call runs Whisper and Piper.
    workers: int = Field(ge=1)
    stt_threads: int = Field(ge=1)
    stt_workers: int = Field(ge=1)
    tts_threads: int = Field(ge=1)
    core_timeout_s: float = Field(gt=0, le=120)

    @field_validator("menu")
    @classmethod
    def _menu_keys_are_digits(cls, menu: dict[str, VoiceMenuOption]) -> dict[str, VoiceMenuOption]:
        if any(len(key) != 1 or key not in "0123456789" for key in menu):
            raise ValueError("menu keys must be single digits 0-9 ('*' and '#' control digit entry)")
        return menu


class Settings(_Section):
    bank_name: str
    data_dir: Path
    store_url: str
    bank_db_path: Path
    rasa: RasaSettings
    actions: ActionsSettings
    gateway: GatewaySettings
    knowledge: KnowledgeSettings
    privacy: PrivacySettings
    threads: ThreadSettings
    voice: VoiceSettings

    def resolve(self, path: Path) -> Path:
        """Relative paths in config.yml are relative to the repository root, not the cwd."""
        return path if path.is_absolute() else REPO_ROOT / path


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV, REPO_ROOT / "config.yml"))


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the `tandem:` section; raises pydantic.ValidationError on bad config."""
    raw = yaml.safe_load((path or config_path()).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "tandem" not in raw:
        raise ValueError(f"{path or config_path()}: no 'tandem:' section")
    return Settings.model_validate(raw["tandem"])


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
