"""Writes of the submissions app. Every change of status goes through ``submission_transition``,
which enforces the workflow (``submissions.workflow.WORKFLOW``, the one table of allowed steps) and
publishes the event in the same transaction."""

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from accounts.orcid import orcid_normalised
from accounts.selectors import email_verified, profile_of, verified_user_with_email
from config.errors import InvalidField, NotPermitted, Refused
from contracts.codes import Status, is_status
from contracts.events import PaperUploaded, SubmissionDecided
from outbox.services import publish_on_commit
from submissions.access import editor_required, edits
from submissions.extraction import Extracted, text_facts
from submissions.models import (
    ChecklistItem,
    Note,
    PaperAuthor,
    Submission,
    Transition,
    Version,
)
from submissions.roles import is_editor
from submissions.sandbox import caps_from_settings, extract_bounded
from submissions.workflow import (
    FINAL,
    OPEN_TO_VERSIONS,
    WORKFLOW,
    Actor,
    Condition,
    Step,
    refusal,
    status_label,
    step_between,
)

logger = logging.getLogger(__name__)

DECISIONS = (Status.ACCEPTED, Status.REJECTED, Status.REVISION_REQUESTED)


class TransitionNotAllowed(Refused):
    """The workflow does not allow this change, or not to this person. The message says
    why, and what can be done instead."""


class VersionNotAllowed(TransitionNotAllowed):
    """The paper's status does not take a new version."""


class ChecklistIncomplete(InvalidField):
    """Some items of the venue's submission checklist were not confirmed."""


class EmailNotVerified(NotPermitted):
    """The venue requires a verified email address before a paper is submitted."""


def submission_lock(*, submission_id) -> Submission:
    """The submission's row, locked until the caller's transaction ends: changes that depend
    on its status (a step of the workflow, a new version, an invitation to review) are made
    one at a time. Must run inside ``transaction.atomic``."""
    return Submission.objects.select_for_update().get(pk=submission_id)


def _checklist_confirmed(confirmed) -> list[str]:
    """The active checklist's items, in order, if ``confirmed`` (their ids) holds them all."""
    items = list(ChecklistItem.objects.filter(active=True))
    given = set(confirmed or ())
    missing = [item for item in items if item.pk not in given]
    if missing:
        raise ChecklistIncomplete(
            "confirm every item of the submission checklist; not confirmed: "
            + "; ".join(f"“{item.text}”" for item in missing),
            field="checklist",
        )
    return [item.text for item in items]


def _email_verified_check(author: AbstractBaseUser) -> None:
    if settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL and not email_verified(user=author):
        raise EmailNotVerified(
            f"confirm your email address ({author.email or 'none given'}) before you submit a "
            "paper: open the link we emailed you, or ask for a new one on your account page"
        )


class QuotaExceeded(Exception):
    """The author's quota does not allow this upload; ``quota`` says which one:
    ``bytes`` (stored in total) or ``papers_per_day``."""

    def __init__(self, message: str, *, quota: str) -> None:
        super().__init__(message)
        self.quota = quota


def _quota_check(*, author: AbstractBaseUser, adding_bytes: int) -> None:
    """Refuse an upload (a paper or a new version) past the author's quotas. Called inside
    the upload's transaction with the author's row locked, so two uploads at once cannot
    both slip under."""
    get_user_model().objects.select_for_update().filter(pk=author.pk).first()
    mine = Version.objects.filter(submission__author=author)
    per_day = settings.SUBMISSION_PAPERS_PER_DAY
    if per_day:
        today = mine.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
        if today >= per_day:
            raise QuotaExceeded(
                f"you have submitted {today} papers in the last 24 hours, the limit is {per_day}"
                " (new versions count too); try again tomorrow",
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
                f"more than your quota of {_megabytes(limit)}; ask the editors for more room",
                quota="bytes",
            )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


def _read_paper(upload: UploadedFile | None, text: str | None) -> Extracted:
    """A paper's text and facts, from a file (read in the bounded pool) or text sent as such.
    Nothing is written before this, so a refused upload leaves nothing."""
    if (upload is None) == (text is None):
        raise ValueError("give either an uploaded file or text")
    if upload is not None:
        return extract_bounded(upload.data, upload.name)
    return text_facts(text or "", "", caps_from_settings())


def _size(upload: UploadedFile | None, extracted: Extracted) -> int:
    """What an upload adds to the author's stored bytes."""
    return len(upload.data) if upload is not None else len(extracted.text)


