"""Rasa's input channel for the Tandem gateway: the bot's replies and what the NLU understood, in one
answer, to a caller that proves it holds the API's JWT secret.

Rasa's own REST channel answers anyone who reaches its port, logs the customer's text when a turn
fails, and returns the replies only, so the gateway had to ask the tracker API what was understood.
Configured in bot/credentials.yml; the gateway's side is tandem/bot_client.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.utils.common import call_potential_coroutine
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import turn_summary
from bot.replayed_turns import earlier_answer
from tandem.turn_metadata import replayed_message_id

log = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)


def read_turn(body: Any) -> tuple[str, str, dict[str, Any]] | str:
    """(sender, text, metadata) from the request body, or what is wrong with it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata") or {}
    if not isinstance(sender, str) or not sender:
        return "sender must be a non-empty string"
    if not isinstance(text, str):
        return "message must be a string"
    if not isinstance(metadata, dict):
        return "metadata must be an object"
    return sender, text, metadata


async def _answered_before(agent: Agent, sender: str, message_id: int) -> dict[str, Any] | None:
    """Under the conversation's lock, so a first delivery still running is seen once it is saved."""
    async with agent.lock_store.lock(sender):
        tracker = await agent.tracker_store.retrieve(sender)
    return None if tracker is None else earlier_answer(tracker, message_id)


class TandemInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "tandem"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("tandem_webhook", __name__)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            auth = request.app.ctx.auth
            if not await call_potential_coroutine(auth.is_authenticated(request)):
                return _error(
                    401, "not_authenticated", "a bearer token signed with the API's secret is needed"
                )
            try:
                body = request.json
            except Exception:  # Sanic raises its own error on a body that is not JSON
                body = None
            turn = read_turn(body)
            if isinstance(turn, str):
                return _error(400, "bad_request", turn)
            sender, text, metadata = turn
            replayed = replayed_message_id(metadata)
            if replayed is not None:
                answered = await _answered_before(request.app.ctx.agent, sender, replayed)
                if answered is not None:
                    log.info("a replayed message was answered before", extra={"conversation_id": sender})
                    return response.json(answered)
            collector = CollectingOutputChannel()
            message_id = uuid.uuid4().hex
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name(), message_id=message_id,
                                metadata=metadata)
                )  # fmt: skip
            except Exception:
                # Never the text: the customer's words stay out of the logs.
                log.exception("the turn failed", extra={"conversation_id": sender})
                return _error(500, "turn_failed", "the bot could not handle the message")
            return response.json(
                {"messages": collector.messages, "understood": turn_summary.take(message_id)}
            )

        return webhook
