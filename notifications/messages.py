"""What people are told: the text of each kind of notification, in plain words.

Authors hear of their own papers, reviewers of the papers they are asked to review; editors
(staff) get notices of every paper. Statuses are codes (``contracts.codes``); what a
status is called is the workflow's (``submissions.workflow.status_label``), what a decision
means to its author is said here (``DECISION_NEWS``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from contracts.codes import Reminder, Status
from notifications.models import Kind
from submissions.workflow import status_label


@dataclass(frozen=True)
class Message:
    """What to tell someone: the notification's text and the facts it shows."""

    kind: str
    subject: str
    body: str
    link: str
    data: dict


def one_line(title: str) -> str:
    """A title fit for a subject line: no line breaks (a header injection), bounded."""
    title = " ".join(title.split())
    return title if len(title) <= 120 else title[:119] + "…"


def _base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


# For authors: a notification's headline and what happened to "Your paper “…”".
DECISION_NEWS = {
    Status.UNDER_REVIEW: ("Under review", "is now being reviewed by the editors"),
    Status.ACCEPTED: ("Accepted", "has been accepted"),
    Status.REJECTED: ("Not accepted", "has not been accepted"),
    Status.REVISION_REQUESTED: ("The editors ask for a revision", "needs a revision"),
    Status.WITHDRAWN: ("Withdrawn", "has been withdrawn"),
    Status.SUBMITTED: ("Revision received", "is back with the editors in its new version"),
}


def submission_link(submission_id) -> str:
    """The paper's page on the author site (``web``), which asks for a login first."""
    return f"{_base()}{reverse('web:paper', kwargs={'submission_id': submission_id})}"


def report_link(submission_id) -> str:
    return f"{_base()}{reverse('web:paper-report', kwargs={'submission_id': submission_id})}"


def preferences_link() -> str:
    return f"{_base()}{reverse('web:preferences')}"


def editor_link(submission_id) -> str:
    """The submission's page in the editors' admin."""
    return f"{_base()}/admin/submissions/submission/{submission_id}/change/"


def _with_comment(body: str, comment: str) -> str:
    return f"{body}\n\nThe editors write:\n\n{comment.strip()}" if comment.strip() else body


# -- to authors ----------------------------------------------------------------------------
def message_received(*, submission_id, title: str, paper_version: int = 1) -> Message:
    if paper_version > 1:
        return Message(
            kind=Kind.RECEIVED,
            subject=f"Version {paper_version} of your paper has been received: “{one_line(title)}”",
            body=(
                f"We received version {paper_version} of your paper “{one_line(title)}”. It is "
                "now being compared with earlier submissions (never with its own earlier "
                "versions); the editors will see it with your response."
            ),
            link=submission_link(submission_id),
            data={"title": title, "version": paper_version},
        )
    return Message(
        kind=Kind.RECEIVED,
        subject=f"Your paper has been received: “{one_line(title)}”",
        body=(
            f"We received your paper “{one_line(title)}”. It is now being compared with earlier "
            "submissions; you will hear from us when that check is done."
        ),
        link=submission_link(submission_id),
        data={"title": title, "version": 1},
    )


def message_checked(*, submission_id, title: str, score: float, flagged: bool) -> Message:
    verdict = (
        "It was flagged, so an editor will look at the overlap before the review."
        if flagged
        else "It was not flagged."
    )
    return Message(
        kind=Kind.CHECKED,
        subject=f"Similarity check done: “{one_line(title)}”",
        body=(
            f"The similarity check of “{one_line(title)}” is done: {score:.0%} of its text "
            f"matches earlier texts by others. {verdict} The report shows every matching passage."
        ),
        link=report_link(submission_id),
        data={"title": title, "score": score, "flagged": flagged},
    )


def message_decision(
    *, submission_id, title: str, to_status: str, comment: str, reviews: Sequence = ()
) -> Message:
    """``reviews``: what the reviewers wrote to the authors (``label``, ``comments``), the
    reviewers numbered, never named."""
    headline, sentence = DECISION_NEWS[Status(to_status)]
    body = f"Your paper “{one_line(title)}” {sentence}."
    if to_status == Status.REVISION_REQUESTED:
        body += " When it is ready, send the revised version with a response to the editors."
    body = _with_comment(body, comment)
    written = [(label, text.strip()) for label, text in reviews if text.strip()]
    for label, text in written:
        body += f"\n\n{label} writes:\n\n{text}"
    data = {"title": title, "status": to_status, "status_label": status_label(to_status)}
    data |= {"comment": comment}
    if written:
        data["reviews"] = [{"reviewer": label, "comments": text} for label, text in written]
    return Message(
        kind=Kind.DECISION,
        subject=f"{headline}: “{one_line(title)}”",
        body=body,
        link=submission_link(submission_id),
        data=data,
    )


# -- to reviewers --------------------------------------------------------------------------
def reviewing_link() -> str:
    """The reviewer's invitations and papers on the site."""
    return f"{_base()}{reverse('web:reviewing')}"


def signup_link(email: str) -> str:
    """Sign-up with the invited address filled in; its invitations wait in Reviewing."""
    return f"{_base()}{reverse('web:signup')}?{urlencode({'email': email})}"


def message_invited(*, submission_id, title: str, due: date) -> Message:
    """Only the title and the due date: in double-blind nothing may name the authors."""
    return Message(
        kind=Kind.REVIEW_INVITATION,
        subject=f"Will you review “{one_line(title)}”?",
        body=(
            f"The editors invite you to review the paper “{one_line(title)}” by "
            f"{due:%d %B %Y}. Accept or decline (with a reason, or a conflict of interest) "
            "on your Reviewing page; the paper is shown once you accept."
        ),
        link=reviewing_link(),
        data={"title": title, "due": due.isoformat()},
    )


