"""incident_types: and incident.page_on_declare in warroom.yml: what loads, and every wrong one refused
at start naming the key."""

from __future__ import annotations

import pytest
import yaml

from bot.config import parse_config
from bot.config.incident_types import Runbook, RoleToFill
from bot.config.reader import ConfigError

TEAM = """
users: [{slack_id: UALICE001, name: alice}, {slack_id: UBOB00001, name: bob}]
schedules: [{name: primary, rotation: {users: [alice, bob], length: 1d, handoff: "2026-03-01T00:00"}}]
escalation_policies: [{name: default, levels: [{notify: [schedule:primary], timeout: 5m}]}]
"""


def load(text: str):
    return parse_config(yaml.safe_load(TEAM + text), "warroom.yml", {})


def test_a_full_type_loads_with_people_groups_and_names_resolved():
    config = load("""
incident: {page_on_declare: Default}
incident_types:
  - name: Security
    severity: SEV2
    responders: [alice, UCAROL001, S0SECTEAM, alice]
    page: PRIMARY
    roles: [Scribe, {role: communications lead, user: bob}, {role: commander, schedule: primary}]
    checklist: [Rotate keys]
    runbooks: [{url: "https://wiki.example.com/sec"}, {title: Legal, url: "http://legal.example.com"}]
    channel_name: sec-{number}
    private: true
""")
    plan = config.incident_type("security")
    assert config.incident.page_on_declare == "default"
    assert (plan.name, plan.severity, plan.page, plan.private) == ("security", "sev2", "primary", True)
    assert (plan.responders, plan.groups) == (("UALICE001", "UCAROL001"), ("S0SECTEAM",))
    assert plan.roles == (RoleToFill("scribe"), RoleToFill("communications lead", "UBOB00001"),
                          RoleToFill("commander", schedule="primary"))
    assert plan.runbooks == (Runbook("https://wiki.example.com/sec", "https://wiki.example.com/sec"),
                             Runbook("Legal", "http://legal.example.com"))
    assert (plan.checklist, plan.channel_name) == (("Rotate keys",), "sec-{number}")
    assert config.incident_type("nope") is None and load("").incident_types == ()


@pytest.mark.parametrize("text, key, reason", [
    ("incident_types: [{name: a, severity: sev9}]", "incident_types[0].severity", "not one of the severities"),
    ("incident_types: [{name: a, page: nobody}]", "incident_types[0].page", "not a schedule or an escalation policy"),
    ("incident: {page_on_declare: nobody}", "incident.page_on_declare", "not a schedule or an escalation policy"),
    ("incident_types: [{name: a, runbooks: [{url: 'ftp://x.example.com'}]}]", "incident_types[0].runbooks[0].url",
     "not a web link"),
    ("incident_types: [{name: a, runbooks: [{url: 'https://'}]}]", "incident_types[0].runbooks[0].url", "not a web link"),
    ("incident_types: [{name: a, runbooks: [{title: x}]}]", "incident_types[0].runbooks[0].url", "is required"),
    ("incident_types: [{name: a, channel_name: 'x-{team}-{slug}'}]", "incident_types[0].channel_name",
     "unknown field {team}"),
    ("incident_types: [{name: a, channel_name: 'x-{date}'}]", "incident_types[0].channel_name", "{slug} or {number}"),
    ("incident_types: [{name: a}, {name: A}]", "incident_types[1].name", "listed twice"),
    ("incident_types: [{name: two words}]", "incident_types[0].name", "one word"),
    ("incident_types: [{severity: sev1}]", "incident_types[0].name", "is required"),
    ("incident_types: [{name: a, responders: [zed]}]", "incident_types[0].responders[0]", "not one of the users"),
    ("incident_types: [{name: a, responders: ['@secteam']}]", "incident_types[0].responders[0]",
     "a user group is named by its ID, like S0123ABCD"),
    ("incident_types: [{name: a, roles: [scribe, {role: Scribe, user: bob}]}]", "incident_types[0].roles[1]",
     "'scribe' is listed twice"),
    ("incident_types: [{name: a, roles: [janitor]}]", "incident_types[0].roles[0]", "not one of the roles"),
    ("incident_types: [{name: a, roles: [{role: scribe, user: zed}]}]", "incident_types[0].roles[0].user",
     "not one of the users"),
    ("incident_types: [{name: a, roles: [{role: scribe, schedule: nights}]}]", "incident_types[0].roles[0].schedule",
     "not one of the schedules"),
    ("incident_types: [{name: a, roles: [{role: scribe, user: bob, schedule: primary}]}]",
     "incident_types[0].roles[0]", "not both"),
    ("incident_types: [{name: a, checklist: [" + ", ".join(["x"] * 41) + "]}]", "incident_types[0].checklist",
     "at most 40"),
    ("incident_types: [" + ", ".join(f"{{name: t{n}}}" for n in range(101)) + "]", "incident_types",
     "lists 101 types; at most 100 fit in the declare form's Type select"),
    ("incident_types: [{name: a, private: maybe}]", "incident_types[0].private", "true or false"),
    ("incident_types: [{name: a, pager: primary}]", "incident_types[0].pager", "unknown key"),
])
def test_a_wrong_type_is_refused_naming_the_key(text, key, reason):
    with pytest.raises(ConfigError) as refused:
        load(text)
    assert refused.value.key == key and reason in refused.value.reason, str(refused.value)
