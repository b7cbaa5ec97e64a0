"""rebuild_analytics: the aggregates recomputed from Kafka equal the live ones, and events
arriving while it runs are counted exactly once."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from analytics.handlers import GROUP
from analytics.selectors import analytics_summary
from analytics.services import LIVE
from analytics.tests.events import DAY, Sender, paper_history
from harness import running_consumer, wait_until
from outbox.models import ProcessedEvent
from outbox.wire import ReceivedEvent

pytestmark = pytest.mark.django_db(transaction=True)


def histories(n: int, *, start=DAY) -> list[list[ReceivedEvent]]:
    decisions = [
        (),
        ("under_review",),
        ("under_review", "accepted"),
        ("withdrawn",),
        ("rejected",),  # a desk reject
        ("under_review", "revision_requested", "submitted", "under_review", "accepted"),
    ]
    return [
        paper_history(
            uploaded=start + timedelta(hours=7 * i),
            score=None if i % 5 == 4 else (i * 0.037) % 1,
            check_seconds=5 + i,
            decisions=decisions[i % len(decisions)] if i % 5 != 4 else (),
        )
        for i in range(n)
    ]


def applied() -> int:
    return ProcessedEvent.objects.filter(group=GROUP.name).count()


def live_rows() -> dict[str, list]:
    rows = {}
    with connection.cursor() as cursor:
        for table in LIVE.all():
            columns = "day, event_type, count" if table == LIVE.daily else "*"  # not its ids
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2")  # noqa: S608
            rows[table] = cursor.fetchall()
    return rows


def wipe_live_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(LIVE.all())}")


def test_the_rebuilt_aggregates_equal_the_live_ones(kafka_topics):
    events = [event for history in histories(24) for event in history]
    sender = Sender()
    for event in events:
        sender.send(event)
    for event in events[:5]:
        sender.send(event)  # delivered twice, as the relay may
    sender.send_garbage()
    sender.close()

    with running_consumer(GROUP, backoff_seconds=0.01):
        wait_until(lambda: applied() == len(events), timeout=90, what="the live consumer")
        live_summary, rows = analytics_summary(), live_rows()
        assert live_summary.total == 24
        assert live_summary.revision_count > 0 and live_summary.desk_rejects > 0

        wipe_live_tables()  # what the rebuild must recompute: nothing left to copy from
        assert analytics_summary().total == 0
        out = io.StringIO()
        call_command("rebuild_analytics", stdout=out)

        assert analytics_summary() == live_summary
        assert live_rows() == rows
        assert f"rebuilt analytics from {len(events)} events" in out.getvalue()
        assert "5 duplicates skipped, 1 invalid messages skipped" in out.getvalue()

        # The live consumer goes on from where it was, counting new events once.
        later = [
            event for history in histories(3, start=DAY + timedelta(days=30)) for event in history
        ]
        sender = Sender()
        for event in later:
            sender.send(event)
        sender.close()
        wait_until(lambda: applied() == len(events) + len(later), timeout=60, what="new events")
    assert analytics_summary().total == 27


def test_events_arriving_during_a_rebuild_are_counted_exactly_once(kafka_topics):
    first = [event for history in histories(40) for event in history]
    sender = Sender()
    for event in first:
        sender.send(event)
    sender.close()
    during = histories(60, start=DAY + timedelta(days=20))
    stop = threading.Event()

    def keep_sending() -> None:
        sender = Sender()
        try:
            for history in during:
                for event in history:
                    sender.send(event)
                sender.producer.flush(10)
                time.sleep(0.02)
                if stop.is_set():
                    break
        finally:
            sender.close()

    with running_consumer(GROUP, backoff_seconds=0.01):
        wait_until(lambda: applied() == len(first), timeout=90, what="the live consumer")
        thread = threading.Thread(target=keep_sending)
        thread.start()
        try:
            call_command("rebuild_analytics", stdout=io.StringIO())
        finally:
            thread.join(timeout=60)
        expected = len(first) + sum(len(history) for history in during)
        wait_until(lambda: applied() == expected, timeout=90, what="every event applied")

    summary = analytics_summary()
    assert summary.total == 100
    uploads = sum(1 for h in [first, *during] for e in h if e.data.event_type == "paper_uploaded")
    assert summary.events["paper_uploaded"] == uploads > 100  # first uploads and revisions
    assert sum(summary.events.values()) == expected
    all_histories = [first, *during]
    decisions = sum(
        1
        for history in all_histories
        for event in history
        if event.data.event_type == "submission_decided"
    )
    assert sum(summary.decisions.values()) == decisions


def test_a_rebuild_without_the_topics_exits_with_one_line_and_changes_nothing(settings):
    settings.KAFKA_TOPIC_PREFIX = "missing-topics-"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"topic missing-topics-\S+ does not exist"):
        call_command("rebuild_analytics", stdout=io.StringIO())
