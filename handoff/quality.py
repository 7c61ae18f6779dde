"""Quality review: a supervisor scores an agent's contact against handoff.quality_criteria (config.yml),
beside its transcript and, for a call, its recording. A review keeps the scores as given and their
share of all points; the dashboard shows each agent's average over a window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.tables import agents, quality_reviews
from tandem.config import QualityCriterion
from tandem.validation import InputError

MAX_COMMENT = 4000


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    contact_id: str
    agent_id: str
    reviewer: str
    scores: dict[str, int]
    score_pct: float
    comment: str | None
    created_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "contact_id": self.contact_id, "agent_id": self.agent_id, "reviewer": self.reviewer,
            "scores": self.scores, "score_pct": self.score_pct, "comment": self.comment,
            "created_at": datetime.fromtimestamp(self.created_at, UTC).isoformat(),
        }  # fmt: skip


def scored(scores: Any, criteria: Sequence[QualityCriterion]) -> tuple[dict[str, int], float]:
    """Every criterion scored, as a whole number from 0 to its points; and the share of all points, %."""
    if not isinstance(scores, Mapping):
        raise InputError("invalid_scores", "scores maps each criterion to its points.")
    unknown = sorted(set(scores) - {c.key for c in criteria})
    if unknown:
        raise InputError("unknown_criteria", f"No such criteria: {', '.join(map(str, unknown))}.")
    given: dict[str, int] = {}
    for criterion in criteria:
        value = scores.get(criterion.key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= criterion.points:
            raise InputError(
                "invalid_score",
                f'Score "{criterion.label}" with a whole number from 0 to {criterion.points}.',
            )
        given[criterion.key] = value
    pct = 100.0 * sum(given.values()) / sum(c.points for c in criteria)
    return given, round(pct, 1)


def comment_of(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_COMMENT:
        raise InputError("invalid_comment", f"A comment is text of at most {MAX_COMMENT} characters.")
    return value.strip() or None


async def add_review(
    engine: AsyncEngine, contact_id: str, agent_id: str, reviewer_id: str, scores: dict[str, int], pct: float,
    comment: str | None, now: float,
) -> None:  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(quality_reviews).values(
                contact_id=contact_id, agent_id=agent_id, reviewer_id=reviewer_id, scores=scores,
                score_pct=pct, comment=comment, created_at=now,
            )
        )  # fmt: skip


async def reviews_of(engine: AsyncEngine, contact_id: str) -> list[Review]:
    query = (
        sa.select(quality_reviews, agents.c.display_name)
        .join(agents, agents.c.id == quality_reviews.c.reviewer_id)
        .where(quality_reviews.c.contact_id == contact_id)
        .order_by(quality_reviews.c.id)
    )
    async with engine.connect() as conn:
        return [
            Review(r.id, r.contact_id, r.agent_id, r.display_name, dict(r.scores), r.score_pct, r.comment,
                   r.created_at)
            for r in await conn.execute(query)
        ]  # fmt: skip


async def averages(engine: AsyncEngine, since: float) -> dict[str, dict[str, Any]]:
    """Agent's name -> reviews since `since`, and their average score in %."""
    query = (
        sa.select(agents.c.display_name, sa.func.count(), sa.func.avg(quality_reviews.c.score_pct))
        .join(agents, agents.c.id == quality_reviews.c.agent_id)
        .where(quality_reviews.c.created_at >= since)
        .group_by(agents.c.display_name)
        .order_by(agents.c.display_name)
    )
    async with engine.connect() as conn:
        return {
            name: {"reviews": int(count), "average_pct": round(float(mean), 1)}
            for name, count, mean in await conn.execute(query)
        }