def _attach_file(target: "Submission | Version", upload: UploadedFile | None, extracted) -> None:
    """Store the uploaded file under a name the server chooses (inside the caller's
    transaction; the caller removes it again if that fails)."""
    if upload is None:
        return
    target.original_filename = upload.name[:255]
    target.file_type = extracted.file_type
    target.file_size = len(upload.data)
    target.file.save(upload.name, ContentFile(upload.data), save=False)


def submission_create(
    *,
    author: AbstractBaseUser,
    title: str,
    abstract: str = "",
    upload: UploadedFile | None = None,
    text: str | None = None,
    checklist: Collection[int] | None = None,
) -> Submission:
    """Store a paper (a file, or text sent directly) and publish ``paper_uploaded``.

    ``checklist``: the ids of the venue's checklist items the author confirmed (all active
    ones must be). Refused with ``EmailNotVerified`` when the venue requires a verified
    address. Extraction happens before anything is written, so a refused upload leaves
    nothing. The file is written inside the transaction and removed again if the transaction
    fails.
    """
    _email_verified_check(author)
    confirmed = _checklist_confirmed(checklist)
    extracted = _read_paper(upload, text)
    submission = Submission(
        author=author,
        title=title,
        abstract=abstract,
        text=extracted.text,
        word_count=extracted.word_count,
        content_hash=extracted.content_hash,
        checklist=confirmed,
    )
    try:
        with transaction.atomic():
            _quota_check(author=author, adding_bytes=_size(upload, extracted))
            _attach_file(submission, upload, extracted)
            submission.save(force_insert=True)
            Version.objects.create(submission=submission, number=1, **_paper_fields(submission))
            _contact_author_add(submission, author)
            Transition.objects.create(
                submission=submission, to_status=Status.SUBMITTED, actor=author, version=1
            )
            publish_on_commit(_uploaded(submission))
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


PAPER_FIELDS = [
    "file",
    "original_filename",
    "file_type",
    "file_size",
    "text",
    "word_count",
    "content_hash",
]


def _paper_fields(source: Submission | Version) -> dict:
    return {name: getattr(source, name) for name in PAPER_FIELDS}


def _uploaded(submission: Submission) -> PaperUploaded:
    return PaperUploaded(
        submission_id=submission.id,
        author_id=submission.author_id,
        title=submission.title,
        content_hash=submission.content_hash,
        word_count=submission.word_count,
        paper_version=submission.version,
    )


# A step's condition is a fact another app owns (the check failed: plagiarism). That app
# registers the test when it starts (its AppConfig.ready), so submissions never imports it.
CONDITION_TESTS: dict[Condition, Callable[[Submission], bool]] = {}


def condition_register(*, condition: Condition, test: Callable[[Submission], bool]) -> None:
    CONDITION_TESTS[condition] = test


def condition_holds(condition: Condition | None, submission: Submission) -> bool:
    if condition is None:
        return True
    test = CONDITION_TESTS.get(condition)
    if test is None:
        raise ValueError(f"no app registered a test for the condition {condition!r}")
    return test(submission)


def _may_take(step: Step, submission: Submission, actor: AbstractBaseUser | None) -> bool:
    if not condition_holds(step.when, submission):
        return False
    if step.by == Actor.SYSTEM:
        return actor is None
    if actor is None:
        return False
    if step.by == Actor.EDITOR:
        return edits(user=actor, submission=submission)
    return actor.pk == submission.author_id


def steps_for(submission: Submission, actor: AbstractBaseUser | None) -> list[Step]:
    """The steps ``actor`` may take now (None: the system). Adding a version is a step of
    its own service, so it is not offered here."""
    return [
        step
        for step in WORKFLOW[Status(submission.status)]
        if _may_take(step, submission, actor) and not step.by_version
    ]


