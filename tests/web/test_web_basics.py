"""The web side's frame: served by the bot's own HTTP server, pages for people, JSON for machines,
sessions that only warroom can make, and no form accepted without its CSRF token."""

from __future__ import annotations

from bot.web.pages import check_web_templates


def test_anyone_is_sent_to_sign_in_and_a_login_link_signs_in_once(web):
    assert web.get("/").headers["Location"] == "/signin"
    page = web.get("/signin")
    assert page.status == 200 and "warroom login-link" in page.body
    link = web.login_link("U0AAAAAAA")
    path = link[len(web.base):]
    first = web.get(path)
    assert first.status == 303 and first.headers["Location"] == "/incidents"
    assert web.get("/").headers["Location"] == "/incidents"          # the cookie signs this browser in
    again = web.get(path)
    assert again.status == 403 and "has been used or has expired" in again.body


def test_a_forged_or_tampered_cookie_signs_no_one_in(web):
    web.sign_in("U0AAAAAAA")
    cookie = next(c for c in web.cookies if c.name == "warroom_session")
    cookie.value = cookie.value[:-2] + ("A" if cookie.value[-1] != "A" else "B") + cookie.value[-1]
    assert web.get("/").headers["Location"] == "/signin"


def test_a_form_without_its_csrf_token_is_refused(web):
    web.sign_in("U0AAAAAAA")
    refused = web.post("/signout", {})
    assert refused.status == 403 and "CSRF" in refused.body
    assert web.get("/").headers["Location"] == "/incidents", "still signed in"
    wrong = web.post("/signout", {"csrf": "guessed"})
    assert wrong.status == 403
    page = web.get("/no-such-page")
    assert page.status == 404 and "<h1>404" in page.body
    done = web.post("/signout", {"csrf": page.csrf()})
    assert done.status == 303 and web.get("/").headers["Location"] == "/signin"


def test_machines_still_get_json_and_people_get_pages(web):
    assert web.get("/healthz").headers["Content-Type"].startswith("application/json")
    refused = web.post("/alerts/nope", {})
    assert refused.status == 401 and refused.headers["Content-Type"].startswith("application/json")
    missing = web.get("/nope")
    assert missing.status == 404 and missing.headers["Content-Type"].startswith("text/html")
    assert web.get("/static/warroom.css").status == 200


def test_every_page_template_compiles(bot):
    assert check_web_templates(bot.bot.web.templates) == []
