"""Editors in conflict see a paper as its authors do, tried through the live server: a staff
user who wrote a paper (or shares an institution with its authors) reads the author's view
of its report and reviews, takes no editor's step, invites and sees no reviewers, re-scores
nothing, and hears nothing editors hear of it; each refusal names the rule. Other editors
are not touched."""

import pytest
from django.test import Client

from contracts.events import PaperUploaded
from harness import http_for
from notifications.handlers import handle_paper_uploaded
from notifications.models import Notification
from outbox.models import OutboxEvent
from outbox.wire import ReceivedEvent
from plagiarism.services import check_run
from plagiarism.tests.factories import prose
from reviews.tests.factories import due_in
from submissions.services import submission_create, submission_transition
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

STARTED = {"to_status": "under_review"}


def own_paper(editor):
    """A paper the editor wrote, checked and sent to review by another editor."""
    paper = submission_create(author=editor, title="My own results", text=prose(61, 300))
    check_run(submission_id=str(paper.pk))
    paper.refresh_from_db()
    return submission_transition(submission=paper, to_status="under_review", actor=EditorFactory())


def editors_paths(paper) -> list[tuple[str, str, dict | None]]:
    base = f"/api/submissions/{paper.pk}"
    return [
        ("get", f"{base}/invitations/", None),
        (
            "post",
            f"{base}/invitations/",
            {"reviewer": "someone@else.example", "due": str(due_in())},
        ),
        ("post", f"{base}/transition/", {"to_status": "accepted"}),
        ("post", f"{base}/notes/", {"text": "I like it"}),
        ("get", f"{base}/report/pdf/", None),
        ("post", f"{base}/report/rescore/", {"reason": "mine"}),
        ("post", f"{base}/recheck/", None),
    ]


@pytest.mark.parametrize("conflict", ["author", "email_domain"])
def test_an_editor_in_conflict_gets_the_authors_view_and_each_refusal_names_the_rule(
    live_api, conflict
):
    if conflict == "author":
        editor = EditorFactory()
        paper = own_paper(editor)
        rule = "you are one of its authors"
    else:
        editor = EditorFactory(email="chair@uni-a.edu")
        paper = own_paper(UserFactory(email="ada@cs.uni-a.edu"))
        rule = "you share an institution's email domain with one of its authors"
    with http_for(live_api, editor) as http:
        detail = http.get(f"/api/submissions/{paper.pk}/")
        assert detail.status_code == 200
        assert detail.json()["next_steps"] == [] or all(
            step["to"] == "withdrawn" for step in detail.json()["next_steps"]
        )
        assert http.get(f"/api/submissions/{paper.pk}/report/").json()["view"] == "author"
        assert http.get(f"/api/submissions/{paper.pk}/reviews/").json() == []
        for method, path, body in editors_paths(paper):
            answer = getattr(http, method)(path, **({"json": body} if body else {}))
            assert answer.status_code == 403, (path, answer.status_code, answer.text)
            assert rule in answer.json()["detail"], (path, answer.text)
    # Another editor edits it as before.
    with http_for(live_api, EditorFactory()) as other:
        assert other.get(f"/api/submissions/{paper.pk}/invitations/").status_code == 200
        assert other.get(f"/api/submissions/{paper.pk}/report/").json()["view"] == "editor"


def test_the_admin_leaves_the_paper_out_and_refuses_its_pages_naming_the_rule(live_api):
    editor = EditorFactory()
    paper = own_paper(editor)
    office = Client()
    office.force_login(editor)
    listed = office.get("/admin/submissions/submission/")
    assert listed.status_code == 200 and "My own results" not in listed.content.decode()
    for page in (
        "/admin/reviews/review/",
        "/admin/reviews/invitation/",
        "/admin/plagiarism/report/",
    ):
        assert str(paper.pk) not in office.get(page).content.decode(), page
    for page in (
        f"/admin/plagiarism/report/submission/{paper.pk}/",
        f"/admin/plagiarism/report/submission/{paper.pk}/pdf/",
        f"/admin/reviews/invitation/paper/{paper.pk}/",
        f"/admin/submissions/submission/{paper.pk}/transition/accepted/",
    ):
        refused = office.get(page)
        assert refused.status_code == 403, (page, refused.status_code)


def test_an_editor_in_conflict_hears_nothing_editors_hear_of_the_paper():
    editor, colleague = EditorFactory(), EditorFactory()
    paper = submission_create(author=editor, title="Mine", text=prose(62, 300))
    row = OutboxEvent.objects.get(event_type="paper_uploaded", key=str(paper.pk))
    handle_paper_uploaded(
        ReceivedEvent(id=row.event_id, time=row.created_at, data=PaperUploaded(**row.payload))
    )
    kinds = {n.user_id: n.kind for n in Notification.objects.filter(submission_id=paper.pk)}
    assert kinds[editor.pk] == "received"  # as its author
    assert kinds[colleague.pk] == "new_submission"  # the editors' notice


def test_authors_read_the_editors_steps_signed_by_the_editors_not_by_a_username(live_api):
    editor = EditorFactory(username="chief_editor")
    author = UserFactory()
    paper = submission_create(author=author, title="Signed", text=prose(63, 300))
    check_run(submission_id=str(paper.pk))
    paper.refresh_from_db()
    submission_transition(submission=paper, to_status="under_review", actor=editor)
    with http_for(live_api, author) as http:
        seen = http.get(f"/api/submissions/{paper.pk}/")
        actors = [step["actor"] for step in seen.json()["history"]]
        assert "the editors" in actors and "chief_editor" not in seen.text
    with http_for(live_api, EditorFactory()) as office:
        steps = office.get(f"/api/submissions/{paper.pk}/").json()["history"]
        assert "chief_editor" in [step["actor"] for step in steps]
