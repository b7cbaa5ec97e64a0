"""The OpenAPI schema validates and lists every endpoint; the docs page serves it."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

ENDPOINTS = {
    "/api/auth/register/": {"post"},
    "/api/auth/token/": {"post"},
    "/api/auth/me/": {"get", "patch"},
    "/api/auth/verify-email/": {"post"},
    "/api/submissions/": {"get", "post"},
    "/api/submissions/checklist/": {"get"},
    "/api/submissions/{submission_id}/": {"get"},
    "/api/submissions/{submission_id}/file/": {"get"},
    "/api/submissions/{submission_id}/authors/": {"get", "post"},
    "/api/submissions/{submission_id}/invitations/": {"get", "post"},
    "/api/submissions/{submission_id}/invitations/{invitation_id}/remove/": {"post"},
    "/api/submissions/{submission_id}/reviews/": {"get"},
    "/api/submissions/{submission_id}/reviews/mine/": {"get", "post", "put"},
    "/api/invitations/": {"get"},
    "/api/invitations/{invitation_id}/accept/": {"post"},
    "/api/invitations/{invitation_id}/decline/": {"post"},
    "/api/reviewing/": {"get"},
    "/api/reviewing/{submission_id}/": {"get"},
    "/api/reviewing/{submission_id}/file/": {"get"},
    "/api/submissions/{submission_id}/withdraw/": {"post"},
    "/api/submissions/{submission_id}/report/": {"get"},
    "/api/submissions/{submission_id}/report/pdf/": {"get"},
    "/api/submissions/{submission_id}/report/rescore/": {"post"},
    "/api/submissions/{submission_id}/recheck/": {"post"},
    "/api/submissions/{submission_id}/transition/": {"post"},
    "/api/submissions/{submission_id}/notes/": {"get", "post"},
    "/api/submissions/{submission_id}/versions/": {"get", "post"},
    "/api/submissions/{submission_id}/versions/{number}/": {"get"},
    "/api/submissions/{submission_id}/versions/{number}/file/": {"get"},
    "/api/submissions/{submission_id}/versions/{number}/diff/": {"get"},
    "/api/notifications/": {"get"},
    "/api/notifications/{notification_id}/read/": {"post"},
    "/api/notifications/read-all/": {"post"},
    "/api/notifications/preferences/": {"get", "put", "patch"},
    "/api/analytics/summary/": {"get"},
}


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert {path: set(ops) for path, ops in schema["paths"].items()} == ENDPOINTS


@pytest.mark.django_db
def test_the_schema_and_the_docs_page_are_served():
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert set(schema.json()["paths"]) == set(ENDPOINTS)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_the_schema_documents_both_views_of_a_report(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    report = schema["paths"]["/api/submissions/{submission_id}/report/"]["get"]
    body = report["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Report"}
    views = schema["components"]["schemas"]["Report"]
    assert views["discriminator"]["propertyName"] == "view"
    assert set(views["discriminator"]["mapping"]) == {"editor", "author"}
    author = schema["components"]["schemas"]["AuthorReportOutput"]["properties"]
    editor = schema["components"]["schemas"]["EditorReportOutput"]["properties"]
    author_source = schema["components"]["schemas"]["AuthorSourceOutput"]["properties"]
    assert "passages" in author and "history" in editor
    assert not {"title", "submission_id", "author", "source_text"} & set(author_source)
