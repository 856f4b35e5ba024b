"""The API against its own OpenAPI document: every route is described, and property-based tests
(schemathesis, from the document served by the running bot) find no server error and no answer that
breaks the document, on both engines, with requests that fit the document and requests that do not."""

from __future__ import annotations

import json
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.web.api.endpoint import PREFIX
from tests.web.api_support import SECRETS, Api, api_config, send_alert

# per operation: about 20 s an engine on a loaded 2-core machine
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 20, schemathesis.GenerationMode.NEGATIVE: 10}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def config_text(sandbox, monkeypatch):
    return api_config(sandbox, monkeypatch)


def document(bot) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(bot.bot.web.public_url + PREFIX + "/openapi.json", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.read())


def test_every_route_under_the_api_is_described_and_every_description_is_served(bot):
    described = {(method.upper(), path) for path, operations in document(bot)["paths"].items()
                 for method in operations}
    served = {(route.method, route.resource.canonical) for route in bot.bot.webhooks.app.router.routes()
              if route.resource is not None and route.resource.canonical.startswith(PREFIX)
              and route.method != "HEAD" and "{tail" not in route.resource.canonical}
    assert served == described
    assert len(described) == 15


def test_every_operation_documents_its_answers_and_refusals(bot):
    doc = document(bot)
    schemathesis.openapi.from_dict(doc).validate()    # against the OpenAPI 3.1 meta-schema
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), (method, path)
            if path != PREFIX + "/openapi.json":
                assert {"400", "401", "503"} <= statuses, (method, path)
                assert operation["summary"] and operation["description"], (method, path)
            if "requestBody" in operation:
                assert {"408", "413", "415"} <= statuses
    for name, schema in doc["components"]["schemas"].items():
        if schema.get("type") == "object" and name != "Alert":    # an alert's labels are the monitor's own
            assert schema.get("additionalProperties") is False, name


def test_property_based_requests_find_no_server_error_and_no_answer_that_breaks_the_document(bot, sandbox):
    alice = Api(bot, "alice")
    assert alice.post("/incidents", {"title": "Something to read", "severity": "sev2"}).status == 201
    send_alert(bot, "Something to acknowledge")
    schema = schemathesis.openapi.from_url(bot.bot.web.public_url + PREFIX + "/openapi.json")
    headers = {"Authorization": f"Bearer {SECRETS['alice']}"}
    tried = 0
    seen: dict[str, list[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            checks = CHECKS + ([negative_data_rejection] if mode is schemathesis.GenerationMode.NEGATIVE else [])

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                      suppress_health_check=list(HealthCheck))
            def conforms(case) -> None:
                # a case carries a key where schemathesis means one (ours replaces its made-up one); a
                # negative case without one is about the missing key, and putting ours back made it valid
                given = {name.lower() for name in (case.headers or {})}
                response = case.call_and_validate(headers=headers if "authorization" in given else {},
                                                  checks=checks, timeout=20)
                seen.setdefault(operation.label, []).append(response.status_code)

            conforms()
            tried += 1
    assert tried == 2 * 14, "every operation but the document's own, both ways"
    # the fuzzing reached past the refusals (what the writes' random values allow varies from run to run;
    # the e2e tests show each success)
    succeeded = {label for label, statuses in seen.items() if any(s < 300 for s in statuses)}
    assert {f"{method} {PREFIX}{path}" for method, path in (
        ("GET", "/incidents"), ("GET", "/incidents/{id}"), ("POST", "/incidents"), ("GET", "/alerts"),
        ("GET", "/alerts/{id}"), ("GET", "/oncall"), ("GET", "/schedules"))} <= succeeded, seen
    bot.settle()
