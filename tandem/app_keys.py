"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from tandem.bot_client import BotClient
from tandem.cluster import Cluster
from tandem.config import Settings
from tandem.conversations import ConversationService
from tandem.knowledge import KnowledgeState
from tandem.metrics import Metrics
from tandem.rate_limit import AddressLimiter, RateLimiter
from tandem.secrets import Secrets
from tandem.store import Store

SETTINGS = web.AppKey("settings", Settings)
SECRETS = web.AppKey("secrets", Secrets)
SERVICE = web.AppKey("service", ConversationService)
METRICS = web.AppKey("metrics", Metrics)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
START_LIMITER = web.AppKey("start_limiter", AddressLimiter)
CLIENT_LIMITER = web.AppKey("client_limiter", AddressLimiter)
KNOWLEDGE = web.AppKey("knowledge", KnowledgeState)
# Only with several gateways (cluster.redis_url).
CLUSTER = web.AppKey("cluster", Cluster)
STORE = web.AppKey("store", Store)
BOT = web.AppKey("bot", BotClient)
HTTP = web.AppKey("http", aiohttp.ClientSession)
