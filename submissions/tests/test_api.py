"""The API, end to end through DRF: every endpoint, every kind of bad input."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from harness import client_for
from outbox.models import OutboxEvent
from submissions.models import Status, Submission
from submissions.services import submission_create, submission_decide, submission_transition
from submissions.tests.conftest import stored_files
from submissions.tests.factories import (
    PARAGRAPH,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    plain_zip_bytes,
    zip_bomb_docx_bytes,
)

pytestmark = pytest.mark.django_db

LIST = "/api/submissions/"


def upload(api: APIClient, name: str, data: bytes, **fields):
    return api.post(
        LIST,
        {"title": "A paper", **fields, "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def detail(submission_id) -> str:
    return f"{LIST}{submission_id}/"


def text_submission(author, title="Text paper") -> Submission:
    return submission_create(author=author, title=title, text=PARAGRAPH)


# -- accounts -------------------------------------------------------------------------------
def test_register_then_get_a_token_then_use_it():
    anonymous = APIClient()
    created = anonymous.post(
        "/api/auth/register/",
        {"username": "ada", "email": "ada@example.org", "password": "analytical-engine-1843"},
        format="json",
    )
    assert created.status_code == 201
    assert set(created.json()) == {
        "id",
        "username",
        "email",
        "email_verified",
        "affiliation",
        "orcid",
    }
    assert created.json()["email_verified"] is False
    token = anonymous.post(
        "/api/auth/token/",
        {"username": "ada", "password": "analytical-engine-1843"},
        format="json",
    )
    assert token.status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert anonymous.get(LIST).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"username": "bob", "email": "bob@example.org", "password": "123"},
            "password",
            "This password is too short",
        ),
        (
            {"username": "bob", "email": "bob@example.org", "password": "password123"},
            "password",
            "This password is too common",
        ),
        (
            {"username": "bob", "email": "not-an-email", "password": "a-long-passphrase"},
            "email",
            "valid email",
        ),
        (
            {"username": "bob", "email": "b@example.org", "password": "a-long-pass", "admin": 1},
            "admin",
            "unknown field",
        ),
    ],
)
def test_registration_refuses_bad_input_with_the_reason(payload, field, message):
    response = APIClient().post("/api/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


def test_a_taken_username_is_refused(author):
    response = APIClient().post(
        "/api/auth/register/",
        {
            "username": author.username.upper(),
            "email": "x@example.org",
            "password": "long-pass-77x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["username"] == ["this username is taken"]


def test_a_wrong_password_gets_no_token(author):
    response = APIClient().post(
        "/api/auth/token/", {"username": author.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["wrong username or password"]


def test_the_api_needs_authentication():
    response = APIClient().get(LIST)
    assert response.status_code == 401


# -- creating -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "file_type"),
    [
        ("paper.txt", PARAGRAPH.encode(), "txt"),
        ("paper.md", f"# Title\n\n{PARAGRAPH}".encode(), "md"),
        ("paper.pdf", pdf_bytes([PARAGRAPH, PARAGRAPH]), "pdf"),
        ("paper.docx", docx_bytes([PARAGRAPH]), "docx"),
    ],
)
def test_uploading_a_file_stores_it_and_publishes_paper_uploaded(
    api, author, media_root, name, data, file_type
):
    response = upload(api, name, data, abstract="Short.")
    assert response.status_code == 201, response.json()
    body = response.json()
    submission = Submission.objects.get(pk=body["id"])
    assert body["status"] == "submitted" and body["author"] == author.username
    assert body["file_type"] == file_type and body["original_filename"] == name
    assert body["file_url"].endswith(f"/api/submissions/{submission.id}/file/")
    assert "fingerprints of word sequences" in submission.text
    assert body["word_count"] == submission.word_count > 20
    (stored,) = stored_files(media_root)
    assert stored.read_bytes() == data
    assert name.split(".")[0] not in stored.name  # the server chose the name
    assert str(stored).startswith(str(media_root))
    (event,) = OutboxEvent.objects.all()
    assert event.event_type == "paper_uploaded" and event.key == str(submission.id)
    assert event.payload == {
        "submission_id": str(submission.id),
        "author_id": author.pk,
        "title": "A paper",
        "content_hash": submission.content_hash,
        "word_count": submission.word_count,
        "paper_version": 1,
    }
    assert event.version == 2
    history = api.get(detail(submission.id)).json()["history"]
    assert [h["to_status"] for h in history] == ["submitted"]


def test_text_sent_as_json_is_a_submission_without_a_file(api, media_root):
    response = api.post(LIST, {"title": "Direct", "text": PARAGRAPH}, format="json")
    assert response.status_code == 201
    assert response.json()["file_url"] is None and response.json()["word_count"] > 20
    assert stored_files(media_root) == []
    assert OutboxEvent.objects.get().event_type == "paper_uploaded"


# -- bad input: a clear 4xx, and nothing left behind ----------------------------------------
BAD_UPLOADS = [
    ("virus.exe", PARAGRAPH.encode(), 415, "unsupported file type '.exe'"),
    ("spoofed.pdf", PARAGRAPH.encode(), 415, "is not a PDF"),
    ("spoofed.txt", pdf_bytes([PARAGRAPH]), 415, "is not text"),
    ("archive.docx", plain_zip_bytes(), 415, "not a DOCX document"),
    ("empty.txt", b"", 400, "the file is empty"),
    ("broken.pdf", b"%PDF-1.4\n%broken beyond repair", 400, "the PDF is corrupt"),
    ("locked.pdf", encrypted_pdf_bytes(), 400, "the PDF is encrypted"),
    ("bomb.docx", zip_bomb_docx_bytes(), 413, "zip bomb"),
    ("broken.docx", b"PK\x03\x04\x14\x00 truncated", 400, "the DOCX is corrupt"),
    ("blank.pdf", pdf_bytes([""]), 400, "no text could be extracted"),
]


def assert_nothing_left(media_root) -> None:
    assert not Submission.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(("name", "data", "status", "message"), BAD_UPLOADS)
def test_a_bad_file_is_refused_with_its_reason_and_leaves_nothing(
    api, media_root, name, data, status, message
):
    response = upload(api, name, data)
    assert response.status_code == status
    assert message in response.json()["file"][0]
    assert_nothing_left(media_root)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "title", "This field is required."),
        ({"title": "x" * 301}, "title", "no more than 300 characters"),
        ({"title": "   "}, "title", "may not be blank"),
        ({"title": "ok", "reviewer": "me"}, "reviewer", "unknown field"),
    ],
)
def test_bad_fields_are_refused_with_their_reason_and_leave_nothing(
    api, media_root, fields, field, message
):
    response = api.post(
        LIST,
        {**fields, "file": SimpleUploadedFile("p.txt", PARAGRAPH.encode())},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert_nothing_left(media_root)


@pytest.mark.parametrize(
    "payload",
    [{"title": "Neither"}, {"title": "Both", "text": PARAGRAPH, "file": "x"}],
)
def test_a_file_or_text_is_needed_exactly_once(api, media_root, payload):
    response = api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert_nothing_left(media_root)


def test_malformed_json_is_a_400(api, media_root):
    response = api.generic("POST", LIST, b'{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert_nothing_left(media_root)


def test_a_file_over_the_limit_is_refused_before_it_is_read(api, media_root, settings):
    settings.SUBMISSION_MAX_UPLOAD_BYTES = 1000
    small_body = upload(api, "big.txt", b"word " * 400)  # 2000 bytes: the file check
    assert small_body.status_code == 413
    assert small_body.json()["file"] == ["the file is larger than 0.000953674 MB"]
    huge = upload(api, "huge.txt", b"word " * 300_000)  # 1.5 MB: refused on Content-Length
    assert huge.status_code == 413
    assert "the upload is larger than" in huge.json()["file"][0]
    assert_nothing_left(media_root)


def test_uploads_are_throttled_per_user(api, settings, other_author):
    settings.SUBMISSION_UPLOAD_RATE = "2/minute"
    for _ in range(2):
        assert api.post(LIST, {"title": "t", "text": PARAGRAPH}, format="json").status_code == 201
    throttled = api.post(LIST, {"title": "t", "text": PARAGRAPH}, format="json")
    assert throttled.status_code == 429
    assert "throttled" in throttled.json()["detail"]
    assert api.get(LIST).status_code == 200  # reading is not throttled
    other = client_for(other_author).post(LIST, {"title": "t", "text": PARAGRAPH}, format="json")
    assert other.status_code == 201


# -- reading --------------------------------------------------------------------------------
def test_the_list_shows_only_my_submissions_newest_first_and_filters_by_status(
    api, author, other_author
):
    first, second = text_submission(author, "first"), text_submission(author, "second")
    text_submission(other_author, "not mine")
    submission_transition(submission=first, to_status=Status.WITHDRAWN, actor=author)

    body = api.get(LIST).json()
    assert body["count"] == 2 and {"next", "previous", "results"} <= set(body)
    assert [s["title"] for s in body["results"]] == ["second", "first"]
    withdrawn = api.get(LIST, {"status": "withdrawn"}).json()["results"]
    assert [s["id"] for s in withdrawn] == [str(first.id)]
    assert second.id  # the other one is still submitted
    bad = api.get(LIST, {"status": "lost"})
    assert bad.status_code == 400 and "not a valid choice" in bad.json()["status"][0]


def test_staff_see_every_submission(author, other_author, editor):
    text_submission(author), text_submission(other_author)
    assert client_for(editor).get(LIST).json()["count"] == 2


def test_another_authors_submission_is_not_found(api, other_author):
    theirs = text_submission(other_author)
    for path in (detail(theirs.id), f"{detail(theirs.id)}file/"):
        assert api.get(path).status_code == 404
    assert api.post(f"{detail(theirs.id)}withdraw/").status_code == 404
    assert Submission.objects.get(pk=theirs.pk).status == Status.SUBMITTED


def test_detail_shows_status_history_and_the_plagiarism_summary_once_there(api, author):
    from plagiarism.tests.factories import check_recorded

    submission = text_submission(author)
    assert api.get(detail(submission.id)).json()["plagiarism"] is None
    check_recorded(submission, score=0.42, flagged=True)
    body = api.get(detail(submission.id)).json()
    assert body["status"] == "checked"
    assert body["plagiarism"]["similarity_score"] == 0.42 and body["plagiarism"]["flagged"]
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("", "submitted"),
        ("submitted", "checked"),
    ]


def test_the_file_downloads_unchanged_for_its_owner_and_staff(api, editor):
    data = pdf_bytes([PARAGRAPH])
    submission_id = upload(api, "My Paper.pdf", data).json()["id"]
    for client in (api, client_for(editor)):
        response = client.get(f"{detail(submission_id)}file/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == data
        assert response["Content-Disposition"].startswith("attachment")
        assert "My Paper.pdf" in response["Content-Disposition"]


def test_a_text_submission_has_no_file_to_download(api, author):
    assert api.get(f"{detail(text_submission(author).id)}file/").status_code == 404


# -- withdrawing ----------------------------------------------------------------------------
def test_the_author_withdraws_and_submission_decided_is_published(api, author):
    submission = text_submission(author)
    response = api.post(f"{detail(submission.id)}withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    event = OutboxEvent.objects.filter(event_type="submission_decided").get()
    assert event.payload["from_status"] == "submitted"
    assert event.payload["to_status"] == "withdrawn" and event.payload["editor_id"] is None


def test_a_decided_submission_cannot_be_withdrawn(api, author, editor):
    submission = text_submission(author)
    Submission.objects.filter(pk=submission.pk).update(status=Status.UNDER_REVIEW)
    submission_decide(submission=submission, decision=Status.ACCEPTED, editor=editor)
    response = api.post(f"{detail(submission.id)}withdraw/")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "A paper whose status is “Accepted” cannot be withdrawn. "
        "Nothing more can be done with it: the decision is final."
    )


def test_unknown_submission_ids_are_404(api):
    assert api.get(detail("8f0e4a8e-7b57-4a43-9d5f-0c7cf7b0a001")).status_code == 404
    malformed = api.get(f"{LIST}not-a-uuid/")
    assert malformed.status_code == 404
    assert malformed["Content-Type"] == "application/json"  # even with DEBUG on
    assert malformed.json() == {"detail": "no such resource"}


def test_json_errors_are_json(api):
    response = api.post(LIST, {"title": "x"}, format="json")
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)
