"""The analytics figures' words for editors: what each decision is called on the dashboard and
in the summary API's labels."""

from contracts.codes import Status

DECISION_LABELS = {
    Status.UNDER_REVIEW: "sent to review",
    Status.ACCEPTED: "accepted",
    Status.REJECTED: "rejected",
    Status.REVISION_REQUESTED: "revision requested",
    Status.WITHDRAWN: "withdrawn",
    Status.SUBMITTED: "revision received",
}
