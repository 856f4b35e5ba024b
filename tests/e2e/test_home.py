"""The App Home tab: published after the event's ack, so a refusal from Slack must not lose it; long
lists say how much they leave out."""

import logging

HOME_INCIDENTS = 30   # what the tab lists


def test_a_rate_limited_home_is_published_on_a_second_try(bot, sandbox, caplog):
    caplog.set_level(logging.WARNING, logger="warroom.home")
    sandbox.faults.rate_limit("views.publish", times=1, retry_after=1)
    dave = sandbox.user("dave")["id"]
    sandbox.as_user("dave").open_home()
    home = sandbox.wait_for(lambda: sandbox.home(dave), timeout=15, message="the Home tab was never published")
    assert "Open incidents" in sandbox.render(home)
    assert [c.ok for c in sandbox.calls if c.method == "views.publish"] == [False, True]
    warnings = [r.fields for r in caplog.records if r.getMessage() == "home.not_published"]
    assert len(warnings) == 1 and warnings[0]["retry_in"] == 1.0, warnings


def test_the_home_tab_says_how_many_incidents_it_leaves_out(bot, sandbox):
    total = HOME_INCIDENTS + 3
    declarers = [sandbox.add_user(f"declarer{n}") for n in range(total // 5 + 1)]   # five declares a minute each
    for declarer in declarers:
        sandbox.as_user(declarer).join("general")
    for n in range(total):
        result = sandbox.as_user(declarers[n // 5]).command("/incident", f"declare Outage number {n} sev3",
                                                           channel="general")
        assert "Declaring incident" in result.ack["text"], result.ack
    bot.settle(timeout=60)
    sandbox.as_user("alice").open_home()
    home = sandbox.wait_for(lambda: sandbox.home(sandbox.user("alice")["id"]), timeout=15)
    shown = sandbox.render(home)
    assert shown.count("Outage number") == HOME_INCIDENTS
    assert "…and 3 more open incidents; `/incident list` lists them" in shown, shown[-500:]
