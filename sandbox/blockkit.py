"""Block Kit validation as Slack's servers do it, written by hand from the limits
in slack-platform.md §4 (the sandbox must not lean on slack_sdk's own checks,
or a bot that skips them would pass here and fail in production).

Errors are Slack-formatted lines:
``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

BLOCK_TYPES = {"section", "divider", "image", "actions", "context", "input", "header",
               "rich_text", "file", "video", "markdown", "call"}
ELEMENT_TYPES = {
    "button", "checkboxes", "datepicker", "datetimepicker", "email_text_input", "image",
    "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select", "number_input", "overflow",
    "plain_text_input", "radio_buttons", "rich_text_input", "static_select", "external_select",
    "users_select", "conversations_select", "channels_select", "timepicker", "url_text_input",
    "workflow_button", "file_input",
}
# Elements allowed inside an input block (all that carry a value).
INPUT_ELEMENTS = ELEMENT_TYPES - {"button", "image", "overflow", "workflow_button"}
TEXT_TYPES = {"plain_text", "mrkdwn"}
MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100


def _err(message: str, pointer: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(_err(message, pointer))

    def text(self, obj: Any, pointer: str, *, max_len: int, plain_only: bool = False,
             required: bool = True) -> None:
        if obj is None:
            if required:
                self.fail("missing required field: text", pointer)
            return
        if not isinstance(obj, dict):
            self.fail("must be an object", pointer)
            return
        kind = obj.get("type")
        allowed = {"plain_text"} if plain_only else TEXT_TYPES
        if kind not in allowed:
            self.fail(f"must be one of the provided enum values: {', '.join(sorted(allowed))}",
                      pointer + "/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.fail("missing required field: text", pointer + "/text")
        elif len(value) > max_len:
            self.fail(f"must be less than {max_len + 1} characters", pointer + "/text")
        elif not value and kind == "plain_text":
            self.fail("must be more than 0 characters", pointer + "/text")

    def length(self, value: Any, max_len: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > max_len:
            self.fail(f"must be less than {max_len + 1} characters", pointer)

    def options(self, options: Any, pointer: str, *, max_count: int = 100) -> None:
        if not isinstance(options, list):
            self.fail("must provide an array", pointer)
            return
        if len(options) > max_count:
            self.fail(f"must provide an array with no more than {max_count} items", pointer)
        for i, opt in enumerate(options):
            here = f"{pointer}/{i}"
            if not isinstance(opt, dict):
                self.fail("must be an object", here)
                continue
            self.text(opt.get("text"), here + "/text", max_len=75)
            self.length(opt.get("value"), 150, here + "/value")

    def element(self, el: Any, pointer: str, *, allowed: set[str], action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.fail("must be an object", pointer)
            return
        kind = el.get("type")
        if kind not in ELEMENT_TYPES:
            self.fail(f"unsupported type: {kind}", pointer + "/type")
            return
        if kind not in allowed:
            self.fail(f"unsupported type: {kind}", pointer + "/type")
            return
        action_id = el.get("action_id")
        if action_id is not None:
            if not isinstance(action_id, str) or len(action_id) > 255:
                self.fail("must be less than 256 characters", pointer + "/action_id")
            elif action_id in action_ids:
                self.fail("duplicate action_id", pointer + "/action_id")
            action_ids.add(str(action_id))
        if kind == "button":
            self.text(el.get("text"), pointer + "/text", max_len=75, plain_only=True)
            self.length(el.get("value"), 2000, pointer + "/value")
            self.length(el.get("url"), 3000, pointer + "/url")
            if el.get("style") not in (None, "primary", "danger"):
                self.fail("must be one of the provided enum values: primary, danger",
                          pointer + "/style")
        elif kind in ("static_select", "multi_static_select"):
            if "option_groups" in el:
                for i, group in enumerate(el.get("option_groups") or []):
                    self.options(group.get("options"), f"{pointer}/option_groups/{i}/options")
            else:
                self.options(el.get("options"), pointer + "/options")
        elif kind in ("radio_buttons", "checkboxes"):
            self.options(el.get("options"), pointer + "/options", max_count=10)
        elif kind == "overflow":
            self.options(el.get("options"), pointer + "/options", max_count=5)
        elif kind == "image":
            self.length(el.get("alt_text"), 2000, pointer + "/alt_text")
        if "placeholder" in el:
            self.text(el.get("placeholder"), pointer + "/placeholder", max_len=150,
                      plain_only=True)
        if "confirm" in el and isinstance(el["confirm"], dict):
            confirm = el["confirm"]
            self.text(confirm.get("title"), pointer + "/confirm/title", max_len=100,
                      plain_only=True)
            self.text(confirm.get("text"), pointer + "/confirm/text", max_len=300)
            self.text(confirm.get("confirm"), pointer + "/confirm/confirm", max_len=30,
                      plain_only=True)
            self.text(confirm.get("deny"), pointer + "/confirm/deny", max_len=30,
                      plain_only=True)

    def block(self, block: Any, pointer: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.fail("must be an object", pointer)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported type: {kind}", pointer + "/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > 255:
                self.fail("must be less than 256 characters", pointer + "/block_id")
            elif block_id in block_ids:
                self.fail("duplicate block_id", pointer + "/block_id")
            block_ids.add(str(block_id))
        action_ids: set[str] = set()
        if kind == "section":
            has_text = "text" in block
            if has_text:
                self.text(block.get("text"), pointer + "/text", max_len=3000)
            fields = block.get("fields")
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    self.fail("must provide an array with no more than 10 items",
                              pointer + "/fields")
                else:
                    for i, f in enumerate(fields):
                        self.text(f, f"{pointer}/fields/{i}", max_len=2000)
            if not has_text and not fields:
                self.fail("must provide either text or fields", pointer)
            if "accessory" in block:
                self.element(block["accessory"], pointer + "/accessory",
                             allowed=ELEMENT_TYPES - {"plain_text_input"}, action_ids=action_ids)
        elif kind == "header":
            self.text(block.get("text"), pointer + "/text", max_len=150, plain_only=True)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail("must provide an array with at least 1 item", pointer + "/elements")
                return
            if len(elements) > 25:
                self.fail("must provide an array with no more than 25 items",
                          pointer + "/elements")
            for i, el in enumerate(elements):
                self.element(el, f"{pointer}/elements/{i}",
                             allowed=ELEMENT_TYPES - {"plain_text_input", "image"},
                             action_ids=action_ids)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail("must provide an array with at least 1 item", pointer + "/elements")
                return
            if len(elements) > 10:
                self.fail("must provide an array with no more than 10 items",
                          pointer + "/elements")
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") in TEXT_TYPES:
                    self.text(el, f"{pointer}/elements/{i}", max_len=3000)
                elif isinstance(el, dict) and el.get("type") == "image":
                    self.length(el.get("alt_text"), 2000, f"{pointer}/elements/{i}/alt_text")
                else:
                    self.fail("unsupported type", f"{pointer}/elements/{i}/type")
        elif kind == "input":
            self.text(block.get("label"), pointer + "/label", max_len=2000, plain_only=True)
            if "hint" in block:
                self.text(block.get("hint"), pointer + "/hint", max_len=2000, plain_only=True)
            if "element" not in block:
                self.fail("missing required field: element", pointer + "/element")
            else:
                self.element(block["element"], pointer + "/element", allowed=INPUT_ELEMENTS,
                             action_ids=action_ids)
        elif kind == "image":
            self.length(block.get("alt_text"), 2000, pointer + "/alt_text")
            if not block.get("image_url") and not block.get("slack_file"):
                self.fail("missing required field: image_url", pointer + "/image_url")
        elif kind == "markdown":
            self.length(block.get("text"), 12000, pointer + "/text")


def validate_blocks(blocks: Any, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """All Slack-style errors for a block list (empty when valid)."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.fail("must provide an array", pointer)
        return checker.errors
    if len(blocks) > max_blocks:
        checker.fail(f"must provide an array with no more than {max_blocks} items", pointer)
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        checker.block(block, f"{pointer}/{i}", block_ids)
    return checker.errors


