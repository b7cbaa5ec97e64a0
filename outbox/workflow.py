"""The workflow's vocabulary, spelled once beside the event contracts: the statuses of a
submission, the steps allowed between them and who takes each, and the words people read.

Every app imports these: the submissions app enforces the table, the events carry the
status codes, notifications and analytics turn them into words. The codes are a contract
(they are in the API and on the wire); the labels and phrases may change freely.
"""

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    CHECKED = "checked"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The status in plain words, as the API's ``status_label`` and every page show it."""
        return STATUS_LABELS[self]

    @property
    def done(self) -> str:
        """What becoming this status is called: "cannot be {done}"."""
        return STATUS_DONE[self]


def is_status(value: object) -> bool:
    """Whether ``value`` is one of the status codes (``in Status`` raises for a str on 3.11)."""
    return isinstance(value, str) and value in Status._value2member_map_


STATUS_LABELS = {
    Status.SUBMITTED: "Received",
    Status.CHECKED: "Similarity check done",
    Status.UNDER_REVIEW: "Under review",
    Status.ACCEPTED: "Accepted",
    Status.REJECTED: "Not accepted",
    Status.REVISION_REQUESTED: "Revision requested",
    Status.WITHDRAWN: "Withdrawn",
}
STATUS_DONE = {
    Status.SUBMITTED: "sent back as a revision",
    Status.CHECKED: "marked checked",
    Status.UNDER_REVIEW: "sent to review",
    Status.ACCEPTED: "accepted",
    Status.REJECTED: "rejected",
    Status.REVISION_REQUESTED: "sent back for a revision",
    Status.WITHDRAWN: "withdrawn",
}
FINAL = frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN})
# What a paper waits for in each open status (said when nobody but someone else can act).
WAITING = {
    Status.SUBMITTED: "it waits for its similarity check",
    Status.CHECKED: "it waits for an editor",
    Status.UNDER_REVIEW: "it waits for the editors' decision",
    Status.REVISION_REQUESTED: "it waits for its author's revision",
}


class Actor(StrEnum):
    EDITOR = "editor"  # staff
    AUTHOR = "author"  # the submission's own author
    SYSTEM = "system"  # the plagiarism check


class Condition(StrEnum):
    CHECK_FAILED = "check_failed"  # the plagiarism check gave up on the current version


@dataclass(frozen=True)
class Step:
    to: Status
    by: Actor
    action: str  # the button's words
    when: Condition | None = None
    desk: bool = False  # a decision without review (a desk reject)

    @property
    def by_version(self) -> bool:
        """Taken by sending a new version (``submission_version_add``), never directly."""
        return self.to == Status.SUBMITTED and self.by == Actor.AUTHOR


# The one table of allowed steps: the API, the admin and the tests all read it.
WORKFLOW: dict[Status, tuple[Step, ...]] = {
    Status.SUBMITTED: (
        Step(Status.CHECKED, Actor.SYSTEM, "Mark checked"),
        Step(Status.UNDER_REVIEW, Actor.EDITOR, "Start review", when=Condition.CHECK_FAILED),
        Step(Status.REJECTED, Actor.EDITOR, "Desk reject", when=Condition.CHECK_FAILED, desk=True),
        Step(Status.SUBMITTED, Actor.AUTHOR, "Send a new version"),
        Step(Status.WITHDRAWN, Actor.AUTHOR, "Withdraw"),
    ),
    Status.CHECKED: (
        Step(Status.UNDER_REVIEW, Actor.EDITOR, "Start review"),
        Step(Status.REJECTED, Actor.EDITOR, "Desk reject", desk=True),
        Step(Status.SUBMITTED, Actor.AUTHOR, "Send a new version"),
        Step(Status.WITHDRAWN, Actor.AUTHOR, "Withdraw"),
    ),
    Status.UNDER_REVIEW: (
        Step(Status.ACCEPTED, Actor.EDITOR, "Accept"),
        Step(Status.REJECTED, Actor.EDITOR, "Reject"),
        Step(Status.REVISION_REQUESTED, Actor.EDITOR, "Request revision"),
        Step(Status.WITHDRAWN, Actor.AUTHOR, "Withdraw"),
    ),
    Status.REVISION_REQUESTED: (
        Step(Status.SUBMITTED, Actor.AUTHOR, "Send a revision"),
        Step(Status.UNDER_REVIEW, Actor.EDITOR, "Start review"),
        Step(Status.REJECTED, Actor.EDITOR, "Reject"),
        Step(Status.WITHDRAWN, Actor.AUTHOR, "Withdraw"),
    ),
    Status.ACCEPTED: (),
    Status.REJECTED: (),
    Status.WITHDRAWN: (),
}


def step_between(from_status: str, to_status: str) -> Step | None:
    """The step from one status to another, or None when the workflow has none."""
    return next((s for s in WORKFLOW[Status(from_status)] if s.to == to_status), None)


def refusal(from_status: str, to_status: str, allowed: list[Step]) -> str:
    """Why a step cannot be taken, and what can be done instead: a message for people."""
    current = Status(from_status)
    if to_status == current:
        return f"The paper's status is already “{current.label}”."
    target = Status(to_status).done if is_status(to_status) else f"moved to {to_status!r}"
    if allowed:
        then = "Possible now: " + ", ".join(f"{s.action} (“{s.to.value}”)" for s in allowed) + "."
    elif current in FINAL:
        then = "Nothing more can be done with it: the decision is final."
    else:
        then = f"No step is open to you now: {WAITING[current]}."
    return f"A paper whose status is “{current.label}” cannot be {target}. {then}"


# -- decisions: the changes ``submission_decided`` reports (every step but the check's) ----
DECIDED_STATUSES = (
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
    Status.REJECTED,
    Status.REVISION_REQUESTED,
    Status.WITHDRAWN,
    Status.SUBMITTED,  # a revision received (since submission_decided v2)
)
# For editors (the dashboard, the analytics API's labels).
DECISION_LABELS = {
    Status.UNDER_REVIEW: "sent to review",
    Status.ACCEPTED: "accepted",
    Status.REJECTED: "rejected",
    Status.REVISION_REQUESTED: "revision requested",
    Status.WITHDRAWN: "withdrawn",
    Status.SUBMITTED: "revision received",
}
# For authors: a notification's headline and what happened to "Your paper “…”".
DECISION_NEWS = {
    Status.UNDER_REVIEW: ("Under review", "is now being reviewed by the editors"),
    Status.ACCEPTED: ("Accepted", "has been accepted"),
    Status.REJECTED: ("Not accepted", "has not been accepted"),
    Status.REVISION_REQUESTED: ("The editors ask for a revision", "needs a revision"),
    Status.WITHDRAWN: ("Withdrawn", "has been withdrawn"),
    Status.SUBMITTED: ("Revision received", "is back with the editors in its new version"),
}

# While a paper is in one of these, its author may send a new version.
OPEN_TO_VERSIONS = frozenset(
    status for status, steps in WORKFLOW.items() for step in steps if step.by_version
)