def message_removed(*, submission_id, title: str) -> Message:
    """To a reviewer an editor took off a paper (of the invitation's kind: their
    preferences for invitations apply). The editors' reason is theirs."""
    return Message(
        kind=Kind.REVIEW_INVITATION,
        subject=f"You no longer review “{one_line(title)}”",
        body=(
            f"The editors have taken you off the paper “{one_line(title)}”: you no longer "
            "need to review it, and it is no longer shown to you. Thank you for your time."
        ),
        link=reviewing_link(),
        data={"title": title},
    )


def message_reminder(*, submission_id, title: str, due: date, reminder: str) -> Message:
    if reminder == Reminder.OVERDUE:
        subject = f"Your review is overdue: “{one_line(title)}”"
        body = (
            f"Your review of “{one_line(title)}” was due on {due:%d %B %Y}. Please submit "
            "it, or tell the editors when it will come."
        )
    else:
        subject = f"Your review is due on {due:%d %B %Y}: “{one_line(title)}”"
        body = f"A reminder: your review of “{one_line(title)}” is due on {due:%d %B %Y}."
    return Message(
        kind=Kind.REVIEW_REMINDER,
        subject=subject,
        body=body,
        link=f"{_base()}{reverse('web:reviewing-paper', kwargs={'submission_id': submission_id})}",
        data={"title": title, "due": due.isoformat(), "reminder": reminder},
    )


# -- to editors ----------------------------------------------------------------------------
def notice_uploaded(*, submission_id, title: str, author: str, paper_version: int) -> Message:
    if paper_version > 1:
        return Message(
            kind=Kind.REVISION_RECEIVED,
            subject=f"Revision received (version {paper_version}): “{one_line(title)}”",
            body=(
                f"{author} sent version {paper_version} of “{one_line(title)}”. Its similarity "
                "check is running; the changes and the author's response are on its page."
            ),
            link=editor_link(submission_id),
            data={"title": title, "version": paper_version},
        )
    return Message(
        kind=Kind.NEW_SUBMISSION,
        subject=f"New submission: “{one_line(title)}”",
        body=f"{author} submitted “{one_line(title)}”. Its similarity check is running.",
        link=editor_link(submission_id),
        data={"title": title, "version": 1},
    )


def notice_flagged(*, submission_id, title: str, score: float) -> Message:
    return Message(
        kind=Kind.FLAGGED,
        subject=f"Flagged by the similarity check: “{one_line(title)}”",
        body=(
            f"The similarity check flagged “{one_line(title)}”: {score:.0%} of its words are "
            "credited to other people's texts. The report says why it was flagged and shows "
            "each matching passage beside its source."
        ),
        link=editor_link(submission_id),
        data={"title": title, "score": score},
    )


def notice_check_failed(*, submission_id, title: str, paper_version: int) -> Message:
    return Message(
        kind=Kind.CHECK_FAILED,
        subject=f"Similarity check failed: “{one_line(title)}”",
        body=(
            f"The similarity check of version {paper_version} of “{one_line(title)}” could not "
            "be done. You can re-run it from the paper's page, or decide without it (start "
            "the review or desk reject)."
        ),
        link=editor_link(submission_id),
        data={"title": title, "version": paper_version},
    )


def notice_review_received(
    *, submission_id, title: str, recommendation: str, complete: bool
) -> Message:
    """A review arrived; ``complete``: it was the last one awaited."""
    words = recommendation.replace("_", " ")
    if complete:
        subject = f"All reviews are in: “{one_line(title)}”"
        body = (
            f"The last awaited review of “{one_line(title)}” arrived (it recommends: {words}). "
            "Every reviewer who accepted has submitted; the paper waits for your decision."
        )
        kind = Kind.REVIEWS_COMPLETE
    else:
        subject = f"Review received: “{one_line(title)}”"
        body = f"A review of “{one_line(title)}” arrived; it recommends: {words}."
        kind = Kind.REVIEW_RECEIVED
    return Message(
        kind=kind,
        subject=subject,
        body=body,
        link=editor_link(submission_id),
        data={"title": title, "recommendation": recommendation, "complete": complete},
    )


def notice_declined(
    *, submission_id, title: str, reviewer: str, reason: str, conflict: bool, complete: bool
) -> Message:
    """A reviewer declined (``complete``: and every review of the round is in now)."""
    because = "a conflict of interest" if conflict else "a reason"
    body = f"{reviewer} declined to review “{one_line(title)}”"
    body += f", giving {because}:\n\n{reason.strip()}" if reason.strip() else "."
    if complete:
        body += "\n\nEvery other reviewer has submitted: the paper waits for your decision."
    else:
        body += "\n\nYou can invite someone else from the paper's reviews page."
    return Message(
        kind=Kind.REVIEWS_COMPLETE if complete else Kind.REVIEW_DECLINED,
        subject=(
            f"All reviews are in: “{one_line(title)}”"
            if complete
            else f"A reviewer declined: “{one_line(title)}”"
        ),
        body=body,
        link=editor_link(submission_id),
        data={"title": title, "reason": reason, "conflict": conflict, "complete": complete},
    )


def notice_withdrawn(*, submission_id, title: str, author: str, reason: str) -> Message:
    body = f"{author} withdrew “{one_line(title)}”."
    if reason.strip():
        body += f"\n\nTheir reason:\n\n{reason.strip()}"
    return Message(
        kind=Kind.WITHDRAWN,
        subject=f"Withdrawn by its author: “{one_line(title)}”",
        body=body,
        link=editor_link(submission_id),
        data={"title": title, "reason": reason},
    )
