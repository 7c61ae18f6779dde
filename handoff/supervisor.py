"""The supervisor's figures: today's numbers and the live floor, and the Prometheus gauges behind them."""

from __future__ import annotations

from typing import Any

from handoff import routing
from handoff.load import IDLE, AgentLoad, channels
from handoff.state import HandoffState
from handoff.stats import AgentLine, floor_stats
from handoff.store import Role
from tandem.metrics import Metrics


class Supervisor:
    def __init__(self, state: HandoffState, load: AgentLoad) -> None:
        self._s = state
        self._load = load

    async def floor(self) -> dict[str, Any]:
        """Today's figures and the live floor; also sets the Prometheus gauges behind them (the router
        calls this every second, so they move with no dashboard open)."""
        s = self._s
        now = s.clock()
        since = now - now % 86400  # midnight UTC
        loads = await self._load.loads()
        connected = s.desks.keys()
        agents = await s.contacts.all_agents()
        lines = [
            AgentLine(
                id=agent.id,
                display_name=agent.display_name,
                state=self._load.effective(agent, loads.get(agent.id, IDLE))
                if agent.id in connected
                else routing.OFFLINE,
                active_chats=loads.get(agent.id, IDLE)[0],
                active_calls=loads.get(agent.id, IDLE)[1],
                skills=frozenset(agent.skills),
                channels=channels(agent),
            )
            for agent in agents
            if agent.role == Role.AGENT
        ]
        ended, escalated = await s.contacts.ended_conversations_since(since)
        figures = floor_stats(
            now=now,
            today=await s.contacts.contacts_since(since),
            queues=s.cfg.queues,
            agents=lines,
            agent_names={a.id: a.display_name for a in agents},
            ended_conversations=ended,
            escalated_conversations=escalated,
            sentiments=await s.contacts.customer_sentiments_since(since),
        )
        set_gauges(s.metrics, figures)
        return figures


def set_gauges(m: Metrics, figures: dict[str, Any]) -> None:
    for row in figures["queues"]:
        m.queue_waiting.labels(row["name"]).set(row["waiting"])
        m.queue_longest_wait.labels(row["name"]).set(row["longest_wait_s"])
        if row["sla_pct"] is not None:
            m.queue_sla.labels(row["name"]).set(row["sla_pct"] / 100)
    for state, count in figures["agents_by_state"].items():
        m.agents.labels(state).set(count)
    for gauge, key, scale in (
        (m.average_answer_seconds, "asa_s", 1),
        (m.average_handle_seconds, "aht_s", 1),
        (m.abandonment_ratio, "abandonment_pct", 100),
        (m.containment_ratio, "containment_pct", 100),
    ):
        if figures[key] is not None:
            gauge.set(figures[key] / scale)
