"""The OpenAPI 3.1 document of the API, built from the endpoints' own declarations (their fields,
bodies, answers and refusals) and the schemas next to their handlers: what is served is what is
described. ``GET /api/v1/openapi.json`` needs no key."""

from __future__ import annotations

from typing import Any

from bot.web.api import alerts, incidents, oncall
from bot.web.api.endpoint import BODY_TIMEOUT, MAX_BODY, PREFIX, Endpoint
from bot.web.api.problems import REASONS

DOCUMENT_PATH = PREFIX + "/openapi.json"
ERROR = {
    "type": "object", "additionalProperties": False, "required": ["ok", "error", "code"],
    "description": "A refusal: what was wrong and how to do it right.",
    "properties": {"ok": {"const": False},
                   "error": {"type": "string", "description": "What was wrong and how to do it right, for people."},
                   "code": {"type": "string", "description": "The same as a word, for programs: not_a_severity, "
                                                             "commander_only, incident_resolved..."}},
}
WHEN = {
    400: "The request is wrong: its body is not JSON, a field is missing, unknown or of the wrong type, or a value "
         "is not one the rules accept (no such severity or role, an empty or too long text).",
    401: "No API key, or not one warroom knows. Send Authorization: Bearer <key>.",
    403: "The key's person may not do this (the same rules as in Slack: only the commander or an incident "
         "manager changes the severity, only the people in an incident act on it, ...).",
    404: "No such thing; a private incident the key's person is not in answers this too.",
    409: "It conflicts with how things are: the incident is resolved, it already has that severity, the alert "
         "was acknowledged, this was just declared.",
    408: f"The body took over {BODY_TIMEOUT:.0f} s to arrive.",
    413: f"The body is over {MAX_BODY:,} bytes.",
    415: "The body is not JSON (Content-Type) or is compressed (Content-Encoding).",
    429: "Too many declarations by this person in the last minute.",
    503: "warroom could not record it (its database is not answering); nothing was recorded. Send it again "
         "after Retry-After seconds.",
}
HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer realm=\"warroom\"", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}},
}
DESCRIPTION = """warroom's JSON API: incidents, alerts and on-call, with the same rules as the slash commands.

Every request but this document's carries an API key from api_keys in warroom.yml: `Authorization: Bearer <key>`.
A key acts as one Slack person, with exactly that person's permissions. Every change goes through the same
operations as the slash commands, so Slack (channel, pinned status, topic, announcement) follows.

Answers are JSON: `{"ok": true, ...}`, or `{"ok": false, "error": "<what was wrong and how to do it right>",
"code": "<the same as a word>"}` with 400 (bad input), 401 (no or wrong key), 403 (not allowed), 404 (not found,
or private), 409 (conflicts with the current state), 413/415 (body too large, not JSON), 429 (declaring too fast)
or 503 (not recorded, send it again)."""


def every_endpoint(config) -> list[Endpoint]:
    return [*incidents.endpoints(config), *alerts.endpoints(config), *oncall.endpoints(config)]


def schemas() -> dict[str, Any]:
    return {**incidents.SCHEMAS, **alerts.SCHEMAS, **oncall.SCHEMAS, "Error": ERROR}


def build_document(endpoints: list[Endpoint], server_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {DOCUMENT_PATH: {"get": {
        "operationId": "openapi", "summary": "This document", "tags": ["meta"], "security": [],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}}
    for endpoint in endpoints:
        paths.setdefault(PREFIX + endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {"title": "warroom API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": "incidents"}, {"name": "alerts"}, {"name": "on-call"}, {"name": "meta"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "The secret of a key under api_keys in warroom.yml."}},
            "schemas": {**schemas(), **{e.body.name: e.body.schema() for e in endpoints if e.body is not None}},
            "responses": {_response_name(status): _error_response(status) for status in WHEN},
        },
    }


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters = [{"name": f.name, "in": "path", "required": True, "description": f.description, "schema": f.schema()}
                  for f in endpoint.path_fields]
    parameters += [{"name": f.name, "in": "query", "required": f.required, "description": f.description,
                    "schema": f.schema()} for f in endpoint.query]
    responses: dict[str, Any] = {str(endpoint.status): {
        "description": "Done." if endpoint.method != "GET" else "Found.",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{endpoint.response}"}}}}}
    for status in endpoint.statuses:
        responses[str(status)] = {"$ref": f"#/components/responses/{_response_name(status)}"}
    operation: dict[str, Any] = {"operationId": endpoint.operation_id, "summary": endpoint.summary,
                                 "description": endpoint.description, "tags": [endpoint.tag],
                                 "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {"required": endpoint.body.required, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{endpoint.body.name}"}}}}
    return operation


def _response_name(status: int) -> str:
    return REASONS[status].replace(" ", "")


def _error_response(status: int) -> dict[str, Any]:
    found: dict[str, Any] = {"description": WHEN[status],
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if status in HEADERS:
        found["headers"] = HEADERS[status]
    return found
