from bot.text import Mrkdwn, Texts, escape_mrkdwn, link, mention


def test_user_text_is_escaped_but_helpers_are_not(tmp_path):
    (tmp_path / "t.j2").write_text("{% block b %}{{ title }} by {{ mention(user) }} {{ link(url, label) }}{% endblock %}")
    texts = Texts(str(tmp_path))
    out = texts.mrkdwn("t", "b", title="a<b & <!channel>", user="U1", url="https://x/?a=1", label="Dash|1")
    assert out == "a&lt;b &amp; &lt;!channel&gt; by <@U1> <https://x/?a=1|Dash¦1>"
    assert isinstance(out, Mrkdwn)
    assert texts.plain("t", "b", title="a<b", user="U1", url="https://x", label="L") == \
        "a<b by <@U1> <https://x|L>"


def test_override_folder_wins(tmp_path):
    (tmp_path / "home.j2").write_text("{% block header %}Our incident bot{% endblock %}")
    assert Texts(str(tmp_path)).plain("home", "header") == "Our incident bot"
    assert Texts(None).plain("home", "header") == "warroom"


def test_all_builtin_templates_compile():
    assert Texts(None).check() == []


def test_helpers():
    assert mention(None) == "nobody"
    assert escape_mrkdwn("<&>") == "&lt;&amp;&gt;"
    assert link("https://a>b") == "<https://a%3Eb>"
