"""Applying one event to the analytics tables: the same SQL for the live tables and for the
fresh tables of a rebuild (``Tables``), so a rebuild computes exactly what the consumer did.

Events of one submission arrive on several topics, so in any order. Each statement is written
so that the final row does not depend on it: an upload never overwrites a status, a check
moves only ``submitted`` on to ``checked``, and decisions (one topic, in order) always set it;
a new version only raises the count of versions (its return to ``submitted`` is a decision).
An invitation's facts come from its own events, each of which sets only its own columns.
"""

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.db import connection

from analytics.models import (
    DailyEventCount,
    DecisionFact,
    HeldEvent,
    InvitationFact,
    SubmissionFact,
)
from contracts.codes import InvitationAnswer, Status
from contracts.events import (
    Event,
    InvitationAnswered,
    PaperUploaded,
    PaperUploadedV1,
    PlagiarismChecked,
    PlagiarismCheckFailed,
    ReviewerInvited,
    ReviewerReminded,
    ReviewerRemoved,
    ReviewSubmitted,
    SubmissionDecided,
    SubmissionDecidedV1,
    event_class_for,
)
from outbox.wire import ReceivedEvent


@dataclass(frozen=True)
class Tables:
    daily: str
    facts: str
    decisions: str
    invitations: str
    held: str

    def all(self) -> tuple[str, ...]:
        return (self.daily, self.facts, self.decisions, self.invitations, self.held)


LIVE = Tables(
    daily=DailyEventCount._meta.db_table,
    facts=SubmissionFact._meta.db_table,
    decisions=DecisionFact._meta.db_table,
    invitations=InvitationFact._meta.db_table,
    held=HeldEvent._meta.db_table,
)


def analytics_event_apply(*, event: ReceivedEvent, tables: Tables = LIVE) -> bool:
    """Apply one event; called once per event id (the consumer's inbox, or a rebuild's).

    A submission is known to analytics once its first upload was applied: the events alone
    decide, so a rebuild needs Kafka and nothing else. An event about a submission not known
    yet is held (``HeldEvent``) and applied with the upload. False when held. Inside the
    consumer's run (``RUN``), the live tables' daily counts are written once for the run."""
    batch = RUN if tables is LIVE and RUN.active() else None
    with connection.cursor() as cursor:
        introduces = isinstance(event.data, (PaperUploaded, PaperUploadedV1)) and (
            event.data.paper_version == 1
        )
        if not introduces and not _known(cursor, tables, event.data.submission_id):
            _hold(cursor, tables, event)
            if batch is not None:
                batch.held.add(event.data.submission_id)
            return False
        _apply(cursor, tables, event, batch)
        if introduces and (batch is None or event.data.submission_id in batch.held):
            for held in _release(cursor, tables, event.data.submission_id):
                _apply(cursor, tables, held, batch)
    return True


class RunBatch:
    """The analytics consumer's run hooks (``outbox.consumer.RunHooks``): a run's daily
    counts added up and written in one statement before it commits, and which of its papers
    have events held, read once (so an upload with nothing held costs no statement for it)."""

    def __init__(self) -> None:
        self._local = threading.local()  # a consumer thread's own transaction

    def active(self) -> bool:
        return getattr(self._local, "daily", None) is not None

    @property
    def daily(self) -> Counter:
        return self._local.daily

    @property
    def held(self) -> set:
        return self._local.held

    def begin(self, events) -> None:
        self._local.daily = Counter()
        ids = list({event.data.submission_id for event in events})
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT submission_id FROM {LIVE.held} "
                "WHERE submission_id = ANY(%s::uuid[])",
                [ids],
            )
            self._local.held = {row[0] for row in cursor.fetchall()}

    def end(self) -> None:
        self._local.daily = self._local.held = None

    def before_commit(self) -> None:
        daily = self._local.daily
        if not daily:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {LIVE.daily} (day, event_type, count) "
                "SELECT * FROM unnest(%s::date[], %s::text[], %s::bigint[]) "
                "ON CONFLICT (day, event_type) "
                f"DO UPDATE SET count = {LIVE.daily}.count + EXCLUDED.count",
                [[d for d, _ in daily], [t for _, t in daily], list(daily.values())],
            )


RUN = RunBatch()


def _known(cursor, tables: Tables, submission_id) -> bool:
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {tables.facts} "
        "WHERE submission_id = %s AND uploaded_at IS NOT NULL)",
        [submission_id],
    )
    return cursor.fetchone()[0]


def _hold(cursor, tables: Tables, event: ReceivedEvent) -> None:
    cursor.execute(
        f"INSERT INTO {tables.held} (event_id, submission_id, ce_type, time, data) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING",
        [
            event.id,
            event.data.submission_id,
            event.data.ce_type(),
            event.time,
            event.data.model_dump_json(),
        ],
    )


