"""Events with chosen times and ids, for the analytics tests."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.topics import Topic, topic_name
from outbox.kafka import kafka_producer
from outbox.tests.factories import (
    PaperUploadedFactory,
    PlagiarismCheckedFactory,
    SubmissionDecidedFactory,
)
from outbox.wire import ReceivedEvent, encode_headers
from submissions.tests.factories import submissions_exist

DAY = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(event_data, when: datetime) -> ReceivedEvent:
    return ReceivedEvent(id=uuid.uuid4(), time=when, data=event_data)


def paper_history(
    *,
    uploaded: datetime,
    score: float | None = None,
    check_seconds: float = 30,
    decisions: tuple[str, ...] = (),
) -> list[ReceivedEvent]:
    """One submission's events, in the order they happened (its row made, so consumers
    apply them). A decision "submitted" is a revision received: a new version's upload."""
    submission_id = uuid.uuid4()
    submissions_exist([submission_id])
    events = [at(PaperUploadedFactory(submission_id=submission_id), uploaded)]
    checked = uploaded + timedelta(seconds=check_seconds)
    if score is not None:
        events.append(
            at(
                PlagiarismCheckedFactory(
                    submission_id=submission_id, overall_score=score, flagged=score >= 0.10
                ),
                checked,
            )
        )
    status, version = "checked", 1
    for n, decision in enumerate(decisions, start=1):
        when = checked + timedelta(hours=n)
        if decision == "submitted":  # a revision: its upload, then its return to the editors
            version += 1
            events.append(
                at(PaperUploadedFactory(submission_id=submission_id, paper_version=version), when)
            )
        events.append(
            at(
                SubmissionDecidedFactory(
                    submission_id=submission_id,
                    from_status=status,
                    to_status=decision,
                    decided_at=when,
                ),
                when,
            )
        )
        status = decision
    return events


class Sender:
    """Puts events on their topics as the relay does (key = submission id)."""

    def __init__(self) -> None:
        self.producer = kafka_producer()

    def send(self, event: ReceivedEvent) -> None:
        data = event.data
        headers = encode_headers(
            event_id=event.id,
            ce_type=data.ce_type(),
            source=data.source,
            subject=f"submission/{data.key}",
            time=event.time,
            extra={},
        )
        self.producer.send(
            topic_name(data.topic),
            key=data.key.encode(),
            value=data.model_dump_json().encode(),
            headers=headers,
        )

    def send_garbage(self) -> None:
        self.producer.send(
            topic_name(Topic.PAPER_UPLOADED),
            key=b"x",
            value=b"{not json",
            headers=[],
        )

    def close(self) -> None:
        self.producer.flush(30)
        self.producer.close()
