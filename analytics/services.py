"""Applying one event to the analytics tables: the same SQL for the live tables and for the
fresh tables of a rebuild (``Tables``), so a rebuild computes exactly what the consumer did.

Events of one submission arrive on several topics, so in any order. Each statement is written
so that the final row does not depend on it: an upload never overwrites a status, a check
moves only ``submitted`` on to ``checked``, and decisions (one topic, in order) always set it;
a new version only raises the count of versions (its return to ``submitted`` is a decision).
An invitation's facts come from its own events, each of which sets only its own columns.
"""

from dataclasses import dataclass
from datetime import UTC

from django.db import connection

from analytics.models import DailyEventCount, DecisionFact, InvitationFact, SubmissionFact
from outbox.events import (
    PAPER_UPLOADED,
    SUBMISSION_DECIDED,
    InvitationAnswered,
    PlagiarismChecked,
    ReviewerInvited,
    ReviewSubmitted,
)
from outbox.wire import ReceivedEvent
from outbox.workflow import Status
from submissions.selectors import submission_exists

FENCE_LOCK = 7305  # advisory lock: held exclusively, it pauses the analytics consumer


@dataclass(frozen=True)
class Tables:
    daily: str
    facts: str
    decisions: str
    invitations: str

    def all(self) -> tuple[str, ...]:
        return (self.daily, self.facts, self.decisions, self.invitations)


LIVE = Tables(
    daily=DailyEventCount._meta.db_table,
    facts=SubmissionFact._meta.db_table,
    decisions=DecisionFact._meta.db_table,
    invitations=InvitationFact._meta.db_table,
)


def analytics_event_known(*, event: ReceivedEvent) -> bool:
    """Whether the event is about a submission this system has. An event about any other
    (forged, or written to the topic by something else) is skipped, live and in a rebuild
    alike, so it never shows in an editor's figures."""
    return submission_exists(submission_id=event.data.submission_id)


def analytics_event_apply(*, event: ReceivedEvent, tables: Tables = LIVE) -> None:
    """Apply one event; called once per event id (the consumer's inbox, or a rebuild's)."""
    data = event.data
    at = event.time.astimezone(UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tables.daily} (day, event_type, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (day, event_type) DO UPDATE SET count = {tables.daily}.count + 1",
            [at.date(), data.event_type],
        )
        if isinstance(data, PAPER_UPLOADED) and data.paper_version > 1:
            # A new version: the paper's upload time stays its first version's.
            cursor.execute(
                f"INSERT INTO {tables.facts} (submission_id, status, versions) "
                "VALUES (%s, %s, %s) ON CONFLICT (submission_id) DO UPDATE "
                f"SET versions = GREATEST({tables.facts}.versions, EXCLUDED.versions)",
                [data.submission_id, Status.SUBMITTED.value, data.paper_version],
            )
        elif isinstance(data, PAPER_UPLOADED):
            cursor.execute(
                f"INSERT INTO {tables.facts} (submission_id, uploaded_at, uploaded_on, status, "
                "versions) VALUES (%s, %s, %s, %s, 1) ON CONFLICT (submission_id) DO UPDATE "
                "SET uploaded_at = EXCLUDED.uploaded_at, uploaded_on = EXCLUDED.uploaded_on",
                [data.submission_id, at, at.date(), Status.SUBMITTED.value],
            )
        elif isinstance(data, PlagiarismChecked):
            # A later check (a new algorithm version) updates the score; the time to check
            # stays the first report's.
            cursor.execute(
                f"INSERT INTO {tables.facts} "
                "(submission_id, status, score, flagged, checked_at, versions) "
                "VALUES (%(id)s, %(checked)s, %(score)s, %(flagged)s, %(at)s, 1) "
                "ON CONFLICT (submission_id) DO UPDATE "
                "SET score = EXCLUDED.score, flagged = EXCLUDED.flagged, "
                f"checked_at = LEAST({tables.facts}.checked_at, EXCLUDED.checked_at), "
                f"status = CASE WHEN {tables.facts}.status = %(submitted)s THEN %(checked)s "
                f"ELSE {tables.facts}.status END",
                {
                    "id": data.submission_id,
                    "score": data.overall_score,
                    "flagged": data.flagged,
                    "at": at,
                    "submitted": Status.SUBMITTED.value,
                    "checked": Status.CHECKED.value,
                },
            )
        elif isinstance(data, SUBMISSION_DECIDED):
            cursor.execute(
                f"INSERT INTO {tables.decisions} "
                "(event_id, submission_id, decision, from_status, decided_at, decided_on) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING",
                [event.id, data.submission_id, data.to_status, data.from_status, at, at.date()],
            )
            cursor.execute(
                f"INSERT INTO {tables.facts} (submission_id, status, versions) VALUES (%s, %s, 1) "
                "ON CONFLICT (submission_id) DO UPDATE SET status = EXCLUDED.status",
                [data.submission_id, data.to_status],
            )
        elif isinstance(data, ReviewerInvited):
            invited = data.invited_at.astimezone(UTC)
            cursor.execute(
                f"INSERT INTO {tables.invitations} (invitation_id, submission_id, reviewer_id, "
                "invited_at, invited_on, answer, recommendation) "
                "VALUES (%s, %s, %s, %s, %s, '', '') ON CONFLICT (invitation_id) DO UPDATE "
                "SET invited_at = EXCLUDED.invited_at, invited_on = EXCLUDED.invited_on, "
                f"reviewer_id = COALESCE({tables.invitations}.reviewer_id, EXCLUDED.reviewer_id)",
                [data.invitation_id, data.submission_id, data.reviewer_id, invited, invited.date()],
            )
        elif isinstance(data, InvitationAnswered):
            invited = data.invited_at.astimezone(UTC)
            cursor.execute(
                f"INSERT INTO {tables.invitations} (invitation_id, submission_id, reviewer_id, "
                "invited_at, invited_on, answer, answered_at, recommendation) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, '') ON CONFLICT (invitation_id) DO UPDATE "
                "SET reviewer_id = EXCLUDED.reviewer_id, answer = EXCLUDED.answer, "
                "answered_at = EXCLUDED.answered_at",
                [
                    data.invitation_id,
                    data.submission_id,
                    data.reviewer_id,
                    invited,
                    invited.date(),
                    data.answer,
                    data.answered_at,
                ],
            )
        elif isinstance(data, ReviewSubmitted):
            cursor.execute(
                f"INSERT INTO {tables.invitations} (invitation_id, submission_id, reviewer_id, "
                "answer, reviewed_at, recommendation) VALUES (%s, %s, %s, 'accepted', %s, %s) "
                "ON CONFLICT (invitation_id) DO UPDATE SET reviewer_id = EXCLUDED.reviewer_id, "
                f"reviewed_at = LEAST({tables.invitations}.reviewed_at, EXCLUDED.reviewed_at), "
                "recommendation = EXCLUDED.recommendation",
                [
                    data.invitation_id,
                    data.submission_id,
                    data.reviewer_id,
                    data.submitted_at,
                    data.recommendation,
                ],
            )
