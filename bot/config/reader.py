"""A typed walk over parsed YAML that always knows where it is, so every refusal names file and key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator

from bot.durations import DurationError, parse_duration


class ConfigError(Exception):
    """A configuration problem, reported as ``file: key: reason``."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Node:
    """One value of the config file and the key path that leads to it."""

    value: Any
    path: str
    file: str

    def error(self, reason: str) -> ConfigError:
        return ConfigError(self.file, self.path or "(top level)", reason)

    def child(self, key: str | int, value: Any) -> "Node":
        if isinstance(key, int):
            return Node(value, f"{self.path}[{key}]", self.file)
        return Node(value, f"{self.path}.{key}" if self.path else key, self.file)

    @property
    def is_missing(self) -> bool:
        return self.value is None

    def mapping(self, allowed: set[str], required: set[str] = frozenset()) -> dict[str, "Node"]:
        """The children of a mapping; unknown keys are refused (a typo must not be silently ignored)."""
        if self.value is None:
            self_value: dict = {}
        elif isinstance(self.value, dict):
            self_value = self.value
        else:
            raise self.error(f"must be a mapping of keys, got {_kind(self.value)}")
        for key in self_value:
            if not isinstance(key, str) or key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.child(str(key), None).error(f"unknown key; known keys here are: {known}")
        for key in sorted(required):
            if self_value.get(key) is None:
                raise self.child(key, None).error("is required")
        return {key: self.child(key, self_value.get(key)) for key in allowed}

    def items(self, *, allow_empty: bool = True) -> Iterator["Node"]:
        if self.value is None:
            if not allow_empty:
                raise self.error("must be a non-empty list")
            return iter(())
        if not isinstance(self.value, list):
            raise self.error(f"must be a list, got {_kind(self.value)}")
        if not self.value and not allow_empty:
            raise self.error("must be a non-empty list")
        return (self.child(i, v) for i, v in enumerate(self.value))

    def string(self, default: str | None = None, *, max_len: int | None = None) -> str | None:
        if self.value is None:
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, (str, int, float)):
            raise self.error(f"must be text, got {_kind(self.value)}")
        text = str(self.value).strip()
        if not text:
            raise self.error("must not be empty")
        if max_len is not None and len(text) > max_len:
            raise self.error(f"is {len(text)} characters; at most {max_len} are allowed")
        return text

    def required_string(self, **kwargs: Any) -> str:
        text = self.string(**kwargs)
        if text is None:
            raise self.error("is required")
        return text

    def boolean(self, default: bool) -> bool:
        if self.value is None:
            return default
        if not isinstance(self.value, bool):
            raise self.error(f"must be true or false, got {_kind(self.value)}")
        return self.value

    def integer(self, default: int, *, minimum: int, maximum: int) -> int:
        if self.value is None:
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.error(f"must be a whole number, got {_kind(self.value)}")
        if not minimum <= self.value <= maximum:
            raise self.error(f"must be between {minimum} and {maximum}, got {self.value}")
        return self.value

    def duration(self, default: timedelta | None, *, allow_off: bool = False) -> timedelta | None:
        if self.value is None:
            return default
        if isinstance(self.value, bool) and allow_off and self.value is False:
            return None  # YAML reads a bare `off` as false
        if isinstance(self.value, bool) or not isinstance(self.value, (str, int)):
            raise self.error(f"must be a duration like 15m, got {_kind(self.value)}")
        try:
            return parse_duration(str(self.value), allow_off=allow_off)
        except DurationError as exc:
            raise self.error(str(exc)) from None

    def choice(self, options: tuple[str, ...], default: str | None = None) -> str | None:
        text = self.string(default)
        if text is None:
            return None
        lowered = text.lower()
        if lowered not in options:
            raise self.error(f"must be one of {', '.join(options)}, got {text!r}")
        return lowered

    def string_list(self) -> tuple[str, ...]:
        if isinstance(self.value, str):
            return (self.required_string(),)
        return tuple(item.required_string() for item in self.items())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"{value!r}"
