"""Prometheus metrics of the gateway, on a registry per app so tests can run several apps."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "tandem_messages_total", "Messages stored", ["channel", "sender"], registry=self.registry
        )
        self.bot_turn_seconds = Histogram(
            "tandem_bot_turn_seconds",
            "Time from a customer message to the bot's replies",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.bot_errors = Counter(
            "tandem_bot_errors_total", "Bot turns that failed", ["kind"], registry=self.registry
        )
        self.bot_up = Gauge("tandem_bot_up", "1 when the Rasa server answers", registry=self.registry)
        self.pending = Gauge(
            "tandem_pending_messages", "Customer messages waiting for the bot", registry=self.registry
        )
        self.rejected = Counter(
            "tandem_rejected_inputs_total", "Inputs refused, by reason", ["reason"], registry=self.registry
        )
        self.ws_connections = Gauge(
            "tandem_ws_connections", "Open chat WebSocket connections", registry=self.registry
        )
        self.http_seconds = Histogram(
            "tandem_http_request_seconds",
            "HTTP request duration",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.conversations = Counter(
            "tandem_conversations_started_total",
            "Conversations started",
            ["channel"],
            registry=self.registry,
        )
