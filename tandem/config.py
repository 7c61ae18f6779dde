"""The one typed configuration: the `tandem:` section of config.yml, validated once at start.

Any setting can be overridden by an environment variable: TANDEM_ then the path in upper case, with
`__` between levels (TANDEM_GATEWAY__PORT=8443). Secrets are not settings: see tandem/secrets.py.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from tandem.client_address import trusted_networks

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV = "TANDEM_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RasaSettings(_Section):
    # Worker i listens on url's port + i; each conversation is pinned to one (tandem/rasa_workers.py).
    url: HttpUrl
    workers: int = Field(default=1, ge=1, le=16)
    timeout_s: float = Field(gt=0, le=120)
    health_interval_s: float = Field(gt=0, le=60)


class ActionsSettings(_Section):
    url: HttpUrl


class VerificationSettings(_Section):
    # Failed identity checks within failure_window_s that refuse chat verification for lock_s: per
    # account number typed (someone guessing one customer's details) and per conversation.
    max_failures_per_account: int = Field(ge=1)
    max_failures_per_conversation: int = Field(ge=1)
    failure_window_s: float = Field(gt=0)
    lock_s: float = Field(gt=0)
    # A verified conversation stays verified this long after an action last used it.
    session_s: float = Field(gt=0)


class GatewaySettings(_Section):
    host: str
    port: int = Field(ge=0, le=65535)
    max_message_bytes: int = Field(gt=0, le=65536)
    rate_limit_per_s: float = Field(gt=0)
    rate_limit_burst: int = Field(ge=1)
    start_limit_per_s: float = Field(gt=0)
    start_limit_burst: int = Field(ge=1)
    # Per client address, across all its conversations and sockets: chat messages and knowledge searches.
    client_limit_per_s: float = Field(default=10.0, gt=0)
    client_limit_burst: int = Field(default=40, ge=1)
    # Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed; nobody else's is.
    trusted_proxies: tuple[str, ...] = ()
    # Tandem's own processes (the voice gateway) reach /api/internal, and phone conversations, only
    # here: a second site, never on the public listener, on 127.0.0.1 unless voice workers run on other
    # machines (voice.remote_workers): then an address of a private network they share with this one.
    internal_port: int = Field(ge=1, le=65535)
    internal_host: str = "127.0.0.1"
    # PEM files: given both, the public listener serves HTTPS and WSS only.
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @model_validator(mode="after")
    def _listeners_are_consistent(self) -> GatewaySettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        if self.internal_port == self.port:
            raise ValueError("internal_port must differ from port")
        trusted_networks(self.trusted_proxies)  # a ValueError names the entry that is not an address
        ipaddress.ip_address(self.internal_host)  # bound as given: a literal address
        return self


class CustomerQuestionSettings(_Section):
    """Real customers' questions (a CSV) labelled by category, and the categories' articles (YAML)."""

    csv: Path
    labels: Path
    text_column: str = "text"
    label_column: str = "category"


class KnowledgeSettings(_Section):
    articles_dir: Path
    index_dir: Path
    answer_threshold: float = Field(ge=-1, le=3)
    top_k: int = Field(ge=1, le=20)
    customer_questions: tuple[CustomerQuestionSettings, ...] = ()


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
    # The password is a secret: TANDEM_SIP_PASSWORD (tandem/secrets.py), never in config.yml.


class VoiceEndpointingSettings(_Section):
    """Turn-taking (voice_gateway.endpointing.EndpointingSettings), times in milliseconds."""

    start_threshold: float = Field(ge=0, le=1)
    stop_threshold: float = Field(ge=0, le=1)
    min_speech_ms: float = Field(gt=0)
    pause_ms: float = Field(gt=0)
    end_silence_ms: float = Field(gt=0)
    # Caller speech needed to cut the bot off: shorter is a cough or an "uh-huh".
    min_barge_in_ms: float = Field(gt=0)
    # Caller speech that pauses the bot at once, before it is known to be a barge-in; 0: off.
    hold_after_ms: float = Field(default=0, ge=0)
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
    # split the RTP range between them.
    processes: int = Field(default=1, ge=1, le=16)
    worker_port: int = Field(default=0, ge=0, le=65535)
    # Voice workers run on other machines, as "address:port" of their SIP transport: kamailio's dispatcher
    # sends calls to them too. Each is started there with its own config (voice.host: its own address,
    # which its SDP gives callers for RTP; gateway.internal_host: where it reaches this gateway):
    #   python -m voice_gateway --index 3 --sip-port 5070 --rtp-port 40000 --rtp-port-count 200 \
    #       --dispatcher <voice.host>:<voice.port>
    remote_workers: tuple[str, ...] = ()
    codecs: tuple[str, ...] = Field(min_length=1)
    registration: VoiceRegistrationSettings | None = None
    greeting: str = Field(min_length=1)
    reprompt: str = Field(min_length=1)
    # Said before the bot's pending question, asked again, when the caller stays silent after one.
    reprompt_apology: str = Field(default="Sorry, I didn't hear anything.", min_length=1)
    goodbye: str = Field(min_length=1)
    # Spoken from memory when the gateway cannot be reached, so it is synthesised at start.
    unavailable: str = Field(min_length=1)
    record_calls: bool
    # Relative to data_dir, so every isolated stack records into its own folder.
    recordings_dir: Path
    # Said before the greeting while calls are recorded: callers are told, whatever the greeting says.
    recording_notice: str = Field(default="This call is recorded.", min_length=1)
    # Recordings older than this are deleted when the voice gateway starts and by
    # `python -m voice_gateway.recordings purge`; 0 keeps them forever.
    recording_retention_days: int = Field(default=30, ge=0)
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
    # The handoff on a call: music on hold (any WAV, e.g. Debian's asterisk-moh-opsound-wav) between the
    # queue's announcements; how long the agent's phone may ring before the caller is requeued; what
    # the caller hears when the agent hangs up their phone, and when the conversation is closed from
    # the desk without a closing message of its own.
    hold_music: Path
    agent_answer_timeout_s: float = Field(gt=0, le=120)
    agent_left: str = Field(min_length=1)
    call_ended: str = Field(min_length=1)
    # After a conversation with an agent that the desk ended: the keypad rating's question, how long it
    # waits for a 1-5 key, and the thanks (no question: the line is closed at once).
    csat_question: str = ""
    # Asked when the caller says goodbye to the bot; "" asks nothing and ends the call at once.
    csat_bot_question: str = ""
    csat_wait_s: float = Field(default=8, gt=0, le=30)
    csat_thanks: str = "Thank you. Goodbye."
    # SIP over TLS on tls_port (0: off) with these PEM files (or TANDEM_VOICE__TLS_CERT / __TLS_KEY).
    # Single process only (processes: 1): the dispatcher relays UDP and TCP. srtp: off, optional (when
    # the caller offers it), or mandatory (SRTP keyed over TLS only; every other call refused).
    tls_port: int = Field(default=0, ge=0, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    srtp: Literal["off", "optional", "mandatory"] = "off"

    @field_validator("remote_workers")
    @classmethod
    def _remote_workers_are_addresses(cls, workers: tuple[str, ...]) -> tuple[str, ...]:
        for worker in workers:
            host, _, port = worker.rpartition(":")
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(
                    f"remote worker {worker!r}: give address:port, e.g. 10.0.0.12:5070"
                ) from None
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"remote worker {worker!r}: the port must be 1-65535")
        return workers

    @model_validator(mode="after")
    def _tls_is_complete(self) -> VoiceSettings:
        if self.tls_port and (self.tls_cert is None or self.tls_key is None):
            raise ValueError("voice.tls_port needs voice.tls_cert and voice.tls_key")
        if self.tls_port and (self.processes > 1 or self.remote_workers):
            raise ValueError(
                "voice.tls_port needs voice.processes: 1 (the SIP dispatcher relays UDP and TCP only)"
            )
        if self.srtp == "mandatory" and not self.tls_port:
            raise ValueError(
                "voice.srtp: mandatory needs voice.tls_port: its SRTP keys are only taken over TLS"
            )
        return self

    @field_validator("menu")
    @classmethod
    def _menu_keys_are_digits(cls, menu: dict[str, VoiceMenuOption]) -> dict[str, VoiceMenuOption]:
        if any(len(key) != 1 or key not in "0123456789" for key in menu):
            raise ValueError("menu keys must be single digits 0-9 ('*' and '#' control digit entry)")
        return menu


class EscalationSettings(_Section):
    """Thresholds of the escalation policy (handoff.policy.decide); sentiment is VADER's compound, -1..1."""

    # One message this negative escalates on its own.
    sentiment_floor: float = Field(ge=-1, le=0)
    # The moving average over the last `sentiment_window` customer messages below this escalates.
    average_threshold: float = Field(ge=-1, le=0)
    sentiment_window: int = Field(ge=1, le=20)
    # A fall of the moving average by this much since the conversation's best escalates ("falling").
    falling_drop: float = Field(gt=0, le=2)
    # A complaint intent escalates when the customer's sentiment is at or below this (or the message
    # shows exasperation: handoff.sentiment.exasperation_cue).
    complaint_sentiment_max: float = Field(ge=-1, le=1)
    # A message with a sign of fraud or vulnerability (handoff.sentiment) escalates unless its sentiment
    # is above this: a customer thanking us once a bereavement was dealt with is not in distress.
    distress_sentiment_max: float = Field(ge=-1, le=1)
    # This many fallback or low-confidence customer turns in a row escalate.
    max_failed_turns: int = Field(ge=1)
    low_confidence: float = Field(ge=0, le=1)
    fallback_intents: frozenset[str]
    # Queue priority by reason; higher is served sooner. A VIP adds vip_priority_boost.
    priorities: dict[str, int]
    vip_priority_boost: int = Field(ge=0)


