"""Customer satisfaction: the 1-5 rating (and an optional comment) a customer gives a conversation
once it has ended. One per conversation; who handled it and in which queue is the handoff's to know
(handoff/csat.py joins the ratings with the contacts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem.store import conversations, metadata, utcnow
from tandem.validation import InputError

MAX_COMMENT_CHARS = 1000

ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


@dataclass(frozen=True, slots=True)
class Rating:
    conversation_id: str
    score: int
    comment: str | None
    created_at: datetime


def checked_rating(score: object, comment: object) -> tuple[int, str | None]:
    """The score (1-5) and the comment (optional text), or a clear error."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InputError("invalid_score", "score is a whole number from 1 to 5.")
    if comment is None or comment == "":
        return score, None
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
        raise InputError("invalid_comment", f"comment is text of at most {MAX_COMMENT_CHARS} characters.")
    return score, comment.strip() or None


async def add_rating(engine: AsyncEngine, conversation_id: str, score: int, comment: str | None) -> Rating:
    """Stored once, for a conversation that has ended."""
    rating = Rating(conversation_id, score, comment, utcnow())
    refusal: InputError | None = None
    # InputError (a frozen dataclass) is raised outside the transaction: its block cannot re-raise it.
    async with engine.begin() as conn:
        status = await conn.scalar(
            sa.select(conversations.c.status).where(conversations.c.id == conversation_id)
        )
        already = await conn.scalar(
            sa.select(ratings.c.score).where(ratings.c.conversation_id == conversation_id)
        )
        if status != "closed":
            refusal = InputError("not_ended", "A conversation can be rated once it has ended.", 409)
        elif already is not None:
            refusal = InputError("already_rated", "This conversation has been rated already.", 409)
        else:
            await conn.execute(
                sa.insert(ratings).values(
                    conversation_id=conversation_id,
                    score=score,
                    comment=comment,
                    created_at=rating.created_at,
                )
            )
    if refusal is not None:
        raise refusal
    return rating
