"""AsyncWebClient (aiohttp): GET read methods and POST-with-query form methods."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox import Sandbox


@pytest.fixture
def aclient(sb: Sandbox) -> AsyncWebClient:
    return AsyncWebClient(token=sb.bot_token, base_url=sb.api_url)


async def test_read_methods(sb: Sandbox, aclient: AsyncWebClient, ids: dict) -> None:
    assert (await aclient.auth_test())["user_id"] == sb.bot_user_id
    info = await aclient.conversations_info(channel=ids["general"], include_num_members=True)
    assert info["channel"]["num_members"] == 4
    user = await aclient.users_info(user=ids["bob"])
    assert user["user"]["real_name"] == "Bob Ross"
    members = await aclient.conversations_members(channel=ids["general"])
    assert len(members["members"]) == 4
    listed = await aclient.conversations_list(types="public_channel", exclude_archived=True)
    assert {c["name"] for c in listed["channels"]} == {"general", "incidents", "alerts"}


async def test_form_and_json_methods(sb: Sandbox, aclient: AsyncWebClient, ids: dict) -> None:
    chan = (await aclient.conversations_create(name="async-inc"))["channel"]
    await aclient.conversations_invite(channel=chan["id"], users=[ids["alice"], ids["carol"]])
    await aclient.conversations_setTopic(channel=chan["id"], topic="async topic")
    posted = await aclient.chat_postMessage(channel=chan["id"], text="hello",
                                            blocks=[{"type": "divider"}])
    await aclient.pins_add(channel=chan["id"], timestamp=posted["ts"])
    snapshot = sb.channel(chan["id"])
    assert snapshot["members"] == [sb.bot_user_id, ids["alice"], ids["carol"]]
    assert snapshot["topic"]["value"] == "async topic" and snapshot["pins"] == [posted["ts"]]
    assert sb.messages(chan["id"])[0]["blocks"][0]["type"] == "divider"


async def test_errors_raise(aclient: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        await aclient.conversations_info(channel="C_NONE")
    assert err.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as err:
        await aclient.conversations_create(name="Bad Name")
    assert err.value.response["error"] == "invalid_name_specials"
