"""A warroom.yml for on-call tests, written against the sandbox's real user IDs."""

from datetime import datetime, timezone


def oncall_yaml(sandbox, *, extra: str = "") -> str:
    ids = {name: sandbox.user(name)["id"] for name in ("alice", "bob", "carol", "dave")}
    midnight = datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00")
    return f"""
users:
  - {{slack_id: {ids['alice']}, name: alice, timezone: Europe/London}}
  - {{slack_id: {ids['bob']}, name: bob, timezone: America/New_York}}
  - {{slack_id: {ids['carol']}, name: carol}}
schedules:
  - name: primary
    timezone: UTC
    rotation: {{users: [alice, bob], length: 1d, handoff: "{midnight}"}}
  - name: secondary
    timezone: UTC
    rotation: {{users: [carol], length: 1w, handoff: "2026-01-05T00:00"}}
escalation_policies:
  - name: default
    repeat: 1
    levels:
      - {{notify: [schedule:primary], timeout: 5m}}
      - {{notify: [user:carol], timeout: 5m}}
alert_sources:
  - {{name: ops, type: slack, escalation_policies: [default], channels: [ops], priority: high}}
{extra}
"""


def team_with_storm_source(sandbox, people: list[str], key_env: str, *, before: str = "") -> str:
    """``people`` (extra sandbox users) as configured users, the first two rotating daily as the
    on-call, and a webhook source ``storm`` (its key in ``key_env``) whose limits take any storm."""
    listed = "\n".join(f"  - {{slack_id: {sandbox.user(p)['id']}, name: {p}}}" for p in people)
    return f"""{before}
users:
{listed}
schedules:
  - name: primary
    timezone: UTC
    rotation: {{users: [{people[0]}, {people[1]}], length: 1d, handoff: "2026-01-05T00:00"}}
escalation_policies:
  - name: default
    levels:
      - {{notify: [schedule:primary], timeout: 1h}}
alert_sources:
  - {{name: storm, type: webhook, escalation_policy: default, key_env: {key_env},
     limits: {{alerts_per_second: 100000, burst: 100000, open_alerts: 100000}}}}
"""
