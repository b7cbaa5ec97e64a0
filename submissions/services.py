"""Writes of the submissions app. Every change of status goes through ``submission_transition``,
which enforces the workflow and publishes the event in the same transaction."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from outbox.events import PaperUploaded, SubmissionDecided
from outbox.services import publish_on_commit
from submissions.extraction import Extracted, text_facts
from submissions.models import Status, Submission, Transition
from submissions.sandbox import caps_from_settings, extract_bounded

logger = logging.getLogger(__name__)

# Who may move a submission from one status to the next. "system": the plagiarism check.
EDITOR, AUTHOR, SYSTEM = "editor", "author", "system"
TRANSITIONS: dict[str, dict[str, str]] = {
    Status.SUBMITTED: {Status.CHECKED: SYSTEM, Status.WITHDRAWN: AUTHOR},
    Status.CHECKED: {Status.UNDER_REVIEW: EDITOR, Status.WITHDRAWN: AUTHOR},
    Status.UNDER_REVIEW: {
        Status.ACCEPTED: EDITOR,
        Status.REJECTED: EDITOR,
        Status.REVISION_REQUESTED: EDITOR,
        Status.WITHDRAWN: AUTHOR,
    },
    Status.REVISION_REQUESTED: {Status.UNDER_REVIEW: EDITOR, Status.WITHDRAWN: AUTHOR},
    Status.ACCEPTED: {},
    Status.REJECTED: {},
    Status.WITHDRAWN: {},
}
DECISIONS = (Status.ACCEPTED, Status.REJECTED, Status.REVISION_REQUESTED)


class TransitionNotAllowed(Exception):
    """The workflow does not allow this change, or not to this person."""


class QuotaExceeded(Exception):
    """The author's quota does not allow this upload; ``quota`` says which one:
    ``bytes`` (stored in total) or ``papers_per_day``."""

    def __init__(self, message: str, *, quota: str) -> None:
        super().__init__(message)
        self.quota = quota


def _quota_check(*, author: AbstractBaseUser, adding_bytes: int) -> None:
    """Refuse an upload past the author's quotas. Called inside the upload's transaction
    with the author's row locked, so two uploads at once cannot both slip under."""
    get_user_model().objects.select_for_update().filter(pk=author.pk).first()
    mine = Submission.objects.filter(author=author)
    per_day = settings.SUBMISSION_PAPERS_PER_DAY
    if per_day:
        today = mine.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
        if today >= per_day:
            raise QuotaExceeded(
                f"you have submitted {today} papers in the last 24 hours, the limit is {per_day}",
                quota="papers_per_day",
            )
    limit = settings.SUBMISSION_QUOTA_BYTES
    if limit:
        stored = mine.aggregate(
            files=Coalesce(Sum("file_size"), 0),
            texts=Coalesce(Sum(Length("text"), filter=Q(file="")), 0),
        )
        used = stored["files"] + stored["texts"]
        if used + adding_bytes > limit:
            raise QuotaExceeded(
                f"this upload would bring your papers to {_megabytes(used + adding_bytes)}, "
                f"more than your quota of {_megabytes(limit)}",
                quota="bytes",
            )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


