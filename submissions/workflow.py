"""The submission workflow: the steps allowed between statuses and who takes each, why a step
is refused, and the statuses in words.

The status codes are a contract (``contracts.codes.Status``: the API, the wire and the
database); the steps, refusals and labels here are the submissions app's, and may change
freely. Other apps read them through ``status_label`` and the tables below.
"""

from dataclasses import dataclass
from enum import StrEnum

from contracts.codes import Status, is_status

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


def status_label(status: str) -> str:
    """The status in plain words, as the API's ``status_label`` and every page show it."""
    return STATUS_LABELS[Status(status)]


def status_done(status: str) -> str:
    """What becoming ``status`` is called: "cannot be {done}"."""
    return STATUS_DONE[Status(status)]


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
        return f"The paper's status is already “{status_label(current)}”."
    target = status_done(to_status) if is_status(to_status) else f"moved to {to_status!r}"
    if allowed:
        then = "Possible now: " + ", ".join(f"{s.action} (“{s.to.value}”)" for s in allowed) + "."
    elif current in FINAL:
        then = "Nothing more can be done with it: the decision is final."
    else:
        then = f"No step is open to you now: {WAITING[current]}."
    return f"A paper whose status is “{status_label(current)}” cannot be {target}. {then}"


# While a paper is in one of these, its author may send a new version.
OPEN_TO_VERSIONS = frozenset(
    status for status, steps in WORKFLOW.items() for step in steps if step.by_version
)
