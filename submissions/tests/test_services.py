"""The review workflow: every legal step, every illegal one, and the event each writes."""

import pytest

from outbox.models import OutboxEvent
from submissions.models import Status, Submission, Transition
from submissions.services import (
    TRANSITIONS,
    TransitionNotAllowed,
    submission_create,
    submission_decide,
    submission_mark_checked,
    submission_transition,
)
from submissions.tests.factories import PARAGRAPH

pytestmark = pytest.mark.django_db


def in_status(author, status: str) -> Submission:
    submission = submission_create(author=author, title="Paper", text=PARAGRAPH)
    Submission.objects.filter(pk=submission.pk).update(status=status)
    OutboxEvent.objects.all().delete()
    submission.status = status
    return submission


def actor_for(kind: str, author, editor):
    return {"author": author, "editor": editor, "system": None}[kind]


LEGAL = [(src, dst, who) for src, steps in TRANSITIONS.items() for dst, who in steps.items()]


@pytest.mark.parametrize(("from_status", "to_status", "who"), LEGAL)
def test_each_legal_step_is_recorded_and_publishes_its_event(
    author, editor, from_status, to_status, who
):
    submission = in_status(author, from_status)
    actor = actor_for(who, author, editor)
    submission_transition(
        submission=submission, to_status=to_status, actor=actor, comment="Well argued."
    )
    assert Submission.objects.get(pk=submission.pk).status == to_status
    step = Transition.objects.filter(submission=submission).latest("id")
    assert (step.from_status, step.to_status, step.actor) == (from_status, to_status, actor)
    assert step.comment == "Well argued."
    events = list(OutboxEvent.objects.all())
    if to_status == Status.CHECKED:
        assert events == []  # the plagiarism app publishes plagiarism_checked instead
        return
    (event,) = events
    assert event.event_type == "submission_decided" and event.key == str(submission.id)
    assert event.payload["from_status"] == from_status
    assert event.payload["to_status"] == to_status
    assert event.payload["editor_id"] == (editor.pk if who == "editor" else None)
    assert event.payload["comment"] == "Well argued."


ILLEGAL = [
    (Status.SUBMITTED, Status.ACCEPTED, "editor", "cannot become accepted"),
    (Status.SUBMITTED, Status.UNDER_REVIEW, "editor", "cannot become under review"),
    (Status.CHECKED, Status.REJECTED, "editor", "cannot become rejected"),
    (Status.ACCEPTED, Status.WITHDRAWN, "author", "accepted cannot become withdrawn"),
    (Status.REJECTED, Status.UNDER_REVIEW, "editor", "rejected cannot become under review"),
    (Status.WITHDRAWN, Status.UNDER_REVIEW, "editor", "withdrawn cannot become under review"),
    (Status.UNDER_REVIEW, Status.ACCEPTED, "author", "only an editor can make it accepted"),
    (Status.CHECKED, Status.UNDER_REVIEW, "author", "only an editor"),
    (Status.UNDER_REVIEW, Status.WITHDRAWN, "editor", "only its author can withdraw"),
    (Status.SUBMITTED, Status.CHECKED, "editor", "only the plagiarism check"),
    (Status.UNDER_REVIEW, Status.UNDER_REVIEW, "editor", "cannot become under review"),
]


@pytest.mark.parametrize(("from_status", "to_status", "who", "message"), ILLEGAL)
def test_an_illegal_step_is_refused_and_changes_nothing(
    author, editor, from_status, to_status, who, message
):
    submission = in_status(author, from_status)
    with pytest.raises(TransitionNotAllowed, match=message):
        submission_transition(
            submission=submission, to_status=to_status, actor=actor_for(who, author, editor)
        )
    assert Submission.objects.get(pk=submission.pk).status == from_status
    assert Transition.objects.filter(submission=submission).count() == 1  # only "submitted"
    assert not OutboxEvent.objects.exists()


def test_another_author_cannot_withdraw(author, other_author):
    submission = in_status(author, Status.SUBMITTED)
    with pytest.raises(TransitionNotAllowed, match="only its author"):
        submission_transition(submission=submission, to_status=Status.WITHDRAWN, actor=other_author)


def test_withdrawing_is_not_a_decision(author, editor):
    submission = in_status(author, Status.UNDER_REVIEW)
    with pytest.raises(TransitionNotAllowed, match="is not a decision"):
        submission_decide(submission=submission, decision=Status.WITHDRAWN, editor=editor)


def test_the_plagiarism_summary_moves_a_submission_to_checked(author):
    submission = in_status(author, Status.SUBMITTED)
    checked = submission_mark_checked(
        submission_id=submission.pk, similarity_score=0.2, flagged=False
    )
    assert checked.status == Status.CHECKED
    assert (checked.similarity_score, checked.plagiarism_flagged) == (0.2, False)
    assert checked.checked_at is not None


def test_a_summary_for_a_withdrawn_submission_keeps_it_withdrawn(author):
    submission = in_status(author, Status.WITHDRAWN)
    checked = submission_mark_checked(
        submission_id=submission.pk, similarity_score=0.9, flagged=True
    )
    assert checked.status == Status.WITHDRAWN and checked.similarity_score == 0.9


def test_a_failing_transaction_leaves_no_file_behind(author, media_root, monkeypatch):
    from submissions import services
    from submissions.tests.conftest import stored_files

    def broken(event):
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(services, "publish_on_commit", broken)
    with pytest.raises(RuntimeError):
        submission_create(
            author=author,
            title="t",
            upload=services.UploadedFile(name="p.txt", data=PARAGRAPH.encode()),
        )
    assert not Submission.objects.exists()
    assert stored_files(media_root) == []
