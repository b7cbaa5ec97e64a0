"""The editors' admin: who may enter, finding submissions, deciding, bulk review."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from harness import client_for
from outbox.models import OutboxEvent
from plagiarism.selectors import check_summary
from plagiarism.tests.factories import check_recorded
from submissions.models import Status, Submission
from submissions.services import submission_create
from submissions.tests.factories import PARAGRAPH, UserFactory, pdf_bytes

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/submissions/submission/"


@pytest.fixture
def office(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def paper(author, title="Paper", score=None) -> Submission:
    submission = submission_create(author=author, title=title, text=PARAGRAPH)
    if score is not None:
        submission = check_recorded(submission, score=score, flagged=score >= 0.4)
    return submission


def titles(response) -> list[str]:
    return [s.title for s in response.context["cl"].result_list]


def test_a_non_staff_user_cannot_enter_the_admin(author):
    client = Client()
    client.force_login(author)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Client().get("/admin/").status_code == 302


def test_the_list_searches_filters_and_sorts_by_score(office, author):
    other = UserFactory(username="grace")
    paper(author, "Quantum widgets", score=0.05)
    paper(other, "Compilers for everyone", score=0.55)
    paper(author, "Unchecked thoughts")

    assert titles(office.get(CHANGELIST, {"q": "widgets"})) == ["Quantum widgets"]
    assert titles(office.get(CHANGELIST, {"q": "grace"})) == ["Compilers for everyone"]
    assert titles(office.get(CHANGELIST, {"score": "high"})) == ["Compilers for everyone"]
    assert titles(office.get(CHANGELIST, {"score": "unchecked"})) == ["Unchecked thoughts"]
    assert set(titles(office.get(CHANGELIST, {"status": "checked"}))) == {
        "Quantum widgets",
        "Compilers for everyone",
    }
    by_score = titles(office.get(CHANGELIST, {"o": "5"}))  # the score column, ascending
    assert by_score == ["Quantum widgets", "Compilers for everyone", "Unchecked thoughts"]
    highest_first = titles(office.get(CHANGELIST, {"o": "-5"}))
    assert highest_first[1:] == ["Compilers for everyone", "Quantum widgets"]
    page = office.get(CHANGELIST).content.decode()
    assert "55% ⚑" in page and "5%" in page


def test_the_detail_page_shows_text_file_summary_history_and_the_next_steps(office, author):
    api = client_for(author)
    data = pdf_bytes([PARAGRAPH])
    submission_id = api.post(
        "/api/submissions/",
        {"title": "With a file", "file": SimpleUploadedFile("w.pdf", data)},
        format="multipart",
    ).json()["id"]
    submission = Submission.objects.get(pk=submission_id)
    check_recorded(submission, score=0.12, flagged=False)

    page = office.get(f"{CHANGELIST}{submission_id}/change/").content.decode()
    assert "fingerprints of word sequences" in page
    assert "12.0% similar, not flagged" in page
    assert f"{CHANGELIST}{submission_id}/file/" in page
    assert f"{CHANGELIST}{submission_id}/transition/under_review/" in page
    assert "submitted" in page and "checked" in page  # the history
    download = office.get(f"{CHANGELIST}{submission_id}/file/")
    assert b"".join(download.streaming_content) == data


def test_an_editor_decides_with_a_comment_and_the_event_is_written(office, author, editor):
    submission = paper(author, score=0.1)
    office.post(f"{CHANGELIST}{submission.pk}/transition/under_review/", {"comment": ""})
    response = office.post(
        f"{CHANGELIST}{submission.pk}/transition/accepted/", {"comment": "A fine paper."}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.ACCEPTED
    decided = OutboxEvent.objects.filter(event_type="submission_decided").order_by("id")
    assert [e.payload["to_status"] for e in decided] == ["under_review", "accepted"]
    assert decided.last().payload["editor_id"] == editor.pk
    assert decided.last().payload["comment"] == "A fine paper."
    history = submission.history.latest("id")
    assert (history.actor, history.comment) == (editor, "A fine paper.")


def test_a_step_the_workflow_does_not_allow_is_not_offered(office, author):
    submission = paper(author)  # submitted: not yet checked
    response = office.get(f"{CHANGELIST}{submission.pk}/transition/accepted/")
    assert response.status_code == 404
    assert Submission.objects.get(pk=submission.pk).status == Status.SUBMITTED


def test_bulk_move_to_under_review_moves_the_checked_and_explains_the_rest(office, author):
    ready = [paper(author, f"ready {n}", score=0.1) for n in range(2)]
    early = paper(author, "too early")
    response = office.post(
        CHANGELIST,
        {"action": "start_review", "_selected_action": [str(s.pk) for s in [*ready, early]]},
        follow=True,
    )
    text = response.content.decode()
    assert "2 sent to review." in text
    assert "too early" in text and "cannot be sent to review" in text
    statuses = dict(Submission.objects.values_list("title", "status"))
    assert statuses == {
        "ready 0": "under_review",
        "ready 1": "under_review",
        "too early": "submitted",
    }


def test_editors_cannot_add_or_delete_submissions_in_the_admin(office, author):
    submission = paper(author)
    assert office.get(f"{CHANGELIST}add/").status_code == 403
    assert office.post(f"{CHANGELIST}{submission.pk}/delete/").status_code == 403


def test_bulk_accept_asks_for_one_comment_then_decides_each_paper(office, author):
    reviewed = [paper(author, f"reviewed {n}", score=0.1) for n in range(2)]
    early = paper(author, "too early")
    for submission in reviewed:
        Submission.objects.filter(pk=submission.pk).update(status=Status.UNDER_REVIEW)
    chosen = {
        "action": "accept_selected",
        "_selected_action": [str(s.pk) for s in [*reviewed, early]],
    }
    asked = office.post(CHANGELIST, chosen)
    assert asked.status_code == 200 and 'name="comment"' in asked.content.decode()
    assert Submission.objects.filter(status=Status.ACCEPTED).count() == 0  # nothing yet
    done = office.post(
        CHANGELIST,
        {**chosen, "apply": "yes", "comment": "Welcome to the programme.", "note": "batch 1"},
        follow=True,
    )
    text = done.content.decode()
    assert "2 accepted." in text and "too early" in text and "cannot be accepted" in text
    decided = OutboxEvent.objects.filter(event_type="submission_decided")
    assert {e.payload["comment"] for e in decided} == {"Welcome to the programme."}
    assert decided.count() == 2


def test_the_admin_offers_desk_reject_and_a_recheck_after_a_failed_check(office, author):
    from plagiarism.services import check_fail

    submission = paper(author)
    check_fail(submission_id=str(submission.pk), error="RuntimeError: disk full")
    page = office.get(f"{CHANGELIST}{submission.pk}/change/").content.decode()
    assert f"{CHANGELIST}{submission.pk}/transition/rejected/" in page
    assert "Desk reject" in page and "Re-run the check" in page
    recheck = f"/admin/plagiarism/report/submission/{submission.pk}/recheck/"
    assert office.get(recheck).status_code == 200
    response = office.post(recheck, follow=True)
    assert "is queued again" in response.content.decode()
    assert check_summary(submission_id=submission.pk, paper_version=1) is None  # waiting again


def test_the_admin_shows_versions_with_what_changed_and_takes_notes(office, author, editor):
    from submissions.models import Note
    from submissions.services import submission_version_add

    submission = paper(author, score=0.1)
    submission_version_add(
        submission=submission,
        author=author,
        text=PARAGRAPH + "A new closing sentence.",
        response="We added a closing sentence.",
    )
    page = office.get(f"{CHANGELIST}{submission.pk}/change/").content.decode()
    diff_url = f"{CHANGELIST}{submission.pk}/versions/2/diff/"
    assert diff_url in page and "We added a closing sentence." in page
    diff = office.get(diff_url).content.decode()
    assert "A new closing sentence." in diff and "added" in diff
    assert office.get(f"{CHANGELIST}{submission.pk}/versions/3/diff/").status_code == 404
    form = {
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-0-text": "Ask reviewer 2 about the proofs.",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": str(submission.history.count()),
        "authors-TOTAL_FORMS": "0",
        "authors-INITIAL_FORMS": str(submission.authors.count()),
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "2",
    }
    office.post(f"{CHANGELIST}{submission.pk}/change/", form)
    (note,) = Note.objects.filter(submission=submission)
    assert note.text == "Ask reviewer 2 about the proofs." and note.author == editor


def test_the_page_shows_each_versions_own_check(office, author):
    from submissions.services import submission_version_add

    submission = check_recorded(paper(author), score=0.3, flagged=True)
    Submission.objects.filter(pk=submission.pk).update(status=Status.REVISION_REQUESTED)
    submission_version_add(
        submission=Submission.objects.get(pk=submission.pk), author=author, text=PARAGRAPH * 2
    )
    page = office.get(f"{CHANGELIST}{submission.pk}/change/").content.decode()
    assert "30%, flagged" in page and "not checked yet" in page  # v1's check, v2's to come
