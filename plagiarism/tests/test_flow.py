"""The whole flow: paper_uploaded on Kafka → consume_plagiarism → a real Celery worker →
report, index, status and plagiarism_checked, once."""

import pytest
from rest_framework.test import APIClient

from harness import running_consumer, wait_until
from outbox.models import OutboxEvent
from outbox.relay import Relay
from plagiarism.handlers import GROUP as PLAGIARISM
from plagiarism.models import IndexDoc, Report
from plagiarism.selectors import check_summary
from plagiarism.services import check_fail, check_run
from plagiarism.tests.factories import check_state, prose
from submissions.models import Status, Submission
from submissions.services import submission_create, submission_withdraw
from submissions.tests.factories import EditorFactory, UserFactory


def relay_all() -> None:
    relay = Relay()
    while relay.run_once():
        pass
    relay.close()


def checked(submission: Submission) -> bool:
    return Submission.objects.get(pk=submission.pk).status == Status.CHECKED


def test_an_upload_is_checked_through_kafka_and_a_real_worker(kafka_topics, celery_worker):
    original_author, copier = UserFactory(), UserFactory()
    copied = prose(1, 80)
    original = submission_create(
        author=original_author, title="The original", text=f"{prose(2, 100)} {copied}"
    )
    with running_consumer(PLAGIARISM):
        relay_all()
        wait_until(lambda: checked(original), timeout=60, what="the original to be checked")
        copy = submission_create(author=copier, title="The copy", text=f"{copied} {prose(3, 120)}")
        relay_all()
        wait_until(lambda: checked(copy), timeout=60, what="the copy to be checked")

    report = Report.objects.get(submission_id=copy.pk)
    (source,) = report.sources.all()
    assert str(source.source_submission_id) == str(original.pk)
    assert report.score == pytest.approx(80 / 200, abs=0.01) and report.flagged
    summary = check_summary(submission_id=copy.pk, paper_version=1)
    assert summary.score == report.score and summary.flagged
    assert IndexDoc.objects.count() == 2
    events = OutboxEvent.objects.filter(event_type="plagiarism_checked", key=str(copy.pk))
    (event,) = events
    assert event.payload["flagged"] and event.payload["source_count"] == 1

    api = APIClient()
    api.force_authenticate(copier)
    body = api.get(f"/api/submissions/{copy.pk}/report/").json()
    assert body["state"] == "done" and body["flagged"] and body["view"] == "author"
    (passage,) = body["passages"]
    assert passage["text"] == copied and passage["kind_label"] == "another submission"
    assert "The original" not in str(body) and str(original.pk) not in str(body)
    api.force_authenticate(EditorFactory())
    body = api.get(f"/api/submissions/{copy.pk}/report/").json()
    (passage,) = body["sources"][0]["passages"]
    assert passage["text"] == copied == passage["source_text"]
    assert body["sources"][0]["title"] == "The original"


@pytest.mark.django_db
def test_a_second_check_of_the_same_submission_changes_nothing():
    submission = submission_create(author=UserFactory(), title="Once", text=prose(4, 100))
    first = check_run(submission_id=str(submission.pk))
    second = check_run(submission_id=str(submission.pk))
    assert first.created and not second.created
    assert Report.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="plagiarism_checked").count() == 1
    assert Submission.objects.get(pk=submission.pk).history.count() == 2  # submitted, checked


@pytest.mark.django_db
def test_a_check_that_keeps_failing_shows_on_the_submission_and_the_report():
    author = UserFactory()
    submission = submission_create(author=author, title="Unlucky", text=prose(5, 100))
    check_fail(submission_id=str(submission.pk), error="RuntimeError: disk full")
    api = APIClient()
    api.force_authenticate(author)
    detail = api.get(f"/api/submissions/{submission.pk}/").json()
    assert detail["status"] == "submitted"
    assert detail["plagiarism"]["error"] == (
        "the similarity check could not be done; the editors are told"
    )
    report = api.get(f"/api/submissions/{submission.pk}/report/").json()
    assert report["state"] == "failed" and report["view"] == "author"
    assert report["error"] == "the similarity check could not be done; the editors are told"
    assert "disk full" not in str(report)  # the exception's text is for editors only
    api.force_authenticate(EditorFactory())
    report = api.get(f"/api/submissions/{submission.pk}/report/").json()
    assert report["view"] == "editor" and report["error"] == "RuntimeError: disk full"
    # A later successful check replaces the failure.
    assert check_run(submission_id=str(submission.pk)).created
    assert Report.objects.get().state == Report.State.DONE


