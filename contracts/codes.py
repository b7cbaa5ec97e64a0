"""The codes that cross apps, each spelled once: on the wire, in the API and in the database.

The codes are a contract; what people read for them is written by the app that shows it
(``submissions.workflow.status_label``, ``notifications.messages``, ``analytics.labels``).
"""

from enum import StrEnum


class Status(StrEnum):
    """A submission's status."""

    SUBMITTED = "submitted"
    CHECKED = "checked"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"
    WITHDRAWN = "withdrawn"


def is_status(value: object) -> bool:
    """Whether ``value`` is one of the status codes (``in Status`` raises for a str on 3.11)."""
    return isinstance(value, str) and value in Status._value2member_map_


# The changes ``submission_decided`` reports (every step but the check's).
DECIDED_STATUSES = (
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
    Status.REJECTED,
    Status.REVISION_REQUESTED,
    Status.WITHDRAWN,
    Status.SUBMITTED,  # a revision received (since submission_decided v2)
)
# The decisions ``submission_decided`` v1 could carry.
DECIDED_STATUSES_V1 = DECIDED_STATUSES[:-1]
# The decisions that end a paper's review: accepted or not.
FINAL_DECISIONS = (Status.ACCEPTED, Status.REJECTED)


class InvitationAnswer(StrEnum):
    """A reviewer's answer to an invitation."""

    ACCEPTED = "accepted"
    DECLINED = "declined"


class InvitationEnd(StrEnum):
    """How an editor ends an invitation: the reviewer no longer reviews the paper."""

    REMOVED = "removed"


class Reminder(StrEnum):
    """The reminders a reviewer who accepted gets, each at most once per invitation."""

    BEFORE_DUE = "before_due"
    OVERDUE = "overdue"


# A reviewer's recommendation (the reviews app's model takes its choices from here).
RECOMMENDATIONS = ("accept", "minor_revision", "major_revision", "reject")


class ReviewProgress(StrEnum):
    """How far a reviewer's review of an invitation has come (the reviewer's API and pages)."""

    NONE = "none"
    DRAFT = "draft"
    SUBMITTED = "submitted"