def _step_or_refuse(locked: Submission, to_status: str, actor) -> Step:
    step = step_between(locked.status, to_status) if is_status(to_status) else None
    if step is not None and step.by_version:
        raise TransitionNotAllowed(
            "A paper goes back to the editors when its author sends a new version "
            "(POST …/versions/), not by a change of status."
        )
    if step is not None and _may_take(step, locked, actor):
        return step
    allowed = steps_for(locked, actor)
    if step is not None and step.by == Actor.EDITOR and is_editor(actor):
        editor_required(user=actor, submission=locked)  # an editor in conflict: the rule
    if step is not None and condition_holds(step.when, locked):
        who = {
            Actor.EDITOR: "only an editor can do that",
            Actor.AUTHOR: "only the paper's author can do that",
            Actor.SYSTEM: "only the plagiarism check does that",
        }[step.by]
        raise TransitionNotAllowed(f"{refusal(locked.status, to_status, allowed)} ({who})")
    if step is not None and step.when == Condition.CHECK_FAILED:
        raise TransitionNotAllowed(
            f"{refusal(locked.status, to_status, allowed)} (before its similarity check is "
            "done, only when the check has failed)"
        )
    raise TransitionNotAllowed(refusal(locked.status, to_status, allowed))


def submission_transition(
    *,
    submission: Submission,
    to_status: str,
    actor: AbstractBaseUser | None,
    comment: str = "",
    note: str = "",
) -> Submission:
    """Move ``submission`` to ``to_status`` if the workflow allows it to ``actor``
    (None: the system). ``comment`` is for the author, ``note`` for editors only.

    The row is locked for the change, so two editors deciding at once cannot both win.
    Every change except the plagiarism check's publishes ``submission_decided``.
    """
    with transaction.atomic():
        locked = submission_lock(submission_id=submission.pk)
        step = _step_or_refuse(locked, to_status, actor)
        from_status = locked.status
        locked.status = step.to
        locked.save(update_fields=["status", "updated_at"])
        _record(locked, from_status, step, actor, comment=comment, note=note)
    logger.info(
        "submissions.transition submission_id=%s from=%s to=%s actor_id=%s",
        locked.id,
        from_status,
        to_status,
        actor.pk if actor else "-",
    )
    return locked


def _record(
    locked: Submission,
    from_status: str,
    step: Step,
    actor,
    *,
    comment: str = "",
    note: str = "",
    version: int | None = None,
) -> Transition:
    """The history row, the note and the event of one step (inside its transaction)."""
    now = timezone.now()
    transition = Transition.objects.create(
        submission=locked,
        from_status=from_status,
        to_status=step.to,
        actor=actor,
        comment=comment,
        version=version,
        created_at=now,
    )
    if note:
        Note.objects.create(
            submission=locked, author=actor, text=note, transition=transition, created_at=now
        )
    if step.to != Status.CHECKED and from_status != step.to:
        publish_on_commit(
            SubmissionDecided(
                submission_id=locked.id,
                from_status=from_status,
                to_status=step.to,
                editor_id=actor.pk if step.by == Actor.EDITOR else None,
                comment=comment,
                decided_at=now,
            )
        )
    return transition


def submission_withdraw(
    *, submission: Submission, author: AbstractBaseUser, reason: str = ""
) -> Submission:
    return submission_transition(
        submission=submission, to_status=Status.WITHDRAWN, actor=author, comment=reason
    )


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


def note_add(*, submission: Submission, editor: AbstractBaseUser, text: str) -> Note:
    """An internal note, for editors only."""
    editor_required(user=editor, submission=submission)
    return Note.objects.create(submission=submission, author=editor, text=text)


def submission_version_add(
    *,
    submission: Submission,
    author: AbstractBaseUser,
    upload: UploadedFile | None = None,
    text: str | None = None,
    response: str = "",
) -> Version:
    """Store a new version of a paper and publish ``paper_uploaded`` for it (its own check).

    Allowed to the paper's author while it is received, checked or sent back for a revision;
    a paper sent back returns to the editors (``submission_decided`` to ``submitted``), a
    checked one waits for its new check. Same input rules as a first upload, and a refused
    version leaves nothing behind.
    """
    extracted = _read_paper(upload, text)
    version: Version | None = None
    try:
        with transaction.atomic():
            locked = submission_lock(submission_id=submission.pk)
            if locked.author_id != author.pk:
                raise TransitionNotAllowed("only the paper's author can send a new version")
            if locked.status not in OPEN_TO_VERSIONS:
                raise VersionNotAllowed(
                    f"A paper whose status is “{status_label(locked.status)}” takes no new "
                    "version: versions are taken while the paper is received, checked or "
                    "sent back for a revision."
                )
            _quota_check(author=author, adding_bytes=_size(upload, extracted))
            version = Version(
                submission=locked,
                number=locked.version + 1,
                text=extracted.text,
                word_count=extracted.word_count,
                content_hash=extracted.content_hash,
                response=response,
            )
            _attach_file(version, upload, extracted)
            version.save(force_insert=True)
            for name, value in _paper_fields(version).items():
                setattr(locked, name, value)
            locked.version = version.number
            from_status = locked.status
            locked.status = Status.SUBMITTED
            locked.save()
            step = step_between(from_status, Status.SUBMITTED)
            assert step is not None, "OPEN_TO_VERSIONS and WORKFLOW disagree"
            _record(locked, from_status, step, author, version=version.number)
            publish_on_commit(_uploaded(locked))
    except BaseException:
        if version is not None and version.file:
            version.file.storage.delete(version.file.name)
        raise
    logger.info(
        "submissions.version_added submission_id=%s version=%d words=%d",
        locked.id,
        version.number,
        version.word_count,
    )
    return version


