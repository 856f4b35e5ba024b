"""What a person sees in ``warroom sandbox --script``: Slack's markup drawn, forms explained, and the
parts of Slack the README advertises (Home tab, message shortcut, threads, edits, deletes)."""

import re

from bot.sandbox_cli import DEMO_KEY_ENV, banner, play, sandbox_config
from bot.sandbox_repl import Repl
from harness.bots import BotThread
from tests.e2e.terminal import curl_words, send_curl
from tests.e2e.test_sandbox_cli import run_script

DECLARE = "/incident declare Checkout errors sev2\n:channel #incident\n"


def played(tmp_path, text, **env):
    done = run_script(tmp_path, text, **env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def after_line(out, line):
    """What the script printed for ``line`` (up to the next prompt)."""
    start = out.index(f"> {line}\n") + len(line) + 3
    end = re.compile(r"^\S+ in #\S+> ", re.M).search(out, start)
    return out[start:end.start() if end else len(out)]


def test_markup_is_drawn_with_names_links_emoji_authors_and_times(tmp_path):
    out = played(tmp_path, DECLARE + "/incident link https://runbooks.example.com/cdn CDN runbook\n/il-oncall\n")
    declared = after_line(out, "/incident declare Checkout errors sev2")
    assert re.search(r"^#incidents · warroom \d\d:\d\d\n    🚨 SEV2 incident declared: Checkout errors\n"
                     r"    Incident #1 in #incident-\S+ · Status: Investigating · Commander: @alice$", declared, re.M), declared
    assert "Severity: SEV2" in declared
    assert "CDN runbook (https://runbooks.example.com/cdn)" in after_line(out, "/incident link https://runbooks.example.com/cdn CDN runbook")
    on_call = after_line(out, "/il-oncall")
    assert re.search(r"primary: @(alice|bob) until (today|tomorrow) at \d\d:\d\d", on_call), on_call
    for raw in ("*SEV2", ":rotating_light:", ":fire:", "<@U", "<#C", "<https", "<!date", "\x1b["):
        assert raw not in out, raw


def test_an_edit_is_one_line_not_the_whole_message_again(tmp_path):
    out = played(tmp_path, DECLARE + "/incident status identified Bad deploy\n")
    update = after_line(out, "/incident status identified Bad deploy")
    assert re.search(r"^#incident-\S+ · ✎ edited by warroom: Status: Identified$", update, re.M), update
    assert re.search(r"^#incidents · ✎ edited by warroom: Incident #1 in #incident-\S+ · Status: Identified", update, re.M)
    assert "Severity: SEV2" not in update and "Started:" not in update


def test_view_lists_the_fields_and_an_unknown_field_names_the_valid_ones(tmp_path):
    out = played(tmp_path, "/incident declare\n:view\n")
    fields = after_line(out, ":view")
    assert re.search(r"^  title +text +\(What is happening\?, required\)$", fields, re.M), fields
    assert re.search(r"^  severity +one of sev1, sev2, sev3, sev4 +\(Severity, required\)$", fields, re.M)
    assert re.search(r"^  commander +a person \(alice, bob, carol, dave\)", fields, re.M)
    assert re.search(r"^  private +any of private \(comma-separated\)", fields, re.M)
    refused = run_script(tmp_path, "/incident declare\n:submit titel=Checkout\n")
    assert refused.returncode == 1
    assert ("line 2 failed: this form has no field 'titel'; its fields are: title, severity, description, "
            "commander, private") in refused.stderr


def test_a_comma_in_a_text_field_stays_one_text(tmp_path):
    """Bug: :submit split every value at commas and the update said "['Latency back to normal', ' watching …']"."""
    out = played(tmp_path, DECLARE + "/incident status\n"
                 ":submit status=monitoring message=\"Latency back to normal, watching for 30 min\"\n"
                 ":expect Latency back to normal, watching for 30 min\n"
                 "/incident resolve Fixed\n:expect Monitoring: Latency back to normal, watching for 30 min\n")
    assert "['" not in out


def test_checkboxes_take_the_option_values(tmp_path):
    out = played(tmp_path, "/incident declare\n:submit title=\"Payments down, EU\" private=private\n:channels\n")
    assert re.search(r"^#incident-\S+-payments-down-eu \(private\)  members: @warroom, @alice", out, re.M), out


def test_threads_edits_and_deletes_reach_warroom(tmp_path):
    out = played(tmp_path, DECLARE +
                 "Error rate at 9%\n:react pushpin\n:edit Error rate at 12%\n"
                 ":thread checking the load balancer\n"
                 "Posted in the wrong channel\n:react pushpin\n:delete\n:show\n"
                 "/incident resolve Fixed\n")
    assert re.search(r"^#incident-\S+ · ✎ edited by alice: Error rate at 12%$", out, re.M)
    assert re.search(r"^#incident-\S+ · thread of “Error rate at 12%” · alice \d\d:\d\d\n    checking the load balancer$",
                     out, re.M)
    assert re.search(r"^#incident-\S+ · 🗑 alice deleted a message: Posted in the wrong channel$", out, re.M)
    assert re.search(r"^\^2 · alice \d\d:\d\d \(1 reply; :show \^2 shows them\)\n    Error rate at 12%$",
                     after_line(out, ":show"), re.M)
    wrap_up = after_line(out, "/incident resolve Fixed")
    assert "@alice: Error rate at 12%" in wrap_up and "9%" not in wrap_up
    assert "wrong channel" not in wrap_up


def test_the_home_tab_and_the_message_shortcut(tmp_path):
    out = played(tmp_path, DECLARE + ":home\n:expect Open incidents\n:click Declare incident\n:expect [Declare an incident]\n"
                 ":close\n:channel #general\nPayments are timing out for everyone\n:shortcut Declare incident\n"
                 ":expect What is happening?: [Payments are timing out for everyone]\n:submit severity=sev1\n")
    home = after_line(out, ":home")
    assert home.startswith("[Home]\n") and re.search(r"#1 SEV2 · Investigating · Checkout errors", home), home
    assert "+ channel #incident-" in after_line(out, ":submit severity=sev1")
    assert "-payments-are-timing-out-for-everyone created" in out
    unknown = run_script(tmp_path, "Hello\n:shortcut Page someone\n")
    assert unknown.returncode == 1
    assert ("warroom has no shortcut 'Page someone'; its shortcuts: Declare incident (global); "
            "Declare incident (message)") in unknown.stderr


def test_only_your_own_messages_can_be_edited(tmp_path):
    done = run_script(tmp_path, DECLARE + ":edit ^1 Rewritten\n")
    assert done.returncode == 1
    assert "line 3 failed: ^1 is not your message; Slack lets you change only your own" in done.stderr


def test_a_script_prints_what_happened_meanwhile_before_its_next_line(sandbox, tmp_path, monkeypatch, capsys):
    """Scripts have no background printer: news comes at the next line, so every run prints the same."""
    monkeypatch.delenv("WARROOM_CONFIG", raising=False)
    monkeypatch.setenv(DEMO_KEY_ENV, "restored after the test")
    config, _ = sandbox_config(sandbox)
    bot = BotThread(sandbox, config, str(tmp_path / "warroom.db")).start()
    try:
        repl = Repl(sandbox, bot)
        assert send_curl(curl_words(banner(sandbox, config, bot.bot.webhooks.port, [])))[0] == 202
        sandbox.wait_for(lambda: sandbox.messages("alerts"), timeout=30, message="the alert was never posted")
        bot.settle()
        assert capsys.readouterr().out == ""            # nothing is printed while no line is played
        assert play(repl, [":expect Alert #1: DiskFull", ":show #alerts"]) == 0
        out = capsys.readouterr().out
        assert re.match(r"#alerts · warroom \d\d:\d\d\n    🚨 Alert #1: DiskFull\n.*\nalice in #general> :expect Alert #1",
                        out, re.S), out
        assert out.count("🚨 Alert #1: DiskFull") == 2   # once as news, once for :show
    finally:
        bot.stop()


def test_coming_back_as_someone_shows_the_mentions_and_dms_they_missed(tmp_path):
    out = played(tmp_path, "/incident declare Checkout errors sev2\n:switch bob\n:advance 31m\n:switch alice\n"
                 ":expect there has been no status update\n:switch bob\n")
    back = after_line(out, ":switch alice")
    assert re.search(r"^#incident-\S+ · warroom \d\d:\d\d\n    ⏰ @alice, there has been no status update", back, re.M), back
    assert out.split("> :switch bob\n")[-1] == "(you are now @bob)\n"   # the pulse mentions alice, not bob


def test_switching_to_someone_outside_the_channel_takes_them_to_general(tmp_path):
    out = played(tmp_path, DECLARE + ":switch dave\n/il-oncall\n")
    assert "(you are now @dave; @dave is not in that channel, so you are in #general)\ndave in #general> /il-oncall" in out


def test_a_thread_header_is_cut_without_cutting_an_escape_code():
    """Review: the header quoted the parent's first line drawn in ANSI and cut it at 40 characters,
    leaving half an escape sequence (and a bold that never ended) in the terminal."""
    from bot.sandbox_screen import Screen
    from harness import start_sandbox
    from sandbox import ANSI

    sandbox = start_sandbox()
    try:
        alice = sandbox.as_user("alice")
        general = sandbox.channel("general")["id"]
        parent = alice.post(general, "*" + "Checkout errors for every customer in the EU" + "*")
        reply = alice.post(general, "looking", thread_ts=parent)
        screen = Screen(sandbox, "alice", ANSI)
        snap = screen.snapshot()
        header = screen.where(general, snap, snap.messages[(general, reply)])
        assert header == "#general · thread of “Checkout errors for every customer in t…”", repr(header)
        assert "\x1b" not in header
    finally:
        sandbox.stop()


def test_an_unknown_slash_command_says_only_what_slack_says(tmp_path):
    done = run_script(tmp_path, "/unknowncmd hello\n")
    assert done.returncode == 1
    assert "line 1 failed: /unknowncmd is not a valid command." in done.stderr, done.stderr
    assert "did not answer" not in done.stderr + done.stdout
    assert done.stdout.count("is not a valid command") == 0, done.stdout   # said once, as the failure


def test_after_advancing_the_clock_messages_are_stamped_at_warrooms_time(tmp_path):
    from datetime import datetime, timedelta, timezone

    began = datetime.now(timezone.utc)
    out = played(tmp_path, ":advance 31m\nStill looking at it\n")
    ended = datetime.now(timezone.utc)
    stamp = re.search(r"^#general · alice (\d\d:\d\d)\n    Still looking at it$", out, re.M)
    assert stamp, out
    expected = {(moment + timedelta(minutes=31)).strftime("%H:%M") for moment in (began, ended)}
    assert stamp.group(1) in expected, (stamp.group(1), expected)


def test_a_choice_that_is_not_an_option_lists_the_options(tmp_path):
    done = run_script(tmp_path, "/il-alert\n:submit summary=\"Disk full\" policy=nope\n")
    assert done.returncode == 1
    assert "line 2 failed: 'nope' is not an option of policy; one of default" in done.stderr, done.stderr


def test_a_checklists_items_are_ticked_by_their_place(tmp_path):
    """Every item of a checklist has a button labelled Tick: ``:click Tick 2`` ticks the second one."""
    config = tmp_path / "warroom.yml"
    config.write_text("incident_types:\n  - {name: security, checklist: [Rotate exposed credentials, Tell legal]}\n")
    out = played(tmp_path, "/incident declare --type security Leaked key sev2\n:channel #incident\n"
                 ":click Tick 2\n:show\n", WARROOM_CONFIG=str(config))
    shown = after_line(out, ":show")
    assert "Tell legal" in shown and "Rotate exposed credentials" in shown
    ticked = [line for line in shown.splitlines() if "Tell legal" in line or "Rotate exposed" in line]
    assert len(ticked) == 2 and "✅" in ticked[1] and "✅" not in ticked[0], ticked
