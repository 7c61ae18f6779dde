"""The bank's assistant through the gateway: verification, blocking a card, balance, a dispute.

Demo customers come from `python -m bot.bank seed`. Every flow is followed the way a customer
would: by typing, or by clicking the buttons the bot offers.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from tandem.conversations import MASKED_TEXT
from tests.chat_client import reply_text, say, start_conversation, transcript

pytestmark = pytest.mark.e2e


def button(result: dict[str, Any], title_contains: str) -> dict[str, str]:
    buttons = [b for r in result["replies"] for b in r["buttons"]]
    found = next((b for b in buttons if title_contains.lower() in b["title"].lower()), None)
    assert found, f"no button with {title_contains!r} in {buttons}"
    return found


async def click(http: aiohttp.ClientSession, conversation: str, chosen: dict[str, str]) -> dict[str, Any]:
    return await say(http, conversation, chosen["title"], chosen["payload"])


async def verify_with_pin(
    http: aiohttp.ClientSession, conversation: str, account: str, pin: str
) -> dict[str, Any]:
    asked = await say(http, conversation, account)
    asked = await click(http, conversation, button(asked, "PIN"))
    assert "PIN" in reply_text(asked)
    return await say(http, conversation, pin)


async def test_lost_card_is_blocked_with_a_reference_and_secrets_stay_out_of_the_transcript(
    http: aiohttp.ClientSession,
) -> None:
    conversation = await start_conversation(http)
    first = await say(http, conversation, "I lost my card")
    assert "account number" in reply_text(first).lower()
    verified = await verify_with_pin(http, conversation, "31846207", "482913")
    assert "Alice" in reply_text(verified)
    confirm = await click(http, conversation, button(verified, "ending 4821"))
    done = await click(http, conversation, button(confirm, "yes"))
    assert re.search(r"BLK-\d{6}", reply_text(done)), reply_text(done)
    assert "4821" in reply_text(done)

    stored = await transcript(http, conversation)
    customer_texts = [m["text"] for m in stored if m["sender"] == "customer"]
    assert customer_texts.count(MASKED_TEXT) == 2
    assert "Security PIN" in customer_texts
    everything = str(stored)
    assert "482913" not in everything and "31846207" not in everything
    assert stored[0]["intent"] == "card_lost_stolen"


async def test_balance_needs_verification_then_reads_the_bank(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    asked = await say(http, conversation, "what's my balance?")
    assert "account number" in reply_text(asked).lower()
    answered = await verify_with_pin(http, conversation, "31846207", "482913")
    assert "£1,842.56" in reply_text(answered), reply_text(answered)


async def test_wrong_pin_three_times_stops_and_offers_a_person(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    result = await say(http, conversation, "show me my balance")
    wrong_pins = 0
    for _ in range(12):
        titles = [b["title"] for r in result["replies"] for b in r["buttons"]]
        text = reply_text(result).lower()
        if "Talk to a person" in titles:
            break
        if "Security PIN" in titles:
            result = await click(http, conversation, button(result, "Security PIN"))
        elif "account number" in text:
            result = await say(http, conversation, "80417365")
        else:
            wrong_pins += 1
            result = await say(http, conversation, f"{wrong_pins}00000")
    else:
        pytest.fail(f"never offered a person: {result}")
    assert wrong_pins == 3
    assert "0330 123 4567" in reply_text(result)
    assert "£" not in reply_text(result)


async def test_unrecognised_payment_opens_a_dispute_case(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, "there's a payment on my account I don't recognise")
    listed = await verify_with_pin(http, conversation, "67254019", "731640")
    reason = await click(http, conversation, button(listed, "ASOS"))
    chosen = [b for r in reason["replies"] for b in r["buttons"]]
    assert chosen, reason
    done = await click(http, conversation, chosen[0])
    for _ in range(3):
        if re.search(r"DSP-\d{6}", reply_text(done)):
            break
        options = [b for r in done["replies"] for b in r["buttons"]]
        done = (
            await click(http, conversation, options[0]) if options else await say(http, conversation, "yes")
        )
    assert re.search(r"DSP-\d{6}", reply_text(done)), reply_text(done)
