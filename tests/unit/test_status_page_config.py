"""status_page: in warroom.yml: what loads, and every wrong shape refused naming the key."""

from __future__ import annotations

import pytest
import yaml

from bot.config import parse_config
from bot.config.reader import ConfigError


def load(text: str):
    return parse_config(yaml.safe_load(text), "warroom.yml", {})


def test_names_and_described_components_load_in_order():
    config = load("status_page: {title: Example status, components: [API, {name: Web app, description: The app}]}")
    assert config.status_page.title == "Example status"
    assert config.status_page.names == ("API", "Web app")
    assert config.status_page.components[1].description == "The app"
    assert config.status_page.enabled


def test_no_status_page_is_off_and_the_title_has_a_default():
    assert not load("timezone: UTC").status_page.enabled
    assert load("status_page: {components: [API]}").status_page.title == "Status"


@pytest.mark.parametrize("text, key, reason", [
    ("status_page: [API]", "status_page", "must be a mapping"),
    ("status_page: {}", "status_page.components", "is required"),
    ("status_page: {components: []}", "status_page.components", "must be a non-empty list"),
    ("status_page: {components: API}", "status_page.components", "must be a list"),
    ("status_page: {components: [API, api]}", "status_page.components[1]", "listed twice"),
    ("status_page: {components: [API, {name: API}]}", "status_page.components[1]", "listed twice"),
    ("status_page: {components: [{description: x}]}", "status_page.components[0].name", "is required"),
    ("status_page: {components: [{name: API, colour: red}]}", "status_page.components[0].colour", "unknown key"),
    ("status_page: {components: [[API]]}", "status_page.components[0]", "must be a component name"),
    ("status_page: {components: [true]}", "status_page.components[0]", "must be a component name"),
    ("status_page: {components: ['API, Web']}", "status_page.components[0]", "has a comma"),
    ("status_page: {components: ['  ']}", "status_page.components[0]", "must not be empty"),
    ("status_page: {title: [x], components: [API]}", "status_page.title", "must be text"),
    ("status_page: {components: [API], colour: red}", "status_page.colour", "unknown key"),
])
def test_wrong_shapes_fail_naming_the_key(text, key, reason):
    with pytest.raises(ConfigError) as refused:
        load(text)
    assert refused.value.key == key and reason in refused.value.reason, str(refused.value)
