"""The analytics consumer group: every event updates the aggregates, exactly once."""

from analytics.services import FENCE_LOCK, analytics_event_apply
from outbox.consumer import ConsumerGroup
from outbox.events import PaperUploaded, PlagiarismChecked, SubmissionDecided
from outbox.wire import ReceivedEvent


def handle_event(event: ReceivedEvent) -> None:
    analytics_event_apply(event=event)


GROUP = ConsumerGroup(
    name="analytics",
    handlers={
        PaperUploaded: handle_event,
        PlagiarismChecked: handle_event,
        SubmissionDecided: handle_event,
    },
    fence_lock=FENCE_LOCK,
)