@pytest.mark.django_db
def test_the_report_is_only_for_its_author_and_staff():
    author, stranger = UserFactory(), UserFactory()
    submission = submission_create(author=author, title="Mine", text=prose(6, 100))
    api = APIClient()
    api.force_authenticate(author)
    missing = api.get(f"/api/submissions/{submission.pk}/report/")
    assert missing.status_code == 404 and "no similarity report yet" in missing.json()["detail"]
    check_run(submission_id=str(submission.pk))
    assert api.get(f"/api/submissions/{submission.pk}/report/").status_code == 200
    api.force_authenticate(stranger)
    assert api.get(f"/api/submissions/{submission.pk}/report/").status_code == 404
    editor = EditorFactory()
    api.force_authenticate(editor)
    assert api.get(f"/api/submissions/{submission.pk}/report/").status_code == 200


@pytest.mark.django_db
def test_a_failing_check_is_retried_then_recorded_as_failed(settings, monkeypatch):
    from plagiarism import tasks

    settings.PLAGIARISM_TASK_MAX_RETRIES = 2
    calls = []

    def broken(*, submission_id, paper_version=None):
        calls.append(submission_id)
        raise RuntimeError("the index is unavailable")

    monkeypatch.setattr(tasks, "check_run", broken)
    submission = submission_create(author=UserFactory(), title="Retried", text=prose(7, 100))
    result = tasks.check_submission.apply(args=[str(submission.pk)])  # runs here, with retries
    assert result.failed()
    assert len(calls) == 3  # the first try and two retries
    report = Report.objects.get(submission_id=submission.pk)
    assert report.state == Report.State.FAILED
    assert report.error == "RuntimeError: the index is unavailable"
    assert check_state(submission) == "failed"


def test_a_submission_whose_check_was_lost_is_checked_by_the_sweep(
    kafka_topics, celery_worker, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from plagiarism.models import Check
    from plagiarism.services import check_expect
    from plagiarism.tasks import sweep_waiting

    settings.PLAGIARISM_SWEEP_AFTER_MINUTES = 10
    author = UserFactory()
    waiting = submission_create(author=author, title="Forgotten", text=prose(8, 100))
    withdrawn = submission_create(author=author, title="Withdrawn early", text=prose(10, 100))
    submission_withdraw(submission=withdrawn, author=author)  # before its check ran
    fresh = submission_create(author=UserFactory(), title="Just in", text=prose(9, 100))
    for paper in (waiting, withdrawn, fresh):  # what the consumer did before the task got lost
        check_expect(submission_id=paper.pk, paper_version=1)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Check.objects.filter(submission_id__in=[waiting.pk, withdrawn.pk]).update(
        created_at=an_hour_ago
    )

    assert sweep_waiting() == 2  # the fresh one still has time
    for lost in (waiting, withdrawn):
        reports = Report.objects.filter(submission_id=lost.pk, state=Report.State.DONE)
        wait_until(reports.exists, timeout=60, what="a swept submission's check")
        assert reports.count() == 1
    assert checked(waiting) and not checked(fresh)
    assert Submission.objects.get(pk=withdrawn.pk).status == Status.WITHDRAWN
    assert sweep_waiting() == 0  # nothing is left waiting


@pytest.mark.django_db
def test_a_paper_indexed_while_a_check_ran_is_not_missed(monkeypatch):
    """Two checks side by side: the source is indexed after the copy's check looked at the
    index but before it committed; the copy's check looks again."""
    from plagiarism import services

    shared = prose(20, 60)
    source = submission_create(author=UserFactory(), title="Racing source", text=shared)
    copy = submission_create(
        author=UserFactory(), title="Racing copy", text=f"{prose(21, 60)} {shared}"
    )
    real_check = services.engine.check
    calls = []

    def check_then_let_the_other_commit(*args, **kwargs):
        result = real_check(*args, **kwargs)
        calls.append(result.score)
        if len(calls) == 1:  # the copy's first look, before the source is in the index
            check_run(submission_id=str(source.pk))
        return result

    monkeypatch.setattr(services.engine, "check", check_then_let_the_other_commit)
    check_run(submission_id=str(copy.pk))
    report = Report.objects.get(submission_id=copy.pk)
    assert calls[0] == 0  # the first look saw nothing
    assert report.score == pytest.approx(0.5) and report.flagged
    assert str(report.sources.get().source_submission_id) == str(source.pk)
