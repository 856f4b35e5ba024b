"""Sign in with Slack, through the sandbox's OpenID Connect provider, in a real browser; and Bolt
keeping its bot token when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in the environment."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.client import WebClient


def test_signing_in_with_slack_in_the_browser_lands_where_you_were_going(signin_bot, sandbox, page):
    web = WebClient(signin_bot)
    page.goto(web.base + "/no-such-page-yet")              # any page: the header says who you are
    assert page.get_by_role("link", name="Sign in", exact=True).is_visible()
    page.goto(web.base + "/signin?next=/no-such-page-yet")
    page.get_by_role("link", name="Sign in with Slack").click()
    page.wait_for_url(sandbox.url + "/openid/connect/authorize**")   # Slack's page: who are you?
    page.get_by_role("button", name="(@bob)").click()
    page.wait_for_url(web.base + "/no-such-page-yet")
    assert page.get_by_text("Signed in as @bob").is_visible()


def test_an_answer_that_this_browser_did_not_ask_for_is_refused(signin_bot, sandbox):
    """A forged callback (another browser's code, no pending sign-in) signs no one in."""
    sandbox.oidc_login_as("alice")
    attacker = WebClient(signin_bot)
    to_slack = attacker.get("/signin/slack?next=/incidents")
    assert to_slack.status == 303
    at_slack = urlsplit(to_slack.headers["Location"])
    query = parse_qs(at_slack.query)
    assert query["scope"] == ["openid profile"] and query["redirect_uri"] == [attacker.base + "/signin/slack/callback"]
    assert query["team"] == [sandbox.team_id]
    victim = WebClient(signin_bot)                           # no pending-sign-in cookie in this browser
    forged = victim.get("/signin/slack/callback?code=stolen&state=" + query["state"][0])
    assert forged.status == 403 and "started too long ago or in another browser" in forged.body
    assert victim.get("/").headers["Location"] == "/signin"
    wrong_state = attacker.get("/signin/slack/callback?code=x&state=guessed")
    assert wrong_state.status == 403 and "does not match" in wrong_state.body


def test_a_cancelled_sign_in_says_so(signin_bot):
    web = WebClient(signin_bot)
    to_slack = web.get("/signin/slack")
    state = parse_qs(urlsplit(to_slack.headers["Location"]).query)["state"][0]
    cancelled = web.get(f"/signin/slack/callback?error=access_denied&state={state}")
    assert cancelled.status == 403 and "you cancelled at Slack" in cancelled.body
    assert web.get("/").headers["Location"] == "/signin"


def test_without_app_credentials_the_page_says_how_else_to_sign_in(web):
    assert "Sign in with Slack is not set up here" in web.get("/signin").body
    refused = web.get("/signin/slack")
    assert refused.status == 303 and "not%20set%20up" in refused.headers["Location"]
