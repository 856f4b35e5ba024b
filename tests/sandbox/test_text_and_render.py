"""Slash command escaping, message escaping and terminal rendering."""

from __future__ import annotations

from sandbox import Sandbox

from .helpers import RawApp


def command_text(sandbox: Sandbox, app: RawApp, command: str, text: str) -> str:
    result = sandbox.as_user("alice").command(command, text)
    frame = app.wait(lambda f: f.get("envelope_id") == result.envelope.envelope_id)
    return frame["payload"]["text"]


def test_should_escape_command_text(msb: Sandbox) -> None:
    app = RawApp(msb).connect()
    ids = {u["name"]: u["id"] for u in msb.users()}
    gid = msb.add_usergroup("backend", users=["bob"])
    general = msb.channel("general")["id"]
    text = command_text(msb, app, "/incident",
                        "commander @bob in #general for @backend see https://x.example/a & <b>")
    assert text == (f"commander <@{ids['bob']}|bob> in <#{general}|general> for "
                    f"<!subteam^{gid}|@backend> see <https://x.example/a> &amp; &lt;b&gt;")
    assert command_text(msb, app, "/incident", "@nobody #nowhere") == "@nobody #nowhere"
    assert command_text(msb, app, "/incident", "ping @here") == "ping <!here>"
    plain = command_text(msb, app, "/plain", "@bob in #general & more")
    assert plain == "@bob in #general &amp; more"
    app.close()


def test_unknown_command_with_manifest(msb: Sandbox) -> None:
    result = msb.as_user("alice").command("/nope", "x")
    assert result.failed and result.envelope is None
    assert result.replies[0]["source"] == "error"
    assert result.text.startswith("/nope is not a valid command.")
    assert msb.envelopes == []


def test_render_message(sb: Sandbox) -> None:
    ids = {u["name"]: u["id"] for u in sb.users()}
    general = sb.channel("general")["id"]
    gid = sb.add_usergroup("backend")
    message = {"text": "fallback", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "SEV2: Checkout errors"}},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"*Commander:* <@{ids['alice']}> in <#{general}|x>"},
         "fields": [{"type": "mrkdwn", "text": "*Status:* investigating"}],
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"}}},
        {"type": "divider"},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"<!subteam^{gid}> · <https://runbook.example|Runbook>"}]},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Resolve"}},
            {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Severity"},
             "options": []}]},
    ]}
    text = sb.render(message)
    assert text.splitlines() == [
        "== SEV2: Checkout errors ==",
        "*Commander:* @alice in #x",
        "  *Status:* investigating",
        "  [Acknowledge]",
        "─" * 24,
        "@backend · Runbook (https://runbook.example)",
        "[Resolve] [Severity ▾]",
    ]
    assert sb.render({"text": "a &amp; b &lt;c&gt; <@" + ids["bob"] + ">"}) == "a & b <c> @bob"


def test_render_view_shows_state(sb: Sandbox) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"},
            "submit": {"type": "plain_text", "text": "Go"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{"type": "input", "block_id": "t", "label": {"type": "plain_text",
                                                                      "text": "Title"},
                        "element": {"type": "plain_text_input", "action_id": "v"}},
                       {"type": "input", "block_id": "s", "optional": True,
                        "label": {"type": "plain_text", "text": "Severity"},
                        "element": {"type": "static_select", "action_id": "sev", "options": [
                            {"text": {"type": "plain_text", "text": "SEV1"}, "value": "1"}]}}],
            "state": {"values": {"t": {"v": {"type": "plain_text_input", "value": "Oops"}},
                                 "s": {"sev": {"type": "static_select", "selected_option": {
                                     "text": {"type": "plain_text", "text": "SEV1"},
                                     "value": "1"}}}}}}
    assert sb.render(view).splitlines() == [
        "[Declare]", "Title: [Oops]", "Severity (optional): [SEV1 ▾]", "[Cancel] [Go]"]