def user_register(*, username: str, email: str, password: str) -> AbstractBaseUser:
    """A new author account. Raises ``django.core.exceptions.ValidationError`` for a weak
    password (Django's validators)."""
    user_model = get_user_model()
    user = user_model(username=username, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    logger.info("submissions.user_registered user_id=%s", user.pk)
    return user


def submission_create(
    *,
    author: AbstractBaseUser,
    title: str,
    abstract: str = "",
    upload: UploadedFile | None = None,
    text: str | None = None,
) -> Submission:
    """Store a paper (a file, or text sent directly) and publish ``paper_uploaded``.

    Extraction happens before anything is written, so a refused upload leaves nothing. The
    file is written inside the transaction and removed again if the transaction fails.
    """
    if (upload is None) == (text is None):
        raise ValueError("give either an uploaded file or text")
    extracted: Extracted = (
        extract_bounded(upload.data, upload.name)
        if upload is not None
        else text_facts(text or "", "", caps_from_settings())
    )
    submission = Submission(
        author=author,
        title=title,
        abstract=abstract,
        text=extracted.text,
        word_count=extracted.word_count,
        content_hash=extracted.content_hash,
    )
    try:
        with transaction.atomic():
            _quota_check(
                author=author,
                adding_bytes=len(upload.data) if upload is not None else len(extracted.text),
            )
            if upload is not None:
                submission.original_filename = upload.name[:255]
                submission.file_type = extracted.file_type
                submission.file_size = len(upload.data)
                submission.file.save(upload.name, ContentFile(upload.data), save=False)
            submission.save(force_insert=True)
            Transition.objects.create(
                submission=submission, to_status=Status.SUBMITTED, actor=author
            )
            publish_on_commit(
                PaperUploaded(
                    submission_id=submission.id,
                    author_id=author.pk,
                    title=submission.title,
                    content_hash=submission.content_hash,
                    word_count=submission.word_count,
                )
            )
    except BaseException:
        if submission.file:
            submission.file.storage.delete(submission.file.name)
        raise
    logger.info(
        "submissions.created submission_id=%s author_id=%s words=%d",
        submission.id,
        author.pk,
        submission.word_count,
    )
    return submission


def submission_transition(
    *,
    submission: Submission,
    to_status: str,
    actor: AbstractBaseUser | None,
    comment: str = "",
) -> Submission:
    """Move ``submission`` to ``to_status`` if the workflow allows it to ``actor``.

    The row is locked for the change, so two editors deciding at once cannot both win.
    Every change except the plagiarism check's publishes ``submission_decided``.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        allowed = TRANSITIONS[locked.status].get(to_status)
        if allowed is None:
            raise TransitionNotAllowed(
                f"a submission that is {Status(locked.status).label} cannot become "
                f"{Status(to_status).label}"
            )
        if allowed == EDITOR and not (actor is not None and actor.is_staff):
            raise TransitionNotAllowed(f"only an editor can make it {Status(to_status).label}")
        if allowed == AUTHOR and not (actor is not None and actor.pk == locked.author_id):
            raise TransitionNotAllowed("only its author can withdraw a submission")
        if allowed == SYSTEM and actor is not None:
            raise TransitionNotAllowed("only the plagiarism check marks a submission checked")
        from_status = locked.status
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
        now = timezone.now()
        Transition.objects.create(
            submission=locked,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            comment=comment,
            created_at=now,
        )
        if to_status != Status.CHECKED:
            publish_on_commit(
                SubmissionDecided(
                    submission_id=locked.id,
                    from_status=from_status,
                    to_status=to_status,
                    editor_id=actor.pk if allowed == EDITOR else None,
                    comment=comment,
                    decided_at=now,
                )
            )
    logger.info(
        "submissions.transition submission_id=%s from=%s to=%s actor_id=%s",
        locked.id,
        from_status,
        to_status,
        actor.pk if actor else "-",
    )
    return locked


def submission_withdraw(*, submission: Submission, author: AbstractBaseUser) -> Submission:
    return submission_transition(submission=submission, to_status=Status.WITHDRAWN, actor=author)


def submission_start_review(*, submission: Submission, editor: AbstractBaseUser) -> Submission:
    return submission_transition(submission=submission, to_status=Status.UNDER_REVIEW, actor=editor)


def submission_decide(
    *, submission: Submission, decision: str, editor: AbstractBaseUser, comment: str = ""
) -> Submission:
    if decision not in DECISIONS:
        raise TransitionNotAllowed(f"{decision!r} is not a decision")
    return submission_transition(
        submission=submission, to_status=decision, actor=editor, comment=comment
    )


def submission_mark_checked(*, submission_id, similarity_score: float, flagged: bool) -> Submission:
    """Record the plagiarism check's summary and move the submission to ``checked``.

    Called by the plagiarism app inside its own transaction (which publishes
    ``plagiarism_checked``). A submission withdrawn meanwhile keeps its status but still
    gets the summary.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission_id)
        locked.similarity_score = similarity_score
        locked.plagiarism_flagged = flagged
        locked.plagiarism_error = ""
        locked.checked_at = timezone.now()
        locked.save(
            update_fields=[
                "similarity_score",
                "plagiarism_flagged",
                "plagiarism_error",
                "checked_at",
            ]
        )
        if locked.status == Status.SUBMITTED:
            locked = submission_transition(submission=locked, to_status=Status.CHECKED, actor=None)
    return locked


def submission_mark_check_failed(*, submission_id, reason: str) -> None:
    """The plagiarism check gave up: say so on the submission rather than wait forever."""
    Submission.objects.filter(pk=submission_id, checked_at__isnull=True).update(
        plagiarism_error=reason[:500]
    )
