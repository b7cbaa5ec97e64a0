"""The analytics consumer group: every event updates the aggregates, exactly once."""

import logging

from analytics.services import APPLY, RUN, analytics_event_apply
from config.locks import AdvisoryLock
from outbox.consumer import ConsumerGroup
from outbox.wire import ReceivedEvent

logger = logging.getLogger(__name__)


def handle_event(event: ReceivedEvent) -> None:
    if not analytics_event_apply(event=event):
        logger.info(
            "analytics.held reason=upload_not_applied event_id=%s submission_id=%s",
            event.id,
            event.data.submission_id,
        )


GROUP = ConsumerGroup(
    name="analytics",
    handlers=dict.fromkeys(APPLY, handle_event),
    fence_lock=AdvisoryLock.ANALYTICS_FENCE,
    run_hooks=RUN,  # a run's daily counts in one statement
)
