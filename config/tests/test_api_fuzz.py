"""The API against generated hostile input (schemathesis over our own OpenAPI schema), as an
author and as an editor: never a 5xx, and every response as the schema documents it."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from harness import client_for
from submissions.tests.factories import EditorFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes the database connection after each request, which would end the
    test's transaction; Django's own test client turns this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["author", "editor"])
def token(request, db, settings) -> str:
    settings.SUBMISSION_UPLOAD_RATE = "100000/minute"
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": {"auth": "100000/minute"}
    }
    user = EditorFactory() if request.param == "editor" else UserFactory()
    client = client_for(user)
    return client._credentials["HTTP_AUTHORIZATION"]


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_never_fails_and_answers_as_documented(case, token):
    # Every check but one: "schema-valid data is accepted" cannot hold for rules a schema
    # cannot state (a wrong password, a paper without text, a common password).
    response = case.call_and_validate(
        headers={"Authorization": token}, excluded_checks=[positive_data_acceptance]
    )
    if log := os.environ.get("API_FUZZ_LOG"):  # bench/api_fuzz.py counts the cases
        with open(log, "a") as out:
            out.write(f"{case.operation.label} {response.status_code}\n")
