"""What an endpoint takes (path, query and body fields), declared once: the same declaration checks a
request and describes it in the OpenAPI document, so the two cannot disagree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from bot.alerts.payloads import PayloadError
from bot.http.server import parse_json
from bot.web.api.problems import ApiError

BAD = 400
MAX_ID = 2 ** 53 - 1          # the largest integer every JSON reader keeps exactly


@dataclass(frozen=True)
class Field:
    name: str
    kind: str                              # string | integer | boolean | date-time
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None          # documented; the domain checks it and says why
    max_length: int | None = None
    default: Any = None
    hint: str = ""                         # said after a value outside ``enum``

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "boolean" if self.kind == "boolean" else
                                 "integer" if self.kind == "integer" else "string"}
        if self.kind == "date-time":
            found["format"] = "date-time"
        if self.kind == "integer":
            found["format"] = "int64"
        for key, value in (("enum", list(self.enum) or None), ("minimum", self.minimum), ("maximum", self.maximum),
                           ("minLength", self.min_length), ("maxLength", self.max_length), ("default", self.default)):
            if value is not None:
                found[key] = value
        return found

    # from JSON (a body) -----------------------------------------------------------------------------
    def from_json(self, value: Any, where: str) -> Any:
        if self.kind == "boolean":
            if not isinstance(value, bool):
                raise self._wrong(where, "true or false", value)
            return value
        if self.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise self._wrong(where, "a whole number", value)
            return self._in_range(value, where)
        if not isinstance(value, str):
            raise self._wrong(where, "text (a JSON string)", value)
        return self.from_text(value, where)

    # from text (the path, the query) ---------------------------------------------------------------
    def from_text(self, text: str, where: str) -> Any:
        _check_unicode(text, self.name, where)
        if self.kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise self._wrong(where, "true or false", text)
            return text.lower() == "true"
        if self.kind == "integer":
            digits = text[1:] if text.startswith("-") else text
            if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
                raise self._wrong(where, "a whole number", text)
            return self._in_range(int(text), where)
        if self.kind == "date-time":
            return self._moment(text, where)
        if self.enum and text not in self.enum:
            raise ApiError(BAD, "not_one_of", field=self.name, where=where, options=self.enum, given=text, hint=self.hint)
        if self.max_length is not None and len(text) > self.max_length:
            # as the document says, counted as sent (the domain then drops invisible characters and
            # checks again, in its own words)
            raise ApiError(BAD, "text_too_long", field=self.name, what=self.name.replace("_", " "), length=len(text),
                           limit=self.max_length)
        return text

    def _in_range(self, value: int, where: str) -> int:
        low = self.minimum if self.minimum is not None else -MAX_ID
        high = self.maximum if self.maximum is not None else MAX_ID
        if not low <= value <= high:
            raise ApiError(BAD, "out_of_range", field=self.name, where=where, minimum=low, maximum=high, given=value)
        return value

    def _moment(self, text: str, where: str) -> datetime:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ApiError(BAD, "not_a_time", field=self.name, where=where, given=text) from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ApiError(BAD, "not_a_time", field=self.name, where=where, given=text)
        return moment

    def _wrong(self, where: str, expected: str, value: Any) -> ApiError:
        return ApiError(BAD, "wrong_type", field=self.name, where=where, expected=expected, given=_shown(value))


@dataclass(frozen=True)
class Body:
    """A JSON object body: its component name in the document, its fields, and an example."""

    name: str
    description: str
    fields: tuple[Field, ...]
    example: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return any(f.required for f in self.fields)

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": "object", "description": self.description, "additionalProperties": False,
            "properties": {f.name: {**f.schema(), "description": f.description} for f in self.fields},
            "example": self.example}
        required = [f.name for f in self.fields if f.required]
        if required:
            found["required"] = required
        return found

    def parse(self, raw: bytes) -> dict[str, Any]:
        example = json.dumps(self.example)
        if not raw.strip():
            if self.required:
                raise ApiError(BAD, "body_required", example=example)
            return parse_fields(self.fields, {}, "the body", from_text=False)
        try:
            data = parse_json(raw)
        except PayloadError as exc:
            raise ApiError(BAD, "not_json", problem=exc.reason[:1].upper() + exc.reason[1:200], example=example) from None
        if not isinstance(data, dict):
            raise ApiError(BAD, "body_not_object", example=example, given=_shown(data))
        return parse_fields(self.fields, data, "the body", from_text=False)


def parse_fields(fields: tuple[Field, ...], given: Mapping[str, Any], where: str, *,
                 from_text: bool) -> dict[str, Any]:
    """``given`` checked against ``fields``: none unknown, the required there, each of its kind."""
    known = {f.name: f for f in fields}
    for name in given:
        if name not in known:
            _check_unicode(name, "(a field name)", where)
            raise ApiError(BAD, "unknown_field", where=where, field=name[:80],
                           known=list(known) or ["nothing"])
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.name not in given:
            if spec.required:
                raise ApiError(BAD, "missing_field", where=where, field=spec.name, description=spec.description)
            values[spec.name] = spec.default
            continue
        value = given[spec.name]
        values[spec.name] = spec.from_text(value, where) if from_text else spec.from_json(value, where)
    return values


def parse_query(fields: tuple[Field, ...], query: Mapping[str, str], keys: list[str]) -> dict[str, Any]:
    """The query string: each parameter at most once (``a=1&a=2`` is a mistake worth saying)."""
    for name in set(keys):
        if keys.count(name) > 1:
            raise ApiError(BAD, "repeated_field", field=name[:80], count=keys.count(name))
    return parse_fields(fields, query, "the query", from_text=True)


def _check_unicode(text: str, name: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(BAD, "bad_text", field=name, where=where) from None


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f'the text "{value[:40]}"'
    return "a list" if isinstance(value, list) else "an object"
