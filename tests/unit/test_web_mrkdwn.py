"""Stored mrkdwn as the web shows it: Slack's markup becomes names and links, nothing typed becomes HTML."""

from bot.web.mrkdwn import to_html


def names(user: str) -> str:
    return {"U1": "@alice"}.get(user, "@" + user)


def test_markup_becomes_names_links_and_emphasis():
    html = to_html("See <https://grafana.example.com/d/a_b_c|the_dash_board> from <@U1>: *p99* is _up_, "
                   "`a *not bold* b` :warning: <#C9|incident-1> <!here> <!date^1700000000^{time}|09:00>\nnext", names)
    assert html == ('See <a href="https://grafana.example.com/d/a_b_c" rel="noopener noreferrer">the_dash_board</a> '
                    'from @alice: <strong>p99</strong> is <em>up</em>, <code>a *not bold* b</code> ⚠️ #incident-1 '
                    '@here 09:00<br>\nnext')


def test_nothing_typed_becomes_html():
    assert to_html('&lt;script&gt;alert(1)&lt;/script&gt; "q" &amp;', names) == \
        '&lt;script&gt;alert(1)&lt;/script&gt; "q" &amp;'
    # stray brackets (never stored by warroom, but never trusted either) are escaped, so no tag can open
    assert to_html("<img src=x onerror=alert(1)> <b>x</b> a<b", names) == \
        "&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;x&lt;/b&gt; a&lt;b"
    assert to_html("<javascript:alert(1)|click>", names) == "&lt;javascript:alert(1)|click&gt;"
    assert to_html('<https://x.example/"onmouseover="a|label>', names).startswith(
        '<a href="https://x.example/&#34;onmouseover=&#34;a"')
    assert to_html("\x000\x00 <@U1>", lambda u: "<b>" + u) == "0 &lt;b&gt;U1"
