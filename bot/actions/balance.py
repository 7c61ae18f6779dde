"""Balances of the verified customer's accounts, read from the bank store."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.bank_access import UsesBank, off_loop
from bot.actions.formatting import balance_line
from bot.bank.repository import list_accounts


class ActionCheckBalance(UsesBank, Action):
    def name(self) -> str:
        return "action_check_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = await self.verified_customer(tracker)
        if customer is None:
            # The rules only run this after verification; never show money without it.
            dispatcher.utter_message(response="utter_verification_failed")
            return []
        accounts = await off_loop(list_accounts, self.db, customer)
        dispatcher.utter_message(
            response="utter_balances", accounts="\n".join(balance_line(a) for a in accounts)
        )
        return []
