"""The review workflow: every legal step, every illegal one, and the event each writes."""

import pytest

from contracts.codes import Status
from outbox.models import OutboxEvent
from plagiarism.tests.factories import check_recorded
from submissions.models import Note, Submission, Transition
from submissions.services import (
    TransitionNotAllowed,
    steps_for,
    submission_create,
    submission_decide,
    submission_mark_checked,
    submission_transition,
)
from submissions.tests.factories import PARAGRAPH
from submissions.workflow import FINAL, WORKFLOW, Actor, Condition, status_label, step_between

pytestmark = pytest.mark.django_db


def in_status(author, status: str, *, check_failed: bool = False) -> Submission:
    submission = submission_create(author=author, title="Paper", text=PARAGRAPH)
    Submission.objects.filter(pk=submission.pk).update(status=status)
    if check_failed:
        check_recorded(submission, score=None, error="RuntimeError: the index is down")
    OutboxEvent.objects.all().delete()
    return Submission.objects.get(pk=submission.pk)


def actor_for(kind: str, author, editor):
    return {"author": author, "editor": editor, "system": None}[kind]


# Every step of the table that is taken by a change of status (not by sending a version).
LEGAL = [(src, step) for src, steps in WORKFLOW.items() for step in steps if not step.by_version]


@pytest.mark.parametrize(
    ("from_status", "step"), LEGAL, ids=[f"{src}->{step.to}" for src, step in LEGAL]
)
def test_each_legal_step_is_recorded_and_publishes_its_event(author, editor, from_status, step):
    submission = in_status(author, from_status, check_failed=step.when == Condition.CHECK_FAILED)
    actor = actor_for(step.by, author, editor)
    submission_transition(
        submission=submission,
        to_status=step.to,
        actor=actor,
        comment="Well argued.",
        note="Between us: borderline.",
    )
    assert Submission.objects.get(pk=submission.pk).status == step.to
    done = Transition.objects.filter(submission=submission).latest("id")
    assert (done.from_status, done.to_status, done.actor) == (from_status, step.to, actor)
    assert done.comment == "Well argued."
    assert Note.objects.get(transition=done).text == "Between us: borderline."
    events = list(OutboxEvent.objects.all())
    if step.to == Status.CHECKED:
        assert events == []  # the plagiarism app publishes plagiarism_checked instead
        return
    (event,) = events
    assert event.event_type == "submission_decided" and event.key == str(submission.id)
    assert event.version == 2
    assert event.payload["from_status"] == from_status
    assert event.payload["to_status"] == step.to
    assert event.payload["editor_id"] == (editor.pk if step.by == Actor.EDITOR else None)
    assert event.payload["comment"] == "Well argued."
    assert "note" not in event.payload  # notes never leave the editors' side


NOT_IN_TABLE = [(src, dst) for src in Status for dst in Status if step_between(src, dst) is None]


@pytest.mark.parametrize(("from_status", "to_status"), NOT_IN_TABLE)
def test_a_step_the_table_lacks_is_refused_saying_what_is_possible(
    author, editor, from_status, to_status
):
    submission = in_status(author, from_status)
    with pytest.raises(TransitionNotAllowed) as refused:
        submission_transition(submission=submission, to_status=to_status, actor=editor)
    message = str(refused.value)
    assert status_label(from_status) in message
    possible = [s for s in steps_for(submission, editor)]
    if from_status == to_status:
        assert "already" in message
    elif possible:
        assert all(f"“{s.to.value}”" in message for s in possible)
    elif from_status in FINAL:
        assert "the decision is final" in message
    else:
        assert "No step is open to you now: it waits for" in message
    assert Submission.objects.get(pk=submission.pk).status == from_status
    assert Transition.objects.filter(submission=submission).count() == 1  # only "submitted"
    assert not OutboxEvent.objects.exists()


WRONG_PERSON = [
    (Status.UNDER_REVIEW, Status.ACCEPTED, "author", "only an editor"),
    (Status.CHECKED, Status.UNDER_REVIEW, "author", "only an editor"),
    (Status.UNDER_REVIEW, Status.WITHDRAWN, "editor", "only the paper's author"),
    (Status.SUBMITTED, Status.CHECKED, "editor", "only the plagiarism check"),
]


@pytest.mark.parametrize(("from_status", "to_status", "who", "message"), WRONG_PERSON)
def test_a_step_taken_by_the_wrong_person_is_refused(
    author, editor, from_status, to_status, who, message
):
    submission = in_status(author, from_status)
    with pytest.raises(TransitionNotAllowed, match=message):
        submission_transition(
            submission=submission, to_status=to_status, actor=actor_for(who, author, editor)
        )
    assert Submission.objects.get(pk=submission.pk).status == from_status
    assert not OutboxEvent.objects.exists()


def test_a_paper_still_being_checked_cannot_be_desk_rejected_until_its_check_fails(author, editor):
    submission = in_status(author, Status.SUBMITTED)
    with pytest.raises(TransitionNotAllowed, match="only when the check has failed"):
        submission_transition(submission=submission, to_status=Status.REJECTED, actor=editor)
    failed = in_status(author, Status.SUBMITTED, check_failed=True)
    assert {s.to for s in steps_for(failed, editor)} == {Status.UNDER_REVIEW, Status.REJECTED}
    submission_transition(submission=failed, to_status=Status.REJECTED, actor=editor)
    assert Submission.objects.get(pk=failed.pk).status == Status.REJECTED


def test_going_back_to_submitted_is_only_by_sending_a_version(author):
    submission = in_status(author, Status.REVISION_REQUESTED)
    with pytest.raises(TransitionNotAllowed, match="sends a new version"):
        submission_transition(submission=submission, to_status=Status.SUBMITTED, actor=author)


def test_an_editor_asked_to_decide_on_a_paper_still_being_checked_is_told_why(author, editor):
    submission = in_status(author, Status.SUBMITTED)
    with pytest.raises(TransitionNotAllowed) as refused:
        submission_transition(submission=submission, to_status=Status.ACCEPTED, actor=editor)
    assert str(refused.value) == (
        "A paper whose status is “Received” cannot be accepted. "
        "No step is open to you now: it waits for its similarity check."
    )


def test_refusals_use_words_for_people(author):
    submission = in_status(author, Status.WITHDRAWN)
    with pytest.raises(TransitionNotAllowed) as refused:
        submission_transition(submission=submission, to_status=Status.WITHDRAWN, actor=author)
    assert str(refused.value) == "The paper's status is already “Withdrawn”."


def test_another_author_cannot_withdraw(author, other_author):
    submission = in_status(author, Status.SUBMITTED)
    with pytest.raises(TransitionNotAllowed, match="only the paper's author"):
        submission_transition(submission=submission, to_status=Status.WITHDRAWN, actor=other_author)


def test_withdrawing_is_not_a_decision(author, editor):
    submission = in_status(author, Status.UNDER_REVIEW)
    with pytest.raises(TransitionNotAllowed, match="is not a decision"):
        submission_decide(submission=submission, decision=Status.WITHDRAWN, editor=editor)


def test_a_finished_check_moves_a_submission_to_checked(author):
    submission = in_status(author, Status.SUBMITTED)
    checked, current = submission_mark_checked(submission_id=submission.pk, paper_version=1)
    assert current
    assert checked.status == Status.CHECKED


def test_a_finished_check_of_a_withdrawn_submission_keeps_it_withdrawn(author):
    submission = in_status(author, Status.WITHDRAWN)
    checked, _ = submission_mark_checked(submission_id=submission.pk, paper_version=1)
    assert checked.status == Status.WITHDRAWN


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
