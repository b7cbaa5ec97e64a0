"""Nothing a message carries crashes a consumer or makes it loop.

Every hostile message here is produced raw to the real broker, the way a broken producer or
an attacker with write access to a topic would, and read by the real runner.
"""

import json
import logging
import uuid

import pytest
from django.db import DataError, OperationalError
from django.utils import timezone
from kafka import KafkaProducer
from kafka.structs import TopicPartition

from contracts.events import PaperUploaded, PlagiarismChecked
from contracts.topics import Topic, dead_letter_topic_name, topic_name
from harness import read_topic, running_consumer, wait_until
from notifications.handlers import GROUP as NOTIFICATIONS
from notifications.models import Notification
from outbox.models import DeadLetter, ProcessedEvent
from submissions.models import Submission
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A value just under what a producer may send by default (1 MiB with the batch's overhead):
# it reaches the topic, but not the dead-letter topic with the failure's headers added.
NEAR_LIMIT = 1_048_000


class RawHeaderName(str):
    """A header name that goes on the wire as bytes that are not UTF-8 (kafka-python
    encodes header names itself, so a plain producer cannot send one)."""

    def encode(self, *args, **kwargs) -> bytes:
        return b"ce_\xff\xfe"


def raw_producer() -> KafkaProducer:
    from django.conf import settings

    return KafkaProducer(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS, acks="all")


def good_headers(*, event_id: str | None = None, **override: bytes) -> list[tuple[str, bytes]]:
    headers = {
        "ce_specversion": b"1.0",
        "ce_id": (event_id or str(uuid.uuid4())).encode(),
        "ce_type": PaperUploaded.ce_type().encode(),
        "ce_source": b"/submissions",
        "ce_time": timezone.now().isoformat().encode(),
        "content-type": b"application/json",
    } | override
    return list(headers.items())


def body(paper: Submission, **override) -> bytes:
    data = {
        "submission_id": str(paper.pk),
        "author_id": paper.author_id,
        "title": paper.title,
        "content_hash": "0" * 64,
        "word_count": 20,
        "paper_version": 1,
    } | override
    return json.dumps(data).encode()


def submission_of(author, title: str = "Hostile input") -> Submission:
    return Submission.objects.create(
        author=author, title=title, text="words " * 20, word_count=20, content_hash="0" * 64
    )


def hostile_messages(paper: Submission) -> dict[str, tuple[bytes | None, list]]:
    """Name → (value, headers) of every kind of message that must be dead-lettered."""
    return {
        "not json": (b"\xff\x00{ not json", good_headers()),
        "json of the wrong shape": (b"[1, 2, 3]", good_headers()),
        "no value at all": (None, good_headers()),
        "unknown ce_type": (body(paper), good_headers(ce_type=b"org.papers.paper_shredded.v1")),
        "no headers": (body(paper), []),
        "NUL in ce_id": (body(paper), good_headers(ce_id=b"\x00" + str(uuid.uuid4()).encode())),
        "invalid UTF-8 in ce_type": (body(paper), good_headers(ce_type=b"org.papers.\xff\xfe.v1")),
        "invalid UTF-8 in ce_time": (body(paper), good_headers(ce_time=b"2026-11-28T\xff")),
        "ce_time without a zone": (body(paper), good_headers(ce_time=b"2026-11-28T10:00:00")),
        "NUL in a field": (body(paper, title="before\u0000after"), good_headers()),
        "a lone surrogate in a field": (
            b'{"submission_id": "%s", "author_id": 1, "title": "\\ud800", '
            b'"content_hash": "%s", "word_count": 1}' % (str(paper.pk).encode(), b"0" * 64),
            good_headers(),
        ),
        "invalid UTF-8 in the body": (
            body(paper, title="X").replace(b'"X"', b'"\xff\xfe"'),
            good_headers(),
        ),
        "an integer past any column": (body(paper, word_count=10**30), good_headers()),
        "a value near the broker's limit": (
            body(paper, title="t" * NEAR_LIMIT)[:NEAR_LIMIT],
            good_headers(),
        ),
    }


def test_every_hostile_message_is_dead_lettered_and_the_consumer_goes_on(kafka_topics, caplog):
    author = UserFactory()
    paper = submission_of(author)
    papers = topic_name(Topic.PAPER_UPLOADED)
    producer = raw_producer()
    hostile = hostile_messages(paper)
    for value, headers in hostile.values():
        producer.send(papers, key=b"one-key", value=value, headers=headers).get(30)
    # A header name that is not UTF-8 breaks the Kafka client's own parsing.
    unreadable = [*good_headers(), (RawHeaderName("x"), b"1")]
    producer.send(papers, key=b"one-key", value=body(paper), headers=unreadable).get(30)
    good_id = str(uuid.uuid4())
    producer.send(papers, key=b"one-key", value=body(paper), headers=good_headers(event_id=good_id))
    producer.flush(30)
    producer.close()

    with caplog.at_level(logging.WARNING), running_consumer(NOTIFICATIONS, backoff_seconds=0.01):
        wait_until(
            lambda: ProcessedEvent.objects.filter(event_id=good_id).exists(),
            timeout=90,
            what="the good event after the hostile ones",
        )
    # running_consumer re-raises anything the runner raised: it neither crashed nor stopped.
    expected = len(hostile) + 1
    letters = list(DeadLetter.objects.order_by("offset"))
    assert [letter.offset for letter in letters] == list(range(expected))
    assert all(letter.reason == DeadLetter.Reason.INVALID for letter in letters)
    assert all(letter.attempts == 1 for letter in letters)  # at once, no retries
    assert "unreadable by the Kafka client" in letters[-1].error
    assert letters[-1].value is None
    assert bytes(letters[-2].value) == hostile["a value near the broker's limit"][0]

    records = read_topic(dead_letter_topic_name(papers), expected=expected)
    assert sorted(int(dict(r.headers)["dlq_original_offset"]) for r in records) == list(
        range(expected)
    )
    near_limit = next(r for r in records if dict(r.headers)["dlq_original_offset"] == b"13")
    assert near_limit.value == b""  # too large with its headers: the row keeps it
    assert dict(near_limit.headers)["dlq_value_omitted"] == str(NEAR_LIMIT).encode()

    (notification,) = Notification.objects.all()  # only the good event had an effect
    assert notification.user == author
    assert str(notification.event_id) == good_id


def test_the_dead_letter_limit_pauses_the_group_instead_of_draining_the_topic(
    kafka_topics, settings, caplog
):
    settings.CONSUMER_DLQ_WINDOW = 10
    settings.CONSUMER_DLQ_MAX_RATIO = 0.3  # at most 3 of the last 10 events
    paper = submission_of(UserFactory())
    papers = topic_name(Topic.PAPER_UPLOADED)
    producer = raw_producer()
    for _ in range(8):  # a bad deploy: nothing valid any more
        producer.send(papers, key=b"k", value=b"not json", headers=good_headers()).get(30)
    producer.send(papers, key=b"k", value=body(paper), headers=good_headers()).get(30)
    producer.close()

    with caplog.at_level(logging.WARNING), running_consumer(NOTIFICATIONS) as runner:
        wait_until(lambda: runner.paused, timeout=60, what="the consumer to pause")
        wait_until(
            lambda: runner.consumer is not None and not runner.pending,
            timeout=30,
            what="the offsets of the dead-lettered events to be committed",
        )
        assert DeadLetter.objects.count() == 3
        assert "consumer.dlq_limit_reached group=notifications dead_lettered=3" in caplog.text
        tp = TopicPartition(papers, DeadLetter.objects.first().partition)
        assert runner.consumer.committed(tp) == 3  # the fourth bad event is not committed
    assert not Notification.objects.exists()

    # After the fix an operator restarts the consumer: it goes on from the fourth.
    settings.CONSUMER_DLQ_MAX_RATIO = 1.0
    with running_consumer(NOTIFICATIONS) as runner:
        wait_until(lambda: Notification.objects.exists(), timeout=60, what="the good event")
    assert DeadLetter.objects.count() == 8


def test_a_database_that_refuses_the_dead_letter_row_stops_nothing(
    kafka_topics, monkeypatch, caplog
):
    paper = submission_of(UserFactory())
    papers = topic_name(Topic.PAPER_UPLOADED)
    refusals = [OperationalError("the server closed the connection"), DataError("refused")]
    real_get_or_create = DeadLetter.objects.get_or_create

    def refusing_get_or_create(*args, **kwargs):
        if refusals:
            raise refusals.pop(0)
        return real_get_or_create(*args, **kwargs)

    monkeypatch.setattr(DeadLetter.objects, "get_or_create", refusing_get_or_create)
    producer = raw_producer()
    producer.send(papers, key=b"k", value=b"not json", headers=good_headers()).get(30)
    good_id = str(uuid.uuid4())
    headers = good_headers(event_id=good_id)
    producer.send(papers, key=b"k", value=body(paper), headers=headers).get(30)
    producer.close()

    with caplog.at_level(logging.WARNING), running_consumer(NOTIFICATIONS, backoff_seconds=0.01):
        wait_until(lambda: Notification.objects.exists(), timeout=60, what="the good event")
    assert "consumer.dead_letter_failed" in caplog.text  # the transient error: retried
    assert "consumer.dead_letter_row_failed" in caplog.text  # the refusal: logged, not fatal
    assert not DeadLetter.objects.exists()
    (record,) = read_topic(dead_letter_topic_name(papers), expected=1)
    assert record.value == b"not json"  # the Kafka copy went all the same


def test_analytics_holds_an_event_until_its_submissions_upload_is_applied(kafka_topics, caplog):
    """Analytics knows a submission from its upload event alone (a rebuild reads nothing but
    Kafka): a check about a paper it never saw uploaded is held, counted nowhere, and applied
    when the upload comes."""
    from analytics.handlers import GROUP as ANALYTICS
    from analytics.models import DailyEventCount, HeldEvent, SubmissionFact

    ghost = Submission(id=uuid.uuid4(), author_id=1, title="Not uploaded yet")  # not saved
    real = submission_of(UserFactory())
    checked = {
        "submission_id": str(ghost.pk),
        "overall_score": 0.4,
        "flagged": True,
        "source_count": 1,
        "algorithm_version": "v",
        "duration_ms": 5,
    }
    producer = raw_producer()
    check_id, real_id, upload_id = (str(uuid.uuid4()) for _ in range(3))
    check_headers = good_headers(
        event_id=check_id,
        ce_type=PlagiarismChecked.ce_type().encode(),
        ce_source=b"/plagiarism",
    )
    producer.send(
        topic_name(Topic.PLAGIARISM_CHECKED),
        key=b"k",
        value=json.dumps(checked).encode(),
        headers=check_headers,
    ).get(30)
    producer.send(
        topic_name(Topic.PAPER_UPLOADED),
        key=b"k",
        value=body(real),
        headers=good_headers(event_id=real_id),
    ).get(30)
    with caplog.at_level(logging.INFO), running_consumer(ANALYTICS):
        wait_until(
            lambda: ProcessedEvent.objects.filter(event_id__in=[check_id, real_id]).count() == 2,
            timeout=60,
            what="both events",
        )
        assert sum(DailyEventCount.objects.values_list("count", flat=True)) == 1  # the upload
        assert list(HeldEvent.objects.values_list("submission_id", flat=True)) == [ghost.pk]
        assert f"analytics.held reason=upload_not_applied event_id={check_id}" in caplog.text

        producer.send(
            topic_name(Topic.PAPER_UPLOADED),
            key=b"k",
            value=body(ghost),
            headers=good_headers(event_id=upload_id),
        ).get(30)
        producer.close()
        wait_until(
            lambda: ProcessedEvent.objects.filter(event_id=upload_id).exists(),
            timeout=60,
            what="the ghost's upload",
        )
    assert sum(DailyEventCount.objects.values_list("count", flat=True)) == 3
    assert not HeldEvent.objects.exists()
    fact = SubmissionFact.objects.get(submission_id=ghost.pk)
    assert fact.score == 0.4 and fact.status == "checked"
    assert not DeadLetter.objects.exists()
