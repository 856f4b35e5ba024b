"""axe-core over every page a person can reach: no serious or critical accessibility violation."""

from __future__ import annotations

import pytest

from tests.web.axe import violations

SIGNED_OUT = ["/signin", "/no-such-page"]
SIGNED_IN = ["/no-such-page"]


@pytest.mark.parametrize("path", SIGNED_OUT)
def test_pages_for_anyone(web, page, path):
    page.goto(web.base + path)
    assert violations(page) == []


def test_pages_for_a_signed_in_person(web, page):
    page.goto(web.login_link(web.bot.sandbox.user("alice")["id"]))
    for path in SIGNED_IN:
        page.goto(web.base + path)
        assert violations(page) == [], path


def test_the_check_finds_what_it_should(page):
    """The check itself: a page with an unlabelled field and grey-on-grey text fails it."""
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><h1>x</h1>'
                     '<form><input type="text"></form><p style="color:#aaa;background:#bbb">faint</p></main></body></html>')
    found = violations(page)
    assert any(v.startswith("label ") for v in found) and any(v.startswith("color-contrast ") for v in found), found