class QueueSettings(_Section):
    # An agent needs every one of these skills to take the queue's contacts.
    skills: frozenset[str]
    # Added to each contact's priority: a queue's whole traffic can matter more than another's.
    priority: int = 0
    # Service level: answered within sla_s seconds.
    sla_s: float = Field(gt=0)
    # After overflow_after_s seconds waiting, agents of the overflow_to queues are offered it too.
    overflow_after_s: float = Field(gt=0)
    overflow_to: tuple[str, ...] = ()
    # After max_wait_s the customer is offered a ticket or a callback instead of waiting on.
    max_wait_s: float = Field(gt=0)
    # A ticket's service levels: the team's first answer, and its resolution, within these.
    first_response_s: float = Field(default=4 * 3600, gt=0)
    resolution_s: float = Field(default=3 * 86400, gt=0)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class CallingHoursSettings(_Section):
    """When customers may be called back, in the bank's time zone (handoff/calling_hours.py)."""

    days: tuple[Weekday, ...] = Field(default=("mon", "tue", "wed", "thu", "fri", "sat"), min_length=1)
    opens: dt.time = dt.time(8, 0)
    closes: dt.time = dt.time(20, 0)
    timezone: str = "Europe/London"

    @model_validator(mode="after")
    def _makes_sense(self) -> CallingHoursSettings:
        if self.opens >= self.closes:
            raise ValueError("calling hours must open before they close, on the same day")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.timezone!r}") from error
        return self


