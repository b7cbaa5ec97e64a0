"""Bounded cost per check: linear exclusions, a word cap the report states, time limits that
end in a recorded failure, and checks and emails on queues of their own."""

import psycopg
import pytest
from django.db import connection

from config.celery import route_task
from config.locks import AdvisoryLock
from harness import client_for, wait_until
from plagiarism import engine
from plagiarism.models import Report
from plagiarism.services import check_run
from plagiarism.tasks import check_submission
from plagiarism.tests.factories import check_state, prose
from submissions.services import submission_create
from submissions.tests.factories import UserFactory


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    return {"PLAGIARISM_MAX_WORDS": "0"}  # no word cap: the whole paper is read


def test_quotation_storms_are_excluded_whole_and_unclosed_marks_count_as_prose():
    assert engine.prepare('"ab" ' * 20_000).counted_words == 0
    assert engine.prepare("“ab " * 20_000).counted_words == 20_000  # never closed
    mixed = engine.prepare('We said "this is quoted" and then\n\n"not this one at all')
    assert [t.word for t, c in zip(mixed.tokens, mixed.counted, strict=True) if c] == [
        "we", "said", "and", "then", "not", "this", "one", "at", "all",
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_paper_over_the_word_cap_is_checked_on_its_first_words_and_the_report_says_so(
    settings,
):
    settings.PLAGIARISM_MAX_WORDS = 50
    author = UserFactory()
    submission = submission_create(author=author, title="Long", text=prose(31, 400))
    check_run(submission_id=str(submission.pk))
    report = Report.objects.get(submission_id=submission.pk)
    assert report.words_limit == 50 and report.counted_words == 50
    body = client_for(author).get(f"/api/submissions/{submission.pk}/report/").json()
    assert body["words_limit"] == 50

    settings.PLAGIARISM_MAX_WORDS = 1000
    short = submission_create(author=author, title="Short", text=prose(32, 400))
    check_run(submission_id=str(short.pk))
    assert Report.objects.get(submission_id=short.pk).words_limit is None


@pytest.mark.django_db(transaction=True)
def test_a_check_past_its_time_limit_is_recorded_failed_with_a_reason_editors_see(
    kafka_topics, celery_worker, settings
):
    # About 5 s of checking: Celery's pool looks at time limits once a second or so.
    settings.SUBMISSION_MAX_WORDS = 1_000_000
    submission = submission_create(author=UserFactory(), title="Huge", text=prose(33, 600_000))
    # The sender's limits travel with the task (every process reads the same settings); a
    # limit no check of 600,000 words meets.
    check_submission.apply_async(args=[str(submission.pk)], soft_time_limit=0.2, time_limit=30)
    reports = Report.objects.filter(submission_id=submission.pk)
    report = wait_until(reports.first, timeout=60, what="the check to end")
    assert report.state == Report.State.FAILED
    assert report.error == (
        "the check took longer than its limit of 0.2 s (PLAGIARISM_TASK_SOFT_SECONDS)"
    )
    assert check_state(submission) == "failed"


WAITING_IN_A_QUERY = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND wait_event_type = 'Lock' AND query LIKE %s
"""

# Where a check can be made to wait inside a query: the statement the test holds up, the
# SQL that holds it up (on a connection of the test's own), and what the waiting query reads.
STALLS = {
    # Outside any transaction: psycopg's connection is left mid-query.
    "reading the index": (
        "LOCK TABLE plagiarism_indexdoc IN ACCESS EXCLUSIVE MODE",
        "%indexdoc%",
    ),
    # Inside the commit's transaction: Django drops the connection, the server query lives on.
    "waiting to commit": (
        f"SELECT pg_advisory_xact_lock({int(AdvisoryLock.CHECK_COMMIT)})",
        "%pg_advisory_xact_lock%",
    ),
}


def waiting_in_a_query(like: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(WAITING_IN_A_QUERY, [like])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("stall", STALLS)
@pytest.mark.django_db(transaction=True)
def test_a_time_limit_that_lands_inside_a_query_is_recorded_too(kafka_topics, celery_worker, stall):
    """The soft limit can interrupt a query: the connection is then unusable, and the query
    may still run on the server, holding its locks."""
    hold, like = STALLS[stall]
    submission = submission_create(author=UserFactory(), title="Stalled", text=prose(37, 300))
    blocker = psycopg.connect(**connection.get_connection_params())
    try:
        blocker.execute(hold)  # held until the blocker's transaction ends
        check_submission.apply_async(args=[str(submission.pk)], soft_time_limit=5, time_limit=40)
        wait_until(lambda: waiting_in_a_query(like), timeout=30, what="the check to wait")
        reports = Report.objects.filter(submission_id=submission.pk)
        report = wait_until(reports.first, timeout=30, what="the failure to be recorded")
        wait_until(lambda: not waiting_in_a_query(like), timeout=15, what="the query to end")
    finally:
        blocker.close()
    assert report.state == Report.State.FAILED
    assert report.error == (
        "the check took longer than its limit of 5 s (PLAGIARISM_TASK_SOFT_SECONDS)"
    )
    assert check_state(submission) == "failed"


@pytest.mark.django_db
def test_a_check_killed_at_its_hard_time_limit_is_recorded_failed_too():
    """Celery calls the task's on_failure in the worker's main process when the hard limit
    killed the check's process (celery.worker.request.Request.on_timeout)."""
    from celery.exceptions import TimeLimitExceeded

    submission = submission_create(author=UserFactory(), title="Stuck", text=prose(35, 100))
    check_submission.on_failure(TimeLimitExceeded(55.0), "task-id", [str(submission.pk)], {}, None)
    report = Report.objects.get(submission_id=submission.pk)
    assert report.state == Report.State.FAILED
    assert report.error == "the check was stopped at its hard time limit of 55 s"
    assert check_state(submission) == "failed"

    other = submission_create(author=UserFactory(), title="Other", text=prose(36, 100))
    check_submission.on_failure(RuntimeError("retried elsewhere"), "id", [str(other.pk)], {}, None)
    assert not Report.objects.filter(submission_id=other.pk).exists()  # only time limits


def test_a_check_carries_the_configured_time_limits(settings):
    assert check_submission.soft_time_limit == settings.PLAGIARISM_TASK_SOFT_SECONDS
    assert check_submission.time_limit == settings.PLAGIARISM_TASK_SOFT_SECONDS + 10


def test_checks_and_emails_go_to_queues_of_their_own(settings):
    settings.CELERY_QUEUE_PREFIX = "p."
    queue = {
        name: route_task(name, (), {}, {})["queue"]
        for name in ("plagiarism.check_submission", "notifications.send_email", "outbox.purge_sent")
    }
    assert queue == {
        "plagiarism.check_submission": "p.checks",
        "notifications.send_email": "p.email",
        "outbox.purge_sent": "p.default",
    }
