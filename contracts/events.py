"""Event contracts: one closed, versioned class per event type, shared by both sides.

Producers build these and hand them to ``outbox.services.publish_on_commit``; consumers
receive them validated. A payload with an unknown or missing field fails validation on
either side. The wire format is CloudEvents 1.0 in Kafka's binary content mode: the JSON
body is the event's data, the attributes are ``ce_*`` headers, the key is the submission id.
"""

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.codes import (
    DECIDED_STATUSES,
    DECIDED_STATUSES_V1,
    RECOMMENDATIONS,
    InvitationAnswer,
    Reminder,
    Status,
)
from contracts.topics import Topic

CLOUDEVENTS_SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "org.papers."
# Integers in contracts fit the PostgreSQL columns that consumers write them to.
PG_INT_MAX = 2**31 - 1
PG_BIGINT_MAX = 2**63 - 1


class Event(BaseModel):
    """Base of every contract. Subclasses set the class variables and declare the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    event_type: ClassVar[str]
    version: ClassVar[int]
    topic: ClassVar[Topic]
    source: ClassVar[str]

    submission_id: uuid.UUID

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        """Text that PostgreSQL cannot store (NUL, lone surrogates) is off-contract, so a
        message carrying it is dead-lettered at once instead of failing in a handler."""
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("contains a NUL character")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("contains invalid Unicode (a lone surrogate)") from None
        return value

    @property
    def key(self) -> str:
        """The aggregate id: the Kafka key, so one submission's events stay in order."""
        return str(self.submission_id)

    @classmethod
    def ce_type(cls) -> str:
        return ce_type_of(cls.event_type, cls.version)


def ce_type_of(event_type: str, version: int) -> str:
    """The CloudEvents ``type`` attribute: ``org.papers.<event_type>.v<version>``."""
    return f"{TYPE_PREFIX}{event_type}.v{version}"


def event_type_of(ce_type: str) -> str:
    """``paper_uploaded`` from ``org.papers.paper_uploaded.v1`` (what operators filter by)."""
    return ce_type.removeprefix(TYPE_PREFIX).rsplit(".v", 1)[0]


class PaperUploadedV1(Event):
    """Still read (events published before versions existed); no longer published."""

    event_type: ClassVar[str] = "paper_uploaded"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.PAPER_UPLOADED
    source: ClassVar[str] = "/submissions"

    author_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    title: str = Field(min_length=1, max_length=500)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    word_count: int = Field(ge=0, le=PG_INT_MAX)

    @property
    def paper_version(self) -> int:
        return 1


class PaperUploaded(Event):
    """A paper's first upload (``paper_version`` 1) or a new version of it."""

    event_type: ClassVar[str] = "paper_uploaded"
    version: ClassVar[int] = 2
    topic: ClassVar[Topic] = Topic.PAPER_UPLOADED
    source: ClassVar[str] = "/submissions"

    author_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    title: str = Field(min_length=1, max_length=500)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    word_count: int = Field(ge=0, le=PG_INT_MAX)
    paper_version: int = Field(ge=1, le=PG_INT_MAX)


class PlagiarismChecked(Event):
    event_type: ClassVar[str] = "plagiarism_checked"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.PLAGIARISM_CHECKED
    source: ClassVar[str] = "/plagiarism"

    overall_score: float = Field(ge=0, le=1)
    flagged: bool
    source_count: int = Field(ge=0, le=PG_INT_MAX)
    algorithm_version: str = Field(min_length=1, max_length=50)
    duration_ms: int = Field(ge=0, le=PG_BIGINT_MAX)


class PlagiarismCheckFailed(Event):
    """The check gave up on a paper (after its retries, or at its time limit)."""

    event_type: ClassVar[str] = "plagiarism_check_failed"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.PLAGIARISM_CHECKED
    source: ClassVar[str] = "/plagiarism"

    paper_version: int = Field(ge=1, le=PG_INT_MAX)
    algorithm_version: str = Field(min_length=1, max_length=50)


class SubmissionDecidedV1(Event):
    """Still read (events published before revisions existed); no longer published."""

    event_type: ClassVar[str] = "submission_decided"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.SUBMISSION_DECIDED
    source: ClassVar[str] = "/submissions"

    from_status: str = Field(max_length=30)
    to_status: Literal[tuple(s.value for s in DECIDED_STATUSES_V1)]  # type: ignore[valid-type]
    editor_id: int | None = Field(ge=1, le=PG_BIGINT_MAX)
    comment: str = ""
    decided_at: datetime


