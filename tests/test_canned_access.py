"""Who may read and edit canned responses, by raw HTTP against the real stack."""

from __future__ import annotations

import aiohttp
import pytest

from handoff.store import Role
from tandem.processes import Stack
from tests.desk.floor import add_agent, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.security]
LIST = {"responses": [{"shortcut": "hi", "title": "Hi", "text": "Hello {first_name}."}]}


async def test_only_a_supervisor_from_the_desks_own_pages_edits_a_known_teams_list(stack: Stack) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    supervisor = await sign_in(stack, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as nobody:
        try:
            async with nobody.get("/api/canned/teams/general") as response:
                assert response.status == 401
            async with agent.get("/api/canned/teams/general") as response:
                assert response.status == 200  # agents read the lists...
            async with agent.put("/api/canned/teams/general", json=LIST) as response:
                assert (response.status, (await response.json())["error"]["code"]) == (403, "forbidden")
            async with agent.get("/api/canned", params={"contact_id": "not-yours"}) as response:
                assert response.status == 404  # ...and fill them only for their own contacts
            elsewhere = {"Origin": "https://evil.example"}
            async with supervisor.put("/api/canned/teams/general", json=LIST, headers=elsewhere) as response:
                assert (await response.json())["error"]["code"] == "cross_site_request"
            async with supervisor.put("/api/canned/teams/..%2Fsecrets", json=LIST) as response:
                assert (response.status, (await response.json())["error"]["code"]) == (404, "unknown_team")
            async with supervisor.get("/api/canned/teams/general") as response:
                assert "hi" not in [
                    r["shortcut"] for r in (await response.json())["responses"]
                ]  # nothing saved
        finally:
            await agent.close()
            await supervisor.close()
