"""The ``web:`` section of warroom.yml: where people reach warroom's pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.config.reader import Node


@dataclass(frozen=True)
class WebSettings:
    # the address people open (behind a proxy, its https URL); None: http://<http.listen>
    public_url: str | None = None


def parse_web(node: Node) -> WebSettings:
    keys = node.mapping({"public_url"})
    url = keys["public_url"].string(None)
    if url is None:
        return WebSettings()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise keys["public_url"].error(
            f"{url!r} is not an http(s) address; write it as people open it, like https://warroom.example.com")
    return WebSettings(public_url=url.rstrip("/"))
