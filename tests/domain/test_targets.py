"""Who "/incident escalate …" means: people and groups as mentioned, schedules and policies by name."""

from __future__ import annotations

import pytest

from bot.paging.model import PagingError
from bot.paging.targets import PageTargets, resolve_targets
from tests.domain.conftest import BOB, CAROL, ONCALL_GROUP, make_config

CONFIG = make_config()


def test_people_groups_and_schedules_are_paged_in_the_order_typed_once_each():
    mentioned = [("user", BOB), ("name", "Primary"), ("usergroup", ONCALL_GROUP), ("user", BOB), ("user", CAROL)]
    assert resolve_targets(CONFIG, mentioned) == PageTargets(
        (f"user:{BOB}", "schedule:primary", f"usergroup:{ONCALL_GROUP}", f"user:{CAROL}"))


def test_a_policy_is_run_alone():
    assert resolve_targets(CONFIG, [("name", "default")]) == PageTargets((), CONFIG.policy("default"))
    with pytest.raises(PagingError) as refused:
        resolve_targets(CONFIG, [("name", "default"), ("user", BOB)])
    assert (refused.value.code, refused.value.params) == ("policy_alone", {"policy": "default"})


def test_an_unknown_name_lists_what_there_is():
    with pytest.raises(PagingError) as refused:
        resolve_targets(CONFIG, [("name", "tertiary")])
    assert refused.value.code == "not_a_page_target"
    assert refused.value.params == {"given": "tertiary", "schedules": ["primary", "secondary", "nights"],
                                    "policies": ["default", "team", "nights"]}


def test_nobody_named_is_refused_saying_whether_schedules_and_policies_exist():
    with pytest.raises(PagingError) as refused:
        resolve_targets(CONFIG, [])
    assert (refused.value.code, refused.value.params) == ("nobody_to_page", {"schedules": True, "policies": True})
    with pytest.raises(PagingError) as bare:
        resolve_targets(make_config(""), [])
    assert bare.value.params == {"schedules": False, "policies": False}
