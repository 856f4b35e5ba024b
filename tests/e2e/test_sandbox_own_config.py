"""``WARROOM_CONFIG`` in the sandbox: the file names the sandbox's people by name, as it would name
real ones, and people it lists who are not in the sandbox join it."""

import re

from tests.e2e.test_sandbox_cli import run_script

CONFIG = """\
users:
  - {slack_id: U0AAAAAAA, name: alice, timezone: Europe/London}
  - {slack_id: U0EEEEEEE, name: erin, timezone: UTC}
  - {name: carol, timezone: Asia/Tokyo}
incident:
  responders: [carol]
schedules:
  - {name: primary, timezone: UTC, rotation: {users: [erin], length: 1w, handoff: "2026-01-05T09:00"}}
escalation_policies:
  - {name: default, levels: [{notify: [schedule:primary], timeout: 5m}, {notify: [user:dave], timeout: 5m}]}
alert_sources:
  - {name: ops, type: slack, escalation_policies: [default], channels: [ops]}
http: {listen: "127.0.0.1:0"}
"""

SCRIPT = """\
:people
/il-oncall
:expect primary: @erin
/incident declare Checkout errors sev2
:channels
:channel #ops
/il-alert
:submit summary="Disk full on db-1" policy=default priority=high
:switch erin
:expect You are being paged
:advance 6m
:switch dave
:expect You are being paged
:switch carol
:channel #incident
/incident event yesterday 10:02 Checkout errors began
:expect Added
:expect at yesterday at 10:02: Checkout errors began
"""


def test_the_config_names_sandbox_people_and_brings_its_own(tmp_path):
    (tmp_path / "warroom.yml").write_text(CONFIG)
    done = run_script(tmp_path, SCRIPT, WARROOM_CONFIG=str(tmp_path / "warroom.yml"))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    people = dict(re.findall(r"^@(\w+) +(U\w+)", done.stdout, re.M))
    assert set(people) == {"alice", "bob", "carol", "dave", "erin"}
    assert re.search(r"^@carol .*, Asia/Tokyo$", done.stdout, re.M), "the sandbox's carol reads times in her zone"
    assert "U0AAAAAAA" not in done.stdout and "U0EEEEEEE" not in done.stdout
    incident = re.search(r"^#incident-\S+  members: (.*?)  topic:", done.stdout, re.M)
    assert incident and "@carol" in incident.group(1).split(", "), done.stdout   # the responder named by name
    assert "#ops  members: @alice, @bob, @carol, @dave, @erin" in done.stdout    # the sandbox made #ops


def test_a_wrong_config_is_still_refused_with_its_reason(tmp_path):
    (tmp_path / "warroom.yml").write_text("schedules:\n  - {name: primary, rotation: {users: [zed], length: 1d, handoff: \"2026-01-05T09:00\"}}\n")
    done = run_script(tmp_path, "/il-oncall\n", WARROOM_CONFIG=str(tmp_path / "warroom.yml"))
    assert done.returncode == 2
    assert "'zed' is not one of the users" in done.stderr


def test_a_missing_config_file_is_named(tmp_path):
    done = run_script(tmp_path, "/il-oncall\n", WARROOM_CONFIG=str(tmp_path / "nope.yml"))
    assert done.returncode == 2 and "nope.yml: (file): does not exist" in done.stderr, done.stderr