def submission_mark_checked(*, submission_id, paper_version: int) -> tuple[Submission, bool]:
    """The plagiarism check of one version is done: for the current version, move the
    submission to ``checked``. Returns the submission and whether the version checked is
    still its current one.

    Called by the plagiarism app inside its own transaction (which records the check and
    publishes ``plagiarism_checked``). A submission withdrawn or moved on meanwhile keeps its
    status."""
    with transaction.atomic():
        locked = submission_lock(submission_id=submission_id)
        current = paper_version == locked.version
        if current and locked.status == Status.SUBMITTED:
            locked = submission_transition(submission=locked, to_status=Status.CHECKED, actor=None)
    return locked, current


# -- the author list ------------------------------------------------------------------------
MAX_AUTHORS = 100


class AuthorListRefused(Refused):
    """The author list cannot be changed so (by this person, or at all now)."""


class AuthorListNotYours(NotPermitted, AuthorListRefused):
    """A co-author (who sees the paper) asked to change its list: only its contact can."""


def _contact_author_add(submission: Submission, author: AbstractBaseUser) -> PaperAuthor:
    """The submitting author, first in the list, with what their profile says."""
    profile = profile_of(user=author)
    name = " ".join(f"{author.first_name} {author.last_name}".split()) or author.get_username()
    return PaperAuthor.objects.create(
        submission=submission,
        position=1,
        name=name[:200],
        email=(author.email or "").lower(),
        affiliation=profile.affiliation,
        orcid=profile.orcid,
        user=author,
        contact=True,
    )


def paper_author_add(
    *,
    submission: Submission,
    actor: AbstractBaseUser,
    name: str,
    email: str,
    affiliation: str = "",
    orcid: str = "",
) -> PaperAuthor:
    """Add a co-author at the end of the paper's author list.

    The paper's contact (its submitting author) or an editor may; not once the decision is
    final. The co-author is linked to the account whose *verified* address ``email`` is, if
    there is one: that account then sees the paper and its notifications (an account that
    only claims the address is not trusted with the paper). ORCID iDs are checked by their
    check digit (``ValidationError`` keyed by field)."""
    name = " ".join(name.split())
    email = email.strip().lower()
    if not name:
        raise ValidationError({"name": ["give the co-author's name"]})
    try:
        orcid = orcid_normalised(orcid) if orcid.strip() else ""
    except ValidationError as exc:
        raise ValidationError({"orcid": exc.messages}) from exc
    with transaction.atomic():
        locked = submission_lock(submission_id=submission.pk)
        editor = edits(user=actor, submission=locked)
        if not editor and locked.author_id != actor.pk:
            raise AuthorListNotYours(
                "only the paper's contact (the author who submitted it) or an editor can "
                "change its author list"
            )
        if locked.status in FINAL and not editor:
            raise AuthorListRefused(
                f"the author list of a paper whose status is “{status_label(locked.status)}” "
                "can no longer change; write to the editors"
            )
        listed = list(PaperAuthor.objects.filter(submission=locked))
        if any(author.email == email for author in listed):
            raise AuthorListRefused(f"{email} is already one of the paper's authors")
        if len(listed) >= MAX_AUTHORS:
            raise AuthorListRefused(f"a paper lists at most {MAX_AUTHORS} authors")
        added = PaperAuthor.objects.create(
            submission=locked,
            position=max((author.position for author in listed), default=0) + 1,
            name=name[:200],
            email=email,
            affiliation=" ".join(affiliation.split())[:300],
            orcid=orcid,
            user=verified_user_with_email(email=email),
        )
    logger.info(
        "submissions.author_added submission_id=%s position=%d linked=%s",
        submission.pk,
        added.position,
        added.user_id is not None,
    )
    return added
