"""The browser itself: a login link opened in Chromium signs in, and the page is one a person can use."""


def test_a_login_link_opened_in_the_browser_signs_in_and_sign_out_works(web, page):
    page.goto(web.login_link("U0AAAAAAA"))
    page.goto(web.base + "/signin")
    assert page.url.endswith("/incidents")     # signed in: sign-in sends you on
    page.goto(web.base + "/no-such-page")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    assert page.get_by_role("heading", name="Sign in to warroom").is_visible()
