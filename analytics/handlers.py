"""The analytics consumer group: every event updates the aggregates, exactly once."""

import logging

from analytics.services import FENCE_LOCK, analytics_event_apply, analytics_event_known
from outbox.consumer import ConsumerGroup
from outbox.events import (
    PAPER_UPLOADED,
    SUBMISSION_DECIDED,
    InvitationAnswered,
    PlagiarismChecked,
    PlagiarismCheckFailed,
    ReviewerInvited,
    ReviewerReminded,
    ReviewSubmitted,
)
from outbox.wire import ReceivedEvent

logger = logging.getLogger(__name__)


def handle_event(event: ReceivedEvent) -> None:
    if not analytics_event_known(event=event):
        logger.warning(
            "analytics.skipped reason=unknown_submission event_id=%s submission_id=%s",
            event.id,
            event.data.submission_id,
        )
        return
    analytics_event_apply(event=event)


GROUP = ConsumerGroup(
    name="analytics",
    handlers={
        **dict.fromkeys(PAPER_UPLOADED, handle_event),
        PlagiarismChecked: handle_event,
        PlagiarismCheckFailed: handle_event,  # counted per day only
        **dict.fromkeys(SUBMISSION_DECIDED, handle_event),
        ReviewerInvited: handle_event,
        InvitationAnswered: handle_event,
        ReviewerReminded: handle_event,  # counted per day only
        ReviewSubmitted: handle_event,
    },
    fence_lock=FENCE_LOCK,
)
