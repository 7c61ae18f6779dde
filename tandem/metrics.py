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
        # The human side (handoff/): one metric per figure on the supervisor's dashboard.
        self.customer_sentiment = Histogram(
            "tandem_customer_sentiment",
            "VADER compound score of customer messages",
            buckets=(-0.6, -0.2, 0.2, 0.6, 1.0),
            registry=self.registry,
        )
        self.escalations = Counter(
            "tandem_escalations_total",
            "Conversations handed to people, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.handoff_offers = Counter(
            "tandem_handoff_offers_total", "Offers to agents, by outcome", ["outcome"], registry=self.registry
        )
        self.handoff_offer_seconds = Histogram(
            "tandem_handoff_offer_seconds",
            "From entering the queue to an agent's offer",
            buckets=(*_LATENCY_BUCKETS, 30.0, 60.0, 120.0, 300.0),
            registry=self.registry,
        )
        self.handoff_answer_seconds = Histogram(
            "tandem_handoff_answer_seconds",
            "Speed of answer: from entering the queue to an agent accepting",
            ["queue"],
            buckets=(1, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
            registry=self.registry,
        )
        self.handoff_handle_seconds = Histogram(
            "tandem_handoff_handle_seconds",
            "Handle time: from an agent accepting to finishing wrap-up",
            ["queue"],
            buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600),
            registry=self.registry,
        )
        self.handoff_abandoned = Counter(
            "tandem_handoff_abandoned_total",
            "Customers who left while queued",
            ["queue"],
            registry=self.registry,
        )
        self.queue_waiting = Gauge(
            "tandem_queue_waiting", "Contacts waiting", ["queue"], registry=self.registry
        )
        self.queue_longest_wait = Gauge(
            "tandem_queue_longest_wait_seconds", "Longest current wait", ["queue"], registry=self.registry
        )
        self.queue_sla = Gauge(
            "tandem_queue_service_level_ratio",
            "Share of today's answered contacts answered within the queue's SLA",
            ["queue"],
            registry=self.registry,
        )
        self.agents = Gauge("tandem_agents", "Signed-in agents by state", ["state"], registry=self.registry)
        self.average_answer_seconds = Gauge(
            "tandem_average_speed_of_answer_seconds",
            "Today's average speed of answer",
            registry=self.registry,
        )
        self.average_handle_seconds = Gauge(
            "tandem_average_handle_seconds", "Today's average handle time", registry=self.registry
        )
        self.abandonment_ratio = Gauge(
            "tandem_abandonment_ratio", "Today's queued contacts abandoned", registry=self.registry
        )
        self.containment_ratio = Gauge(
            "tandem_containment_ratio",
            "Today's ended conversations that the bot resolved without a person",
            registry=self.registry,
        )
        self.tickets_created = Counter(
            "tandem_tickets_created_total", "Tickets created", ["queue", "kind"], registry=self.registry
        )
        self.tickets = Gauge(
            "tandem_tickets", "Tickets by queue and status", ["queue", "status"], registry=self.registry
        )
        self.tickets_breached = Gauge(
            "tandem_tickets_sla_breached",
            "Tickets not closed whose first-response or resolution SLA is overdue",
            ["queue"],
            registry=self.registry,
        )
        self.ratings = Counter(
            "tandem_csat_ratings_total",
            "Satisfaction ratings given",
            ["channel", "score"],
            registry=self.registry,
        )
        self.csat_average = Gauge(
            "tandem_csat_average", "Average satisfaction rating (1-5) in the last 30 days", ["queue"],
            registry=self.registry,
        )  # fmt: skip
        self.csat_response_ratio = Gauge(
            "tandem_csat_response_ratio", "Share of ended conversations rated, last 30 days", ["queue"],
            registry=self.registry,
        )  # fmt: skip
