"""SLACK_CLIENT_ID and SLACK_CLIENT_SECRET in warroom's environment are for Sign in with Slack; Bolt,
seeing them, would turn itself into an OAuth installation app and refuse every command. warroom run
keeps answering on its bot token with them set, and signs people in with them."""

from __future__ import annotations

import urllib.error
import urllib.request

from harness.bots import BotProcess
from tests.e2e.helpers import newest_incident_channel, pinned, pinned_text
from tests.web.conftest import free_port


def test_warroom_run_with_the_sign_in_credentials_set_still_answers_commands(sandbox, tmp_path, database_url):
    port = free_port()
    client = sandbox.oauth_client([f"http://127.0.0.1:{port}/signin/slack/callback"])
    bot = BotProcess(sandbox, tmp_path, f'http: {{listen: "127.0.0.1:{port}"}}', database=database_url,
                     env={"SLACK_CLIENT_ID": client.client_id, "SLACK_CLIENT_SECRET": client.client_secret})
    try:
        bot.start()
        result = sandbox.as_user("alice").command("/incident", "declare Payments down sev1", channel="general")
        assert result.ack is not None and "Payments down" in str(result.ack), result.ack
        sandbox.wait_for(lambda: any(c["name"].startswith("incident-") and pinned(sandbox, c["id"])
                                     for c in sandbox.channels()), timeout=15, message="no pinned status")
        assert "Payments down" in pinned_text(sandbox, newest_incident_channel(sandbox)["id"])
        sandbox.oidc_login_as("carol")               # carol has signed in to Slack before: no page
        status, url, body = open_following_redirects(f"http://127.0.0.1:{port}/signin/slack?next=/no-such-page")
        assert (status, url) == (404, f"http://127.0.0.1:{port}/no-such-page")   # back where she was going
        assert "Signed in as @carol" in body, body[:1500]
    finally:
        bot.stop()
    assert client.client_secret not in bot.log()


def open_following_redirects(url: str) -> tuple[int, str, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor())
    try:
        with opener.open(url, timeout=20) as landed:
            return landed.status, landed.url, landed.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.url, exc.read().decode()
