"""Schemathesis over the whole API, generated from its own OpenAPI spec: no input yields a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from guanxi.accounts.services import token_issue
from guanxi.wsgi import application
from tests.conftest import Org, Records

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """Like Django's test client: a request must not close the connection holding the test transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)
def test_api_never_answers_with_a_server_error(case: Any, org: Org, records: Records, settings: Any) -> None:
    settings.GUANXI_TOKEN_RATE = "100000/m"
    settings.GUANXI_ANON_RATE = "100000/m"
    settings.AXES_ENABLED = False
    token = token_issue(actor=org["manager1"], name="fuzz").raw
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error, response_schema_conformance]
    )
