"""The upload flow as Slack documents it: files.getUploadURLExternal, the bytes POSTed to the upload
URL, files.completeUploadExternal sharing the file as a message in a channel."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import Sandbox


def send(url: str, data: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_upload_flow_rules_and_the_shared_message(sb: Sandbox, client: WebClient, joined: dict[str, str]) -> None:
    general = joined["general"]
    assert error_of(lambda: client.api_call("files.getUploadURLExternal", params={"length": 3})) == "invalid_arguments"
    assert error_of(lambda: client.files_getUploadURLExternal(filename="a.md", length=0)) == "missing_argument"

    reserved = client.files_getUploadURLExternal(filename="notes.md", length=5)
    file_id, url = reserved["file_id"], reserved["upload_url"]
    assert file_id.startswith("F") and url.startswith(sb.url)
    complete = lambda **kw: client.files_completeUploadExternal(files=[{"id": file_id, "title": "Notes"}], **kw)  # noqa: E731
    assert error_of(lambda: complete(channel_id=general)) == "file_not_uploaded"
    assert send(url, b"too long")[0] == 400            # the length given must be the length sent
    assert send(url, b"# hi\n") == (200, "OK - 5")
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"id": "F0NOPE"}])) == "file_not_found"
    quiet = sb.add_channel("quiet")                      # the bot is not in it
    assert error_of(lambda: complete(channel_id=quiet)) == "not_in_channel"
    assert error_of(lambda: complete(channel_id="C0NOPE")) == "channel_not_found"

    done = complete(channel_id=general, initial_comment="Here are the notes")
    assert done["files"] == [{"id": file_id, "title": "Notes"}]
    [message] = [m for m in sb.messages(general) if m.get("files")]
    assert message["text"] == "Here are the notes" and message["upload"] is True
    assert message["files"][0]["id"] == file_id and message["files"][0]["name"] == "notes.md"
    stored = sb.file(file_id)
    assert stored["content"] == "# hi\n" and stored["completed"] and stored["filetype"] == "markdown"
    assert error_of(lambda: complete(channel_id=general)) == "file_not_found", "a file is completed once"
    assert send(url, b"# hi\n")[0] == 404, "the upload URL is spent once the file is shared"
    history = client.conversations_history(channel=general)["messages"]
    assert any(f["id"] == file_id for m in history for f in m.get("files") or [])


def test_the_sdks_own_upload_helper_works_and_scopes_are_checked(sb: Sandbox, client: WebClient,
                                                                 joined: dict[str, str]) -> None:
    client.files_upload_v2(channel=joined["general"], content="line one\n", filename="log.txt", title="Log")
    [message] = [m for m in sb.messages(joined["general"]) if m.get("files")]
    assert sb.file(message["files"][0]["id"])["content"] == "line one\n"
    sb.bot_scopes = sb.bot_scopes - {"files:write"}
    assert error_of(lambda: client.files_getUploadURLExternal(filename="a.md", length=1)) == "missing_scope"