def validate_view(view: Any) -> list[str]:
    """Errors for a modal or home view, pointers rooted at /view like Slack's."""
    checker = _Checker()
    if not isinstance(view, dict):
        return [_err("must be an object", "/view")]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("must be one of the provided enum values: modal, home", "/view/type")
        return checker.errors
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", max_len=24, plain_only=True)
        for key in ("submit", "close"):
            if key in view and view[key] is not None:
                checker.text(view[key], f"/view/{key}", max_len=24, plain_only=True)
        blocks = view.get("blocks") or []
        if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) \
                and not view.get("submit"):
            checker.fail("must provide submit when there are input blocks", "/view/submit")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.length(view.get("callback_id"), 255, "/view/callback_id")
    checker.length(view.get("external_id"), 255, "/view/external_id")
    if "blocks" not in view:
        checker.fail("missing required field: blocks", "/view/blocks")
    else:
        checker.errors.extend(validate_blocks(view["blocks"], max_blocks=VIEW_MAX_BLOCKS,
                                              pointer="/view/blocks"))
    return checker.errors


_ID_CHARS = string.ascii_letters + string.digits + "+/="


def _random_id(length: int = 5) -> str:
    return "".join(secrets.choice(_ID_CHARS) for _ in range(length))


def fill_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack stores a block_id on every block and an action_id on every element;
    the ones the app left out get random values, as Slack does."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", _random_id())
        for el in iter_elements(block):
            if el.get("type") in ELEMENT_TYPES and el.get("type") != "image":
                el.setdefault("action_id", _random_id())
    return blocks


def iter_elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive elements a block carries, in display order."""
    kind = block.get("type")
    if kind == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    if kind == "section" and isinstance(block.get("accessory"), dict):
        return [block["accessory"]]
    if kind == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    return []
