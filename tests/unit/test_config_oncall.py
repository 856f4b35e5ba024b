"""The on-call half of warroom.yml: refusals name the key and the reason."""

from datetime import time, timedelta

import pytest
import yaml

from bot.config import ConfigError, parse_config
from kernel.alerts import SourceLimits

USERS = """
users:
  - {slack_id: U0AAAAAAA, name: alice, timezone: Europe/London}
  - {slack_id: U0BBBBBBB, name: bob}
"""
GOOD = USERS + """
schedules:
  - name: primary
    timezone: Europe/London
    rotation: {users: [alice, bob], length: 1w, handoff: "2026-01-05T09:00"}
  - name: layered
    layers:
      - {users: [alice], length: 1d, handoff: "2026-01-05T00:00"}
      - users: [U0CCCCCCC]
        length: 12h
        handoff: "2026-01-05T09:00"
        restrictions: [{days: [mon, tue], start: "22:00", end: "06:00"}]
escalation_policies:
  - name: default
    repeat: 2
    levels:
      - {notify: [schedule:primary]}
      - {notify: [user:bob, usergroup:S0123ABCD], timeout: 10m}
alert_sources:
  - {name: ops, type: slack, escalation_policies: [default], channels: ["#ops"]}
  - {name: prom, type: alertmanager, escalation_policy: default, key_env: PROM_KEY, priority: low, channel: prod-alerts,
     limits: {alerts_per_second: 20, open_alerts: 500}}
http: {listen: "0.0.0.0:9000"}
"""


def parse(text, environ=None):
    return parse_config(yaml.safe_load(text), "w.yml", environ if environ is not None else {"PROM_KEY": "k"})


def test_a_full_on_call_config_is_read():
    config = parse(GOOD)
    primary = config.schedule("PRIMARY")
    assert primary.layers[0].users == ("U0AAAAAAA", "U0BBBBBBB") and primary.layers[0].length == timedelta(weeks=1)
    layered = config.schedule("layered")
    assert layered.timezone == "UTC" and layered.layers[1].users == ("U0CCCCCCC",)
    restriction = layered.layers[1].restrictions[0]
    assert restriction.weekdays == frozenset({0, 1}) and (restriction.start, restriction.end) == (time(22), time(6))
    policy = config.policy("default")
    assert policy.repeat == 2 and policy.levels[0].timeout == timedelta(minutes=5)  # the default timeout
    assert policy.levels[1].targets == ("user:U0BBBBBBB", "usergroup:S0123ABCD")
    prom = config.alert_source("prom")
    assert prom.priority == "low" and prom.channel == "prod-alerts" and prom.escalation_policy == "default"
    assert prom.limits == SourceLimits(alerts_per_second=20, burst=SourceLimits().burst, open_alerts=500)
    assert config.alert_source("ops").channels == ("ops",)
    assert (config.http.host, config.http.port) == ("0.0.0.0", 9000)


@pytest.mark.parametrize("patch,key,reason", [
    (("users: [alice, bob]", "users: [alice, carol]"), "schedules[0].rotation.users[1]",
     "'carol' is not one of the users"),
    (("notify: [schedule:primary]", "notify: [schedule:tertiary]"), "escalation_policies[0].levels[0].notify[0]",
     "schedule 'tertiary' is not defined"),
    (("notify: [schedule:primary]", "notify: [pager:alice]"), "escalation_policies[0].levels[0].notify[0]",
     "is not a target"),
    (("escalation_policies: [default], channels", "escalation_policies: [nope], channels"),
     "alert_sources[0].escalation_policies[0]", "escalation policy 'nope' is not defined"),
    (("repeat: 2", "repeat: 12"), "escalation_policies[0].repeat", "between 0 and 9"),
    (("length: 1w", "length: weekly"), "schedules[0].rotation.length", "not a duration"),
    (('handoff: "2026-01-05T09:00"}\n  - name: layered', 'handoff: "next monday"}\n  - name: layered'),
     "schedules[0].rotation.handoff", "not a local date and time"),
    (("days: [mon, tue]", "days: [mon, funday]"), "schedules[1].layers[1].restrictions[0].days", "not a day"),
    (('start: "22:00"', 'start: "25:00"'), "schedules[1].layers[1].restrictions[0].start", "not a time of day"),
    (("type: alertmanager", "type: nagios"), "alert_sources[1].type", "must be one of slack, alertmanager, webhook"),
    (('channels: ["#ops"]', "channels: []"), "alert_sources[0].channels", "needs channels"),
    (("key_env: PROM_KEY", "key_env: OTHER_KEY"), "alert_sources[1].key_env", "OTHER_KEY is not set"),
    (("name: prom", "name: Prom Metrics"), "alert_sources[1].name", "must be lowercase"),
    (('listen: "0.0.0.0:9000"', 'listen: "9000"'), "http.listen", "is not host:port"),
    (("timezone: Europe/London}", "timezone: Mars}"), "users[0].timezone", "is not a time zone"),
    (("timezone: Europe/London}", "timezone: Europe}"), "users[0].timezone", "is not a time zone"),   # a folder
    (("alerts_per_second: 20", "alerts_per_second: 0"), "alert_sources[1].limits.alerts_per_second",
     "must be between 1 and 100000, got 0"),
    (("open_alerts: 500", "open_alerts: lots"), "alert_sources[1].limits.open_alerts", "must be a whole number"),
    (("alerts_per_second: 20", "per_minute: 20"), "alert_sources[1].limits.per_minute",
     "unknown key; known keys here are: alerts_per_second, burst, open_alerts"),
    (('channels: ["#ops"]}', 'channels: ["#ops"], limits: {burst: 5}}'), "alert_sources[0].limits",
     "a slack source takes no limits"),
])
def test_a_wrong_on_call_config_names_key_and_reason(patch, key, reason):
    text = GOOD.replace(*patch)
    assert text != GOOD, "the patch must apply"
    with pytest.raises(ConfigError) as error:
        parse(text)
    assert error.value.key == key and reason in error.value.reason, str(error.value)


def test_rotation_and_layers_are_exclusive():
    with pytest.raises(ConfigError, match="either rotation .* or layers"):
        parse(USERS + "schedules: [{name: x}]\n")
