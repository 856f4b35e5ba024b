from datetime import timedelta

import pytest

from bot.config import ConfigError, EnvironmentError_, load_config, load_environment


def write(tmp_path, text):
    path = tmp_path / "warroom.yml"
    path.write_text(text)
    return str(path)


def test_no_file_means_defaults():
    config = load_config(None)
    assert [s.name for s in config.severities] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [s.pulse for s in config.severities] == [timedelta(minutes=15), timedelta(minutes=30),
                                                     timedelta(hours=1), None]
    assert config.channels.announcements == "incidents" and config.incident.channel_name == "incident-{date}-{slug}"


def test_a_full_file_is_read(tmp_path):
    config = load_config(write(tmp_path, """
timezone: Europe/London
channels: {announcements: "#inc-announce", alerts: alerts, comms: status-updates, postmortems: C0123ABCD}
incident:
  channel_name: "inc-{number}-{slug}"
  roles: [scribe, comms lead]
  responders: [U0AAAAAAA]
severities:
  - {name: P1, description: Everything is on fire, pulse: 20s}
  - {name: P2, pulse: off}
incident_managers: S0123ABCD
"""))
    assert config.timezone == "Europe/London"
    assert config.channels.announcements == "inc-announce" and config.channels.postmortems == "C0123ABCD"
    assert config.incident.roles == ("commander", "scribe", "comms lead")
    assert config.severity("p1").pulse == timedelta(seconds=20) and config.severity("P2").pulse is None
    assert config.incident_managers == "S0123ABCD"


@pytest.mark.parametrize("body,key,reason", [
    ("timezon: UTC", "timezon", "unknown key"),
    ("timezone: Mars/Olympus", "timezone", "not a time zone"),
    ("timezone: America", "timezone", "not a time zone"),   # a folder of zones, not one
    ("severities: [{name: SEV1, pulse: 10 minutes}]", "severities[0].pulse", "not a duration"),
    ("severities: [{name: SEV1}, {name: sev1}]", "severities[1].name", "listed twice"),
    ("severities: []", "severities", "non-empty"),
    ("severities: [{pulse: 5m}]", "severities[0].name", "is required"),
    ("channels: {alerts: 'Alerts Channel'}", "channels.alerts", "is not a channel"),
    ("channels: [incidents]", "channels", "must be a mapping"),
    ("incident: {channel_name: 'inc-{nope}'}", "incident.channel_name", "unknown field {nope}"),
    ("incident: {channel_name: 'inc-{date}'}", "incident.channel_name", "{slug} or {number}"),
    ("incident: {responders: [alice]}", "incident.responders[0]", "not a Slack user ID"),
    ("incident_managers: admins", "incident_managers", "user group ID"),
    ("incident: {default_severity: sev9}", "incident.default_severity", "not one of the severities"),
    ("severities: {name: SEV1}", "severities", "must be a list"),
    ("timezone: [UTC]", "timezone", "must be text"),
])
def test_bad_config_names_file_key_and_reason(tmp_path, body, key, reason):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.file == path
    assert error.value.key == key
    assert reason in error.value.reason
    assert str(error.value).startswith(f"{path}: {key}: ")


def test_broken_yaml_says_where(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, "channels:\n  alerts: [unclosed\n"))
    assert "line" in error.value.key and "not valid YAML" in error.value.reason


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.yml"))


def test_environment_names_the_variable_and_where_to_get_it():
    env = load_environment({})
    with pytest.raises(EnvironmentError_) as error:
        env.require_tokens()
    assert "SLACK_BOT_TOKEN is not set" in str(error.value) and "OAuth & Permissions" in str(error.value)
    env = load_environment({"SLACK_BOT_TOKEN": "xoxb-1234567890", "SLACK_APP_TOKEN": "xoxb-wrongkind1"})
    with pytest.raises(EnvironmentError_) as error:
        env.require_tokens()
    assert "SLACK_APP_TOKEN" in str(error.value) and "xapp-" in str(error.value)
    assert "1234567890" not in repr(env)


def test_api_url_gets_a_trailing_slash_and_must_be_http():
    assert load_environment({"SLACK_API_URL": "http://127.0.0.1:9/api"}).api_url == "http://127.0.0.1:9/api/"
    with pytest.raises(EnvironmentError_, match="SLACK_API_URL"):
        load_environment({"SLACK_API_URL": "slack.com/api"})
