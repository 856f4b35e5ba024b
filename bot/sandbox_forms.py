"""The open form in ``warroom sandbox``: which fields ``:submit`` can fill, and what a typed
``name=value`` becomes, by element type, the way Slack's client fills in view state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

# Elements that hold several values: the only ones where "a,b" means two values.
MULTI = {"checkboxes", "multi_static_select", "multi_external_select", "multi_users_select",
         "multi_conversations_select", "multi_channels_select"}
SINGLE = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input",
          "static_select", "external_select", "radio_buttons", "users_select", "conversations_select",
          "channels_select", "datepicker", "timepicker", "datetimepicker"}


@dataclass(frozen=True)
class Field:
    name: str                       # what :submit takes: the action_id (block_id.action_id if shared)
    label: str
    kind: str
    optional: bool
    options: tuple[str, ...]        # option values, for selects, radio buttons and checkboxes

    @property
    def multi(self) -> bool:
        return self.kind in MULTI

    def describe(self, people: Iterable[str] = ()) -> str:
        """What to type for this field, e.g. ``one of: sev1, sev2`` or ``text``."""
        if self.options:
            what = f"{'any of' if self.multi else 'one of'} {', '.join(self.options)}"
        elif self.kind.endswith("users_select"):
            what = ("people" if self.multi else "a person") + (f" ({', '.join(people)})" if people else "")
        elif "conversations" in self.kind or "channels" in self.kind:
            what = "channels" if self.multi else "a channel name"
        elif self.kind == "datepicker":
            what = "a date (2026-01-31)"
        elif self.kind == "timepicker":
            what = "a time (14:30)"
        elif self.kind == "datetimepicker":
            what = "a Unix time in seconds"
        elif self.kind == "number_input":
            what = "a number"
        else:
            what = "text"
        if self.multi:
            what += " (comma-separated)"
        return what


def fields(view: dict[str, Any]) -> list[Field]:
    """The fillable elements of a view, in the order a person sees them."""
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for block in view.get("blocks") or []:
        elements = [block["element"]] if isinstance(block.get("element"), dict) else []
        elements += list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        found += [(block, el) for el in elements if isinstance(el, dict) and el.get("type") in MULTI | SINGLE]
    shared = {el.get("action_id") for _, el in found
              if sum(1 for _, other in found if other.get("action_id") == el.get("action_id")) > 1}
    out = []
    for block, el in found:
        aid = str(el.get("action_id"))
        label = block.get("label") or {}
        options = [o for group in el.get("option_groups") or [] for o in group.get("options") or []]
        out.append(Field(name=f"{block.get('block_id')}.{aid}" if aid in shared else aid,
                         label=str(label.get("text", "")) if isinstance(label, dict) else "",
                         kind=str(el.get("type")),
                         optional=block.get("type") != "input" or bool(block.get("optional")),
                         options=tuple(str(o.get("value")) for o in [*(el.get("options") or []), *options])))
    return out


def describe(view: dict[str, Any], people: Iterable[str] = ()) -> list[str]:
    """Lines listing each field's name and what it takes, for ``:view``."""
    listed = fields(view)
    if not listed:
        return ["(nothing to fill in)"]
    width = max(len(f.name) for f in listed)
    people = list(people)
    lines = ["Fields:"]
    for f in listed:
        about = ", ".join(part for part in (f.label, "" if f.optional else "required") if part)
        lines.append(f"  {f.name.ljust(width)}  {f.describe(people)}" + (f"  ({about})" if about else ""))
    return lines


def submitted_values(view: dict[str, Any], pairs: Iterable[str]) -> dict[str, Any]:
    """``name=value`` words to the values the sandbox's person types in: one string for a text
    input or a single choice (commas and all), a list only for elements that take several."""
    by_name = {f.name: f for f in fields(view)}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"write fields as name=value, got {pair!r}")
        field = by_name.get(name)
        if field is None:
            known = ", ".join(by_name) or "none"
            raise ValueError(f"this form has no field {name!r}; its fields are: {known} (:view shows them)")
        chosen = [part.strip() for part in value.split(",") if part.strip()] if field.multi else [value]
        wrong = [v for v in chosen if field.options and v not in field.options]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is not an option of {name}; {field.describe()}")
        values[name] = chosen if field.multi else value
    return values
