"""The analytics consumer group: every event is counted, exactly once."""

from datetime import UTC

from analytics.services import daily_event_count_increment
from outbox.consumer import ConsumerGroup
from outbox.events import PaperUploaded, PlagiarismChecked, SubmissionDecided
from outbox.wire import ReceivedEvent


def handle_event(event: ReceivedEvent) -> None:
    daily_event_count_increment(
        day=event.time.astimezone(UTC).date(), event_type=event.data.event_type
    )


GROUP = ConsumerGroup(
    name="analytics",
    handlers={
        PaperUploaded: handle_event,
        PlagiarismChecked: handle_event,
        SubmissionDecided: handle_event,
    },
)
