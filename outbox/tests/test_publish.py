"""Atomic publish: a change and its event commit together, or not at all."""

import json
import uuid

import pytest
from django.db import transaction
from pydantic import ValidationError

from contracts.events import PaperUploaded
from contracts.topics import Topic, topic_name
from harness import read_topic
from outbox.models import OutboxEvent
from outbox.relay import Relay
from outbox.services import OutsideTransaction, publish_on_commit
from outbox.tests.factories import PaperUploadedFactory
from outbox.tracing import trace_context


def drain(relay: Relay) -> None:
    while relay.run_once():
        pass


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused():
    with pytest.raises(OutsideTransaction, match=r"must run inside transaction\.atomic"):
        publish_on_commit(PaperUploadedFactory())
    assert not OutboxEvent.objects.exists()


def test_an_event_rolled_back_with_its_transaction_never_reaches_kafka(
    kafka_topics, transactional_db
):
    rolled_back, committed = PaperUploadedFactory(), PaperUploadedFactory()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        publish_on_commit(rolled_back)
        raise Abort
    with transaction.atomic():
        publish_on_commit(committed)

    relay = Relay()
    drain(relay)
    relay.close()

    records = read_topic(topic_name(Topic.PAPER_UPLOADED), expected=1)
    keys = [record.key.decode() for record in records]
    assert keys == [str(committed.submission_id)]
    assert list(OutboxEvent.objects.values_list("key", flat=True)) == [committed.key]


def test_the_message_is_a_cloudevent_in_binary_mode_keyed_by_submission(
    kafka_topics, transactional_db
):
    event = PaperUploadedFactory(title="Ünïcode — titles survive")
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with trace_context(traceparent), transaction.atomic():
        row = publish_on_commit(event)
    relay = Relay()
    drain(relay)
    relay.close()

    (record,) = read_topic(topic_name(Topic.PAPER_UPLOADED), expected=1)
    headers = {name: value.decode() for name, value in record.headers}
    assert record.key == str(event.submission_id).encode()
    assert json.loads(record.value) == event.model_dump(mode="json")
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == str(row.event_id)
    assert headers["ce_type"] == "org.papers.paper_uploaded.v2"
    assert headers["ce_source"] == "/submissions"
    assert headers["ce_subject"] == f"submission/{event.submission_id}"
    assert headers["ce_time"] == row.created_at.isoformat()
    assert headers["content-type"] == "application/json"
    assert headers["traceparent"] == traceparent
    row.refresh_from_db()
    assert row.sent_at is not None


@pytest.mark.django_db
def test_an_invalid_traceparent_is_not_propagated():
    with trace_context("not-a-trace"), transaction.atomic():
        row = publish_on_commit(PaperUploadedFactory())
    assert row.headers == {}


def test_contracts_reject_unknown_and_missing_fields():
    with pytest.raises(ValidationError, match="extra_field"):
        PaperUploaded.model_validate(
            PaperUploadedFactory().model_dump(mode="json") | {"extra_field": 1}
        )
    with pytest.raises(ValidationError, match="content_hash"):
        PaperUploaded(submission_id=uuid.uuid4(), author_id=1, title="t", word_count=1)


@pytest.mark.parametrize("compression", ["none", "gzip", "lz4", "zstd"])
def test_the_relay_publishes_with_each_compression_type_and_consumers_read_it(
    kafka_topics, transactional_db, settings, compression
):
    settings.KAFKA_COMPRESSION_TYPE = compression
    event = PaperUploadedFactory()
    with transaction.atomic():
        publish_on_commit(event)
    relay = Relay()
    drain(relay)
    relay.close()
    (record,) = read_topic(topic_name(Topic.PAPER_UPLOADED), expected=1)
    assert PaperUploaded.model_validate_json(record.value) == event