class SubmissionDecided(Event):
    """A change of status made by a person: an editor's decision, a withdrawal, or (to
    ``submitted``) a revision received. ``comment`` is addressed to the author."""

    event_type: ClassVar[str] = "submission_decided"
    version: ClassVar[int] = 2
    topic: ClassVar[Topic] = Topic.SUBMISSION_DECIDED
    source: ClassVar[str] = "/submissions"

    from_status: Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]
    to_status: Literal[tuple(s.value for s in DECIDED_STATUSES)]  # type: ignore[valid-type]
    editor_id: int | None = Field(ge=1, le=PG_BIGINT_MAX)
    comment: str = Field(default="", max_length=20000)
    decided_at: datetime


# -- peer review (the reviews app) ----------------------------------------------------------


class ReviewerInvited(Event):
    """An editor invited a reviewer (an account, or an address not yet an account's:
    ``reviewer_id`` None) to review the paper by ``due``."""

    event_type: ClassVar[str] = "reviewer_invited"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.REVIEW_INVITATIONS
    source: ClassVar[str] = "/reviews"

    invitation_id: uuid.UUID
    reviewer_id: int | None = Field(ge=1, le=PG_BIGINT_MAX)
    editor_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    due: date
    conflict_overridden: bool
    invited_at: datetime


class InvitationAnswered(Event):
    """The reviewer accepted or declined (``conflict_declared``: because of a conflict of
    interest they declared). ``invited_at`` lets a reader time the answer without asking.
    ``reviews_complete``: this decline leaves every review of the round in."""

    event_type: ClassVar[str] = "invitation_answered"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.REVIEW_INVITATIONS
    source: ClassVar[str] = "/reviews"

    invitation_id: uuid.UUID
    reviewer_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    answer: Literal[tuple(a.value for a in InvitationAnswer)]  # type: ignore[valid-type]
    conflict_declared: bool
    reviews_complete: bool
    invited_at: datetime
    answered_at: datetime


class ReviewerReminded(Event):
    """A reviewer who accepted was reminded of their review: before its due date, or once
    it is overdue (each at most once per invitation)."""

    event_type: ClassVar[str] = "reviewer_reminded"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.REVIEW_INVITATIONS
    source: ClassVar[str] = "/reviews"

    invitation_id: uuid.UUID
    reviewer_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    reminder: Literal[tuple(r.value for r in Reminder)]  # type: ignore[valid-type]
    due: date


class ReviewerRemoved(Event):
    """An editor removed a reviewer from the paper (their reason is for the editors), who
    no longer reads it; ``reviewer_id`` None for an address that never became an account's."""

    event_type: ClassVar[str] = "reviewer_removed"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.REVIEW_INVITATIONS
    source: ClassVar[str] = "/reviews"

    invitation_id: uuid.UUID
    reviewer_id: int | None = Field(ge=1, le=PG_BIGINT_MAX)
    editor_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    removed_at: datetime


class ReviewSubmitted(Event):
    """A review was submitted (``first``), or changed after it was (until the decision).
    ``reviews_complete``: every reviewer who accepted in this round has submitted, and no
    invitation waits for an answer."""

    event_type: ClassVar[str] = "review_submitted"
    version: ClassVar[int] = 1
    topic: ClassVar[Topic] = Topic.REVIEWS
    source: ClassVar[str] = "/reviews"

    invitation_id: uuid.UUID
    review_id: uuid.UUID
    reviewer_id: int = Field(ge=1, le=PG_BIGINT_MAX)
    recommendation: Literal[RECOMMENDATIONS]  # type: ignore[valid-type]
    score: int = Field(ge=1, le=5)
    confidence: int = Field(ge=1, le=5)
    first: bool
    reviews_complete: bool
    submitted_at: datetime


EVENT_CLASSES: dict[str, type[Event]] = {
    cls.ce_type(): cls
    for cls in (
        PaperUploadedV1,
        PaperUploaded,
        PlagiarismChecked,
        PlagiarismCheckFailed,
        SubmissionDecidedV1,
        SubmissionDecided,
        ReviewerInvited,
        InvitationAnswered,
        ReviewerReminded,
        ReviewerRemoved,
        ReviewSubmitted,
    )
}
# What each consumer group accepts of a kind of event: every contract version still read.
PAPER_UPLOADED = (PaperUploadedV1, PaperUploaded)
SUBMISSION_DECIDED = (SubmissionDecidedV1, SubmissionDecided)


def event_class_for(ce_type: str) -> type[Event] | None:
    """The contract for a ``ce_type`` header, or None for a type this system does not know."""
    return EVENT_CLASSES.get(ce_type)
