"""Each version gets its own check; a paper's earlier versions never count against it; a
failed or stale check can be run again by editors."""

import pytest

from contracts.codes import Status
from harness import client_for, wait_until
from outbox.models import OutboxEvent
from plagiarism import engine, postings
from plagiarism.models import IndexDoc, Report
from plagiarism.services import check_fail, check_run
from plagiarism.tests.factories import check_state, prose
from submissions.models import Submission
from submissions.services import submission_create, submission_version_add
from submissions.tests.factories import EditorFactory, UserFactory


def versioned(author, first: str, second: str) -> Submission:
    submission = submission_create(author=author, title="Twice", text=first)
    check_run(submission_id=str(submission.pk))
    submission_version_add(submission=submission, author=author, text=second)
    return Submission.objects.get(pk=submission.pk)


@pytest.mark.django_db
def test_a_second_version_is_checked_without_counting_the_first():
    author = UserFactory()
    first = prose(1, 400)
    submission = versioned(author, first, first + " " + prose(2, 50))
    outcome = check_run(submission_id=str(submission.pk))
    assert outcome.report.paper_version == 2
    assert outcome.report.score == 0.0 and outcome.report.versions_score == pytest.approx(400 / 450)
    (earlier,) = outcome.report.sources.all()  # its first version, reported apart
    assert earlier.kind == "version" and earlier.source_version == 1 and not earlier.counts
    fresh = Submission.objects.get(pk=submission.pk)
    assert fresh.status == Status.CHECKED and check_state(submission, 2) == "done"
    # The index holds version 2 now, not both.
    (doc,) = IndexDoc.objects.filter(submission_id=submission.pk)
    words = engine.prepare(first + " " + prose(2, 50), engine.Config())
    expected = postings.fold(h for h, _ in engine.fingerprint(words, engine.Config()))
    assert bytes(doc.pending_prints) == expected.tobytes()


@pytest.mark.django_db
def test_a_second_version_still_counts_someone_elses_earlier_paper():
    borrowed = prose(3, 300)
    check_run(
        submission_id=str(submission_create(author=UserFactory(), title="Source", text=borrowed).pk)
    )
    author = UserFactory()
    submission = versioned(author, prose(4, 300), prose(4, 300) + " " + borrowed)
    report = check_run(submission_id=str(submission.pk)).report
    assert report.flagged and report.score > 0.4


@pytest.mark.django_db
def test_a_check_of_a_version_superseded_meanwhile_changes_nothing_but_its_own_report():
    author = UserFactory()
    submission = submission_create(author=author, title="Quick", text=prose(5, 300))
    submission_version_add(submission=submission, author=author, text=prose(6, 300))
    OutboxEvent.objects.all().delete()
    old = check_run(submission_id=str(submission.pk), paper_version=1)
    assert old.report.paper_version == 1
    fresh = Submission.objects.get(pk=submission.pk)
    assert fresh.status == Status.SUBMITTED and check_state(submission, 2) is None  # to check
    assert not OutboxEvent.objects.exists()  # nobody is told about a superseded version
    assert not IndexDoc.objects.filter(submission_id=submission.pk).exists()
    assert check_state(submission, 1) == "done"


@pytest.mark.django_db
def test_the_report_endpoint_shows_the_current_versions_report():
    author = UserFactory()
    submission = versioned(author, prose(7, 300), prose(8, 300))
    api = client_for(author)
    waiting = api.get(f"/api/submissions/{submission.pk}/report/")
    assert waiting.status_code == 404 and "version 2" in waiting.json()["detail"]
    check_run(submission_id=str(submission.pk))
    report = api.get(f"/api/submissions/{submission.pk}/report/").json()
    assert report["paper_version"] == 2


@pytest.mark.django_db
def test_a_failed_check_is_told_to_the_editors_through_the_outbox():
    submission = submission_create(author=UserFactory(), title="Unlucky", text=prose(9, 100))
    OutboxEvent.objects.all().delete()
    check_fail(submission_id=str(submission.pk), error="RuntimeError: disk full")
    (event,) = OutboxEvent.objects.all()
    assert event.event_type == "plagiarism_check_failed"
    assert event.payload["paper_version"] == 1


@pytest.mark.django_db
def test_recheck_is_for_editors_and_only_when_there_is_something_to_run_again():
    author, editor = UserFactory(), EditorFactory()
    submission = submission_create(author=author, title="Checked", text=prose(10, 100))
    office = client_for(editor)
    path = f"/api/submissions/{submission.pk}/recheck/"
    running = office.post(path)
    assert running.status_code == 409 and "has not finished yet" in running.json()["detail"]
    check_run(submission_id=str(submission.pk))
    done = office.post(path)
    assert done.status_code == 409 and "up to date" in done.json()["detail"]
    assert client_for(author).post(path).status_code == 404


def test_a_recheck_of_a_failed_check_runs_it_again_on_a_real_worker(celery_worker):
    author, editor = UserFactory(), EditorFactory()
    submission = submission_create(author=author, title="Failed once", text=prose(11, 200))
    check_fail(submission_id=str(submission.pk), error="RuntimeError: disk full")
    assert check_state(submission) == "failed"
    response = client_for(editor).post(f"/api/submissions/{submission.pk}/recheck/")
    assert response.status_code == 202, response.content
    assert response.json()["paper_version"] == 1
    assert check_state(submission) == "waiting"
    wait_until(
        lambda: Submission.objects.get(pk=submission.pk).status == Status.CHECKED,
        timeout=60,
        what="the check run again",
    )
    (report,) = Report.objects.filter(submission_id=submission.pk)
    assert report.state == Report.State.DONE
