"""Versions of a paper and the editors' API: every endpoint, every refusal, every event."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.codes import Status
from harness import client_for
from outbox.models import OutboxEvent
from plagiarism.tests.factories import check_recorded
from submissions.diff import version_diff
from submissions.models import Note, Submission, Transition, Version
from submissions.services import submission_create
from submissions.tests.conftest import stored_files
from submissions.tests.factories import PARAGRAPH, pdf_bytes
from submissions.workflow import status_label

pytestmark = pytest.mark.django_db

LIST = "/api/submissions/"


def url(submission, rest: str = "") -> str:
    return f"{LIST}{submission.pk}/{rest}"


def paper(author, status: str = Status.CHECKED, text: str = PARAGRAPH) -> Submission:
    submission = submission_create(author=author, title="Versioned", text=text)
    Submission.objects.filter(pk=submission.pk).update(status=status)
    OutboxEvent.objects.all().delete()
    return Submission.objects.get(pk=submission.pk)


REVISED = PARAGRAPH + "We add a section on the limits of the method. "


# -- adding a version ----------------------------------------------------------------------
def test_a_revision_sent_as_text_returns_the_paper_to_the_editors_and_publishes_it(api, author):
    submission = paper(author, Status.REVISION_REQUESTED)
    response = api.post(
        url(submission, "versions/"),
        {"text": REVISED, "response": "We added the limits you asked for."},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 2 and body["response"] == "We added the limits you asked for."
    assert body["diff_url"].endswith(f"{url(submission, 'versions/2/diff/')}")
    assert body["file_url"] is None and body["plagiarism"]["checked_at"] is None

    detail = api.get(url(submission)).json()
    assert detail["version"] == 2 and detail["status"] == "submitted"
    assert detail["status_label"] == "Received" and detail["word_count"] > 30
    last = detail["history"][-1]
    assert (last["to_status"], last["version"]) == ("submitted", 2)
    assert Submission.objects.get(pk=submission.pk).text == REVISED.strip()

    events = {e.event_type: e for e in OutboxEvent.objects.all()}
    assert events["paper_uploaded"].version == 2
    assert events["paper_uploaded"].payload["paper_version"] == 2
    assert events["submission_decided"].payload["from_status"] == "revision_requested"
    assert events["submission_decided"].payload["to_status"] == "submitted"


def test_a_new_version_of_a_checked_paper_waits_for_its_own_check(api, author):
    submission = paper(author, Status.SUBMITTED)
    check_recorded(submission, score=0.3, flagged=True)
    OutboxEvent.objects.all().delete()
    assert api.post(url(submission, "versions/"), {"text": REVISED}, format="json").status_code
    fresh = Submission.objects.get(pk=submission.pk)
    assert fresh.status == Status.SUBMITTED and fresh.version == 2
    assert api.get(url(submission, "")).json()["plagiarism"] is None  # v2's check is to come
    versions = api.get(url(submission, "versions/")).json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["plagiarism"]["similarity_score"] == 0.3  # version 1 keeps its check
    assert versions[1]["plagiarism"]["similarity_score"] is None
    assert {e.event_type for e in OutboxEvent.objects.all()} == {
        "paper_uploaded",
        "submission_decided",
    }


def test_a_version_of_a_paper_still_received_is_recorded_without_a_change_of_status(api, author):
    submission = paper(author, Status.SUBMITTED)
    assert api.post(url(submission, "versions/"), {"text": REVISED}, format="json").status_code
    (event,) = OutboxEvent.objects.all()  # no decision: the status did not change
    assert event.event_type == "paper_uploaded" and event.payload["paper_version"] == 2
    step = Transition.objects.filter(submission=submission).latest("id")
    assert (step.from_status, step.to_status, step.version) == ("submitted", "submitted", 2)


def test_a_version_sent_as_a_file_is_stored_under_a_name_the_server_chooses(
    api, author, media_root
):
    submission = paper(author, Status.REVISION_REQUESTED)
    data = pdf_bytes([REVISED])
    response = api.post(
        url(submission, "versions/"),
        {"file": SimpleUploadedFile("../../etc/revised.pdf", data), "response": "Revised."},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["file_type"] == "pdf" and body["original_filename"] == "revised.pdf"
    downloaded = api.get(url(submission, "versions/2/file/"))
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content) == data
    assert api.get(url(submission, "file/")).status_code == 200  # the current version's
    (stored,) = stored_files(media_root)
    assert stored.name == f"{submission.pk}-v2.pdf"
    assert api.get(url(submission, "versions/1/file/")).status_code == 404  # v1 was text


@pytest.mark.parametrize(
    "status", [Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN]
)
def test_a_version_is_refused_with_the_reason_when_the_status_takes_none(
    api, author, media_root, status
):
    submission = paper(author, status)
    response = api.post(
        url(submission, "versions/"),
        {"file": SimpleUploadedFile("v2.pdf", pdf_bytes([REVISED]))},
        format="multipart",
    )
    assert response.status_code == 409
    assert f"“{status_label(status)}” takes no new version" in response.json()["detail"]
    assert Version.objects.filter(submission=submission).count() == 1
    assert stored_files(media_root) == [] and not OutboxEvent.objects.exists()


def test_bad_versions_get_a_clear_4xx_and_leave_nothing(api, author, media_root, settings):
    submission = paper(author)
    versions = url(submission, "versions/")
    wrong_type = api.post(
        versions, {"file": SimpleUploadedFile("v2.exe", b"MZ\x90\x00binary")}, format="multipart"
    )
    assert wrong_type.status_code == 415 and "file" in wrong_type.json()
    no_file = api.post(versions, {"response": "only words"}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()
    no_text = api.post(versions, {"response": "only words"}, format="json")
    assert no_text.status_code == 400 and "text" in no_text.json()
    unknown = api.post(versions, {"text": REVISED, "title": "new title"}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {"title": ["unknown field"]}
    settings.SUBMISSION_MAX_UPLOAD_BYTES = 100
    too_large = api.post(versions, {"text": REVISED}, format="json")
    assert too_large.status_code == 400 and "text" in too_large.json()
    assert Version.objects.filter(submission=submission).count() == 1
    assert stored_files(media_root) == [] and not OutboxEvent.objects.exists()


def test_versions_count_towards_the_daily_quota(api, author, settings):
    settings.SUBMISSION_PAPERS_PER_DAY = 2
    submission = paper(author)
    assert (
        api.post(url(submission, "versions/"), {"text": REVISED}, format="json").status_code == 201
    )
    refused = api.post(url(submission, "versions/"), {"text": REVISED + "x"}, format="json")
    assert refused.status_code == 429 and refused.json()["quota"] == "papers_per_day"


def test_another_authors_versions_are_404_and_an_editor_cannot_send_one(
    author, other_author, editor
):
    submission = paper(author)
    stranger = client_for(other_author)
    for path in ("versions/", "versions/1/", "versions/1/file/", "versions/2/diff/"):
        assert stranger.get(url(submission, path)).status_code == 404
    assert (
        stranger.post(url(submission, "versions/"), {"text": REVISED}, format="json").status_code
        == 404
    )
    refused = client_for(editor).post(url(submission, "versions/"), {"text": "x"}, format="json")
    assert refused.status_code == 409 and "only the paper's author" in refused.json()["detail"]


def test_a_version_that_does_not_exist_is_404(api, author):
    submission = paper(author)
    assert api.get(url(submission, "versions/2/")).status_code == 404
    assert api.get(url(submission, "versions/1/diff/")).status_code == 404  # nothing before it
    one = api.get(url(submission, "versions/1/")).json()
    assert one["number"] == 1 and one["diff_url"] is None


# -- the diff ------------------------------------------------------------------------------
OLD = (
    "Fingerprints find copied text. They are hashes of word sequences.\n\n"
    "We index every paper. Old results were weak.\n\n"
    "The end is near."
)
NEW = (
    "Fingerprints find copied text. They are hashes of overlapping word sequences.\n\n"
    "We index every paper. A new section explains the limits.\n\n"
    "Old results were weak.\n\n"
    "The end is near."
)


def test_the_diff_names_passages_added_removed_and_changed(api, author):
    submission = paper(author, Status.REVISION_REQUESTED, text=OLD)
    assert api.post(url(submission, "versions/"), {"text": NEW}, format="json").status_code == 201
    diff = api.get(url(submission, "versions/2/diff/")).json()
    assert (diff["version"], diff["previous_version"]) == (2, 1)
    kinds = [(c["kind"], c["old_text"], c["new_text"]) for c in diff["changes"]]
    assert kinds == [
        (
            "changed",
            "They are hashes of word sequences.",
            "They are hashes of overlapping word sequences.",
        ),
        ("added", "", "A new section explains the limits."),
    ]
    first = diff["changes"][0]
    assert NEW[first["new_start"] : first["new_end"]] == first["new_text"]
    assert OLD[first["old_start"] : first["old_end"]] == first["old_text"]


def test_the_diff_names_a_removed_passage():
    (change,) = version_diff("Keep this. Drop this one. Keep that.", "Keep this. Keep that.")
    assert (change.kind, change.old_text, change.new_text) == ("removed", "Drop this one.", "")
    assert change.new_start is None


def test_the_same_text_has_no_changes_whatever_its_spacing():
    assert version_diff("One. Two.\n\nThree.", "One.  Two.\n\n\nThree.  ") == []


# -- the editors' API ----------------------------------------------------------------------
def test_an_editor_takes_a_step_with_a_comment_for_the_author_and_a_note_for_editors(
    author, editor
):
    submission = paper(author, Status.CHECKED)
    response = client_for(editor).post(
        url(submission, "transition/"),
        {"to": "rejected", "comment": "Out of scope.", "note": "Seen at another venue."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "rejected" and body["status_label"] == "Not accepted"
    assert body["history"][-1]["comment"] == "Out of scope."
    assert body["next_steps"] == []
    (event,) = OutboxEvent.objects.all()
    assert event.payload["to_status"] == "rejected" and event.payload["comment"] == "Out of scope."
    assert "Seen at another venue." not in str(event.payload)
    (note,) = Note.objects.filter(submission=submission)
    assert note.text == "Seen at another venue." and note.author == editor
    author_view = client_for(author).get(url(submission)).json()
    assert "Seen at another venue." not in str(author_view)


def test_a_step_the_workflow_does_not_allow_is_409_with_the_allowed_steps(author, editor):
    submission = paper(author, Status.CHECKED)
    response = client_for(editor).post(
        url(submission, "transition/"), {"to": "accepted"}, format="json"
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "cannot be accepted" in detail
    assert "Start review (“under_review”)" in detail and "Desk reject (“rejected”)" in detail
    assert Submission.objects.get(pk=submission.pk).status == Status.CHECKED
    assert not OutboxEvent.objects.exists()


def test_the_transition_endpoint_is_404_for_authors_and_validates_its_input(author, editor):
    submission = paper(author, Status.CHECKED)
    mine = client_for(author).post(
        url(submission, "transition/"), {"to": "under_review"}, format="json"
    )
    assert mine.status_code == 404
    office = client_for(editor)
    bad = office.post(url(submission, "transition/"), {"to": "published"}, format="json")
    assert bad.status_code == 400 and "to" in bad.json()
    extra = office.post(
        url(submission, "transition/"), {"to": "under_review", "x": 1}, format="json"
    )
    assert extra.status_code == 400 and extra.json() == {"x": ["unknown field"]}
    missing = office.post(f"{LIST}8f0e4a8e-7b57-4a43-9d5f-0c7cf7b0a001/transition/", {"to": "x"})
    assert missing.status_code == 404
    assert Submission.objects.get(pk=submission.pk).status == Status.CHECKED


def test_the_detail_lists_the_steps_each_person_may_take(author, editor):
    submission = paper(author, Status.UNDER_REVIEW)
    for_editor = client_for(editor).get(url(submission)).json()["next_steps"]
    assert {s["to"] for s in for_editor} == {"accepted", "rejected", "revision_requested"}
    for_author = client_for(author).get(url(submission)).json()
    assert for_author["next_steps"] == [{"to": "withdrawn", "action": "Withdraw"}]
    assert for_author["accepts_versions"] is False  # under review
    Submission.objects.filter(pk=submission.pk).update(status=Status.REVISION_REQUESTED)
    assert client_for(author).get(url(submission)).json()["accepts_versions"] is True
    assert client_for(editor).get(url(submission)).json()["accepts_versions"] is False


def test_notes_are_for_editors_only(author, editor):
    submission = paper(author)
    office = client_for(editor)
    created = office.post(url(submission, "notes/"), {"text": "Check the figures."}, format="json")
    assert created.status_code == 201 and created.json()["author"] == editor.username
    listed = office.get(url(submission, "notes/")).json()
    assert [n["text"] for n in listed["results"]] == ["Check the figures."]
    assert client_for(author).get(url(submission, "notes/")).status_code == 404
    assert (
        client_for(author).post(url(submission, "notes/"), {"text": "x"}, format="json").status_code
        == 404
    )
    assert office.post(url(submission, "notes/"), {"text": ""}, format="json").status_code == 400


def test_editors_list_and_filter_every_paper(author, other_author, editor):
    mine = paper(author, Status.CHECKED)
    Submission.objects.filter(pk=mine.pk).update(title="Winnowing revisited")
    flagged = paper(other_author, Status.SUBMITTED)
    check_recorded(flagged, score=0.6, flagged=True)
    office = client_for(editor)

    def ids(query: str) -> set[str]:
        response = office.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return {s["id"] for s in response.json()["results"]}

    assert ids("") == {str(mine.pk), str(flagged.pk)}
    assert ids(f"author={other_author.username}") == {str(flagged.pk)}
    assert ids("flagged=true") == {str(flagged.pk)}
    assert ids("search=winnow") == {str(mine.pk)}
    assert ids("status=checked") == {str(mine.pk), str(flagged.pk)}
    # An author's filters work inside their own papers only.
    own = client_for(author).get(f"{LIST}?author={other_author.username}").json()
    assert own["results"] == []


def test_withdrawal_carries_a_reason_to_the_editors(api, author):
    submission = paper(author, Status.UNDER_REVIEW)
    response = api.post(
        url(submission, "withdraw/"), {"reason": "Accepted elsewhere."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    (event,) = OutboxEvent.objects.all()
    assert event.payload["comment"] == "Accepted elsewhere."
    again = api.post(url(submission, "withdraw/"), format="json")
    assert again.status_code == 409
    assert again.json()["detail"] == "The paper's status is already “Withdrawn”."


def test_the_versions_list_reads_every_versions_check_in_one_query(api, author):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submission = paper(author, Status.REVISION_REQUESTED)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url(submission, "versions/")).status_code == 200
        return len(captured)

    queries()  # the token's first use is recorded, once
    one = queries()
    for n in range(2):
        Submission.objects.filter(pk=submission.pk).update(status=Status.REVISION_REQUESTED)
        text = f"{REVISED} {n}"
        assert (
            api.post(url(submission, "versions/"), {"text": text}, format="json").status_code == 201
        )
    listed = api.get(url(submission, "versions/")).json()
    assert [v["number"] for v in listed] == [1, 2, 3]
    assert queries() == one  # three versions, the same queries as one