class CallbackSettings(_Section):
    """Calling customers back from a ticket: the agent's phone first, then the customer's number."""

    # Where a customer's number is dialled, e.g. "sip:{number}@pbx.example" (through kamailio or the
    # registered account's PBX); None: no outbound calls, and the desk says so.
    trunk_uri: str | None = None
    # The toll-fraud guard: only numbers matching all of it are dialled ("" dials nothing).
    number_pattern: str = ""
    ring_timeout_s: float = Field(default=30, gt=0, le=120)
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_after_s: tuple[float, ...] = Field(default=(600.0, 1800.0), min_length=1)
    # None: customers may be called at any hour.
    calling_hours: CallingHoursSettings | None = CallingHoursSettings()

    @field_validator("trunk_uri")
    @classmethod
    def _has_number_slot(cls, value: str | None) -> str | None:
        if value is not None and "{number}" not in value:
            raise ValueError("trunk_uri needs a {number} placeholder")
        return value

    @field_validator("number_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class QualityCriterion(_Section):
    """One line of the quality review's scoring form (handoff/quality.py)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=200)
    points: int = Field(ge=1, le=10)


class HandoffSettings(_Section):
    escalation: EscalationSettings
    callbacks: CallbackSettings = CallbackSettings()
    queues: dict[str, QueueSettings] = Field(min_length=1)
    # The queue for a contact: by the reason of the escalation, else the customer's latest known intent.
    queue_by_reason: dict[str, str]
    queue_by_intent: dict[str, str]
    default_queue: str
    # An offer not accepted within this goes to the next agent.
    offer_timeout_s: float = Field(gt=0)
    # An agent whose desk disconnects gets their conversations back if they return within this;
    # after it they go back to the queue, at the front.
    reconnect_grace_s: float = Field(gt=0)
    # How often a waiting customer hears their position and expected wait, at most.
    position_update_s: float = Field(gt=0)
    # Expected wait before there is any history to estimate from.
    default_handle_s: float = Field(gt=0)
    dispositions: tuple[str, ...] = Field(min_length=1)
    session_hours: float = Field(gt=0)
    # A transfer to a named colleague waits this long for them before anyone in the queue may take it.
    transfer_reserve_s: float = Field(default=60.0, gt=0)
    # The supervisor's quality review form: each criterion scored 0 to its points.
    quality_criteria: tuple[QualityCriterion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _criteria_unique(self) -> HandoffSettings:
        keys = [c.key for c in self.quality_criteria]
        if len(keys) != len(set(keys)):
            raise ValueError("quality_criteria keys must be unique")
        return self

    @model_validator(mode="after")
    def _queues_exist(self) -> HandoffSettings:
        named = [self.default_queue, *self.queue_by_reason.values(), *self.queue_by_intent.values()]
        named += [target for queue in self.queues.values() for target in queue.overflow_to]
        unknown = sorted(set(named) - set(self.queues))
        if unknown:
            raise ValueError(f"unknown queues named: {', '.join(unknown)}")
        return self


class WorkbenchSettings(_Section):
    """The conversation designer's workbench (workbench/, the page /designer)."""

    # Where labelled examples are written: the NLU files Rasa trains on, kept in git.
    training_data: Path = Path("training_data/nlu")
    # Examples kept out of training, on which a newly trained model is compared with the active one.
    held_out: Path = Path("training_data/held_out/nlu.yml")
    # The test stories a new model and the active one both run (`rasa test core --e2e`) before activating.
    test_stories: Path = Path("tests/stories")
    # Models the workbench trained that stay to roll back to (the active one always stays): a
    # BANKING77-size model is 28 MB.
    keep_models: int = Field(default=10, ge=2, le=1000)
    # Where a new intent started in the inbox is declared (Rasa refuses training data with an unknown intent).
    domain: Path = Path("bot/domain")
    # A customer message the NLU was less sure of than this needs a designer's look.
    low_confidence: float = Field(default=0.6, gt=0, le=1)
    inbox_days: int = Field(default=30, ge=1, le=365)
    # An answer from an article scoring below this is a knowledge gap too, like no answer at all. Answers
    # start at knowledge.answer_threshold (0.83); most wrong ones score under 0.93: on kb_calibration.yml
    # precision is 0.797 at 0.83 but 0.946 at 0.93 (benchmarks/RESULTS.md), so that band needs a look.
    gap_score: float = Field(default=0.93, ge=-1, le=3)


class ClusterSettings(_Section):
    """Several gateway processes behind HAProxy, sharing live events, desks' presence, conversation
    locks, the router's lease and rate limits through Redis. Empty redis_url: one gateway, all of that
    in its own memory (the embedded default)."""

    # redis://host:port/db; the password is TANDEM_REDIS_PASSWORD, never in this file.
    redis_url: str | None = None
    gateways: int = Field(default=1, ge=1, le=8)
    # Gateway i (1..gateways) listens on 127.0.0.1, public on ports_from + 2i - 2 and internal on
    # ports_from + 2i - 1; HAProxy takes gateway.port and gateway.internal_port in front of them.
    gateway_ports_from: int = Field(default=8201, ge=1024, le=65000)
    # Start redis-server and haproxy from Debian's packages with the stack; false when they run elsewhere.
    start_services: bool = True

    @model_validator(mode="after")
    def _gateways_share_redis(self) -> ClusterSettings:
        if self.gateways > 1 and not self.redis_url:
            raise ValueError("cluster.gateways > 1 needs cluster.redis_url: the gateways share state there")
        return self

    @property
    def enabled(self) -> bool:
        return self.redis_url is not None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TANDEM_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    bank_name: str
    data_dir: Path
    store_url: str
    bank_db_path: Path
    rasa: RasaSettings
    actions: ActionsSettings
    verification: VerificationSettings
    gateway: GatewaySettings
    knowledge: KnowledgeSettings
    privacy: PrivacySettings
    threads: ThreadSettings
    voice: VoiceSettings
    handoff: HandoffSettings
    workbench: WorkbenchSettings = WorkbenchSettings()
    cluster: ClusterSettings = ClusterSettings()

    def resolve(self, path: Path) -> Path:
        """Relative paths in config.yml are relative to the repository root, not the cwd."""
        return path if path.is_absolute() else REPO_ROOT / path

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # config.yml comes in as the init arguments; the environment overrides it, key by key.
        return env_settings, init_settings


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV, REPO_ROOT / "config.yml"))


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the `tandem:` section; raises pydantic.ValidationError on bad config."""
    raw = yaml.safe_load((path or config_path()).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "tandem" not in raw:
        raise ValueError(f"{path or config_path()}: no 'tandem:' section")
    return Settings(**raw["tandem"])


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
