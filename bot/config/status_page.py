"""The ``status_page:`` section of warroom.yml: the public status page's title and components.

    status_page:
      title: Example Inc. status
      components:
        - API
        - name: Website
          description: www.example.com and the dashboard
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.reader import Node

MAX_NAME = 60
MAX_DESCRIPTION = 300
MAX_COMPONENTS = 50


@dataclass(frozen=True)
class Component:
    name: str
    description: str = ""


@dataclass(frozen=True)
class StatusPageSettings:
    title: str = "Status"
    components: tuple[Component, ...] = ()

    @property
    def enabled(self) -> bool:
        """A page with nothing on it would say "all operational" about nothing: it needs components."""
        return bool(self.components)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)


def parse_status_page(node: Node) -> StatusPageSettings:
    if node.is_missing:
        return StatusPageSettings()
    keys = node.mapping({"title", "components"}, required={"components"})
    title = keys["title"].string("Status", max_len=120)
    assert title is not None
    components: list[Component] = []
    seen: dict[str, str] = {}
    for item in keys["components"].items(allow_empty=False):
        component = _component(item)
        folded = component.name.casefold()
        if folded in seen:
            # people type component names in Slack: two that differ only in case could not be told apart
            raise item.error(f"{component.name!r} is listed twice (as {seen[folded]!r} before); "
                             "component names must be unique, ignoring case")
        seen[folded] = component.name
        components.append(component)
    if len(components) > MAX_COMPONENTS:
        raise keys["components"].error(f"lists {len(components)} components; at most {MAX_COMPONENTS} are allowed")
    return StatusPageSettings(title=title, components=tuple(components))


def _component(node: Node) -> Component:
    if isinstance(node.value, dict):
        keys = node.mapping({"name", "description"}, required={"name"})
        name = keys["name"].required_string(max_len=MAX_NAME)
        description = keys["description"].string("", max_len=MAX_DESCRIPTION) or ""
    elif isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool):
        name, description = node.required_string(max_len=MAX_NAME), ""
    else:
        raise node.error("must be a component name, or a mapping with name and description "
                         "(like {name: API, description: The public REST API})")
    if "," in name:
        # /incident public takes a comma-separated list of names
        raise node.error(f"{name!r} has a comma; component names cannot, since Slack commands separate them with commas")
    return Component(name=name, description=description)
