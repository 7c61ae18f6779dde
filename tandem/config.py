"""The one typed configuration: the `tandem:` section of config.yml, validated once at start."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

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