def _release(cursor, tables: Tables, submission_id) -> list[ReceivedEvent]:
    """The events held for a submission, taken out of the held table."""
    cursor.execute(
        f"DELETE FROM {tables.held} WHERE submission_id = %s "
        "RETURNING event_id, ce_type, time, data",
        [submission_id],
    )
    released = []
    for event_id, ce_type, time, data in cursor.fetchall():
        contract = event_class_for(ce_type)
        payload = json.loads(data) if isinstance(data, str) else data
        released.append(ReceivedEvent(id=event_id, time=time, data=contract(**payload)))
    return sorted(released, key=lambda held: held.time)


def _apply(cursor, tables: Tables, event: ReceivedEvent, batch: RunBatch | None = None) -> None:
    at = event.time.astimezone(UTC)
    if batch is not None:
        batch.daily[(at.date(), event.data.event_type)] += 1
    else:
        cursor.execute(
            f"INSERT INTO {tables.daily} (day, event_type, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (day, event_type) DO UPDATE SET count = {tables.daily}.count + 1",
            [at.date(), event.data.event_type],
        )
    APPLY[type(event.data)](cursor, tables, event, at)


# -- one function per kind of event: each statement gives the same row in any order -----------
def _uploaded(cursor, tables: Tables, event: ReceivedEvent[PaperUploaded], at) -> None:
    data = event.data
    if data.paper_version > 1:
        # A new version: the paper's upload time stays its first version's.
        cursor.execute(
            f"INSERT INTO {tables.facts} (submission_id, status, versions) "
            "VALUES (%s, %s, %s) ON CONFLICT (submission_id) DO UPDATE "
            f"SET versions = GREATEST({tables.facts}.versions, EXCLUDED.versions)",
            [data.submission_id, Status.SUBMITTED.value, data.paper_version],
        )
        return
    cursor.execute(
        f"INSERT INTO {tables.facts} (submission_id, uploaded_at, uploaded_on, status, "
        "versions) VALUES (%s, %s, %s, %s, 1) ON CONFLICT (submission_id) DO UPDATE "
        "SET uploaded_at = EXCLUDED.uploaded_at, uploaded_on = EXCLUDED.uploaded_on",
        [data.submission_id, at, at.date(), Status.SUBMITTED.value],
    )


def _checked(cursor, tables: Tables, event: ReceivedEvent[PlagiarismChecked], at) -> None:
    """A later check (a new algorithm version) updates the score; the time to check stays
    the first report's."""
    data = event.data
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


def _decided(cursor, tables: Tables, event: ReceivedEvent[SubmissionDecided], at) -> None:
    data = event.data
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


def _invited(cursor, tables: Tables, event: ReceivedEvent[ReviewerInvited], at) -> None:
    data = event.data
    invited = data.invited_at.astimezone(UTC)
    cursor.execute(
        f"INSERT INTO {tables.invitations} (invitation_id, submission_id, reviewer_id, "
        "invited_at, invited_on, answer, recommendation) "
        "VALUES (%s, %s, %s, %s, %s, '', '') ON CONFLICT (invitation_id) DO UPDATE "
        "SET invited_at = EXCLUDED.invited_at, invited_on = EXCLUDED.invited_on, "
        f"reviewer_id = COALESCE({tables.invitations}.reviewer_id, EXCLUDED.reviewer_id)",
        [data.invitation_id, data.submission_id, data.reviewer_id, invited, invited.date()],
    )


def _answered(cursor, tables: Tables, event: ReceivedEvent[InvitationAnswered], at) -> None:
    data = event.data
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


def _reviewed(cursor, tables: Tables, event: ReceivedEvent[ReviewSubmitted], at) -> None:
    data = event.data
    cursor.execute(
        f"INSERT INTO {tables.invitations} (invitation_id, submission_id, reviewer_id, "
        "answer, reviewed_at, recommendation) VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (invitation_id) DO UPDATE SET reviewer_id = EXCLUDED.reviewer_id, "
        f"reviewed_at = LEAST({tables.invitations}.reviewed_at, EXCLUDED.reviewed_at), "
        "recommendation = EXCLUDED.recommendation",
        [
            data.invitation_id,
            data.submission_id,
            data.reviewer_id,
            InvitationAnswer.ACCEPTED.value,
            data.submitted_at,
            data.recommendation,
        ],
    )


def _counted_only(cursor, tables: Tables, event: ReceivedEvent, at) -> None:
    """Counted per day (above), no fact of its own."""


APPLY: dict[type[Event], Callable] = {
    PaperUploadedV1: _uploaded,
    PaperUploaded: _uploaded,
    PlagiarismChecked: _checked,
    PlagiarismCheckFailed: _counted_only,
    SubmissionDecidedV1: _decided,
    SubmissionDecided: _decided,
    ReviewerInvited: _invited,
    InvitationAnswered: _answered,
    ReviewerReminded: _counted_only,
    ReviewerRemoved: _counted_only,
    ReviewSubmitted: _reviewed,
}
