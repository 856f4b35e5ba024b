"""Sign in with Slack methods: openid.connect.token and openid.connect.userInfo."""

from __future__ import annotations

from typing import Any

from .base import Ctx, method


@method("openid.connect.token", token="none")
def openid_connect_token(ctx: Ctx) -> dict[str, Any]:
    # Client credentials come in the form, or as HTTP Basic (slack_sdk sends only that).
    p = ctx.params
    basic_id, basic_secret = ctx.basic or (None, None)
    return ctx.core.oidc.exchange(client_id=p.str("client_id") or basic_id,
                                  client_secret=p.str("client_secret") or basic_secret,
                                  code=p.str("code"), redirect_uri=p.str("redirect_uri"),
                                  grant_type=p.str("grant_type"))


@method("openid.connect.userInfo", token="user")
def openid_connect_userinfo(ctx: Ctx) -> dict[str, Any]:
    assert ctx.token is not None
    return ctx.core.oidc.userinfo(ctx.token)
