"""Reads of the submissions app. Authors see only their own submissions; staff see all."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Prefetch, QuerySet

from plagiarism.selectors import with_checks
from submissions.models import Note, Submission, Transition, Version

HISTORY = Prefetch("history", queryset=Transition.objects.select_related("actor"))


def submissions_visible_to(*, user: AbstractBaseUser) -> QuerySet[Submission]:
    """With the current version's check annotated (``plagiarism.selectors.with_checks``)."""
    submissions = with_checks(Submission.objects.select_related("author").defer("text"))
    return submissions if user.is_staff else submissions.filter(author=user)


def submissions_filtered(
    submissions: QuerySet[Submission],
    *,
    status: str | None = None,
    author: str | None = None,
    flagged: bool | None = None,
    search: str | None = None,
) -> QuerySet[Submission]:
    """The list's filters (an author's own list takes them too)."""
    if status:
        submissions = submissions.filter(status=status)
    if author:
        submissions = submissions.filter(author__username__iexact=author)
    if flagged is not None:
        submissions = submissions.filter(check_flagged=flagged)
    if search:
        submissions = submissions.filter(title__icontains=search)
    return submissions


def notes_of(*, submission: Submission) -> QuerySet[Note]:
    return Note.objects.filter(submission=submission).select_related("author", "transition")


def submission_get_for(*, user: AbstractBaseUser, submission_id) -> Submission | None:
    """The submission if ``user`` may see it; None otherwise (answered as 404, not 403, so
    that ids of other authors' papers reveal nothing)."""
    return (
        Submission.objects.select_related("author")
        .prefetch_related(HISTORY)
        .filter(pk=submission_id, **({} if user.is_staff else {"author": user}))
        .first()
    )


@dataclass(frozen=True)
class PaperText:
    """What other apps may read of a submission: its text, author, title and age."""

    id: str
    text: str
    author_id: int
    title: str
    order: datetime  # created_at: the engine credits shared text to the earliest source
    version: int = 0  # the version whose text this is (0: the current one, not looked up)


def paper_texts(*, submission_ids: Iterable) -> list[PaperText]:
    rows = Submission.objects.filter(pk__in=list(submission_ids)).values_list(
        "id", "text", "author_id", "title", "created_at"
    )
    return [
        PaperText(str(pk), text, author, title, created)
        for pk, text, author, title, created in rows
    ]


def paper_version_text(*, submission_id, number: int | None = None) -> PaperText | None:
    """One version of a paper (its current version when ``number`` is None), or None."""
    versions = Version.objects.filter(submission_id=submission_id).select_related("submission")
    version = (
        versions.filter(number=number).first()
        if number is not None
        else versions.order_by("-number").first()
    )
    if version is None:
        return None
    paper = version.submission
    return PaperText(
        str(paper.id), version.text, paper.author_id, paper.title, paper.created_at, version.number
    )


def submission_exists(*, submission_id) -> bool:
    """Plain SQL: consumers ask this for every event they apply."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Submission._meta.db_table} WHERE id = %s",  # noqa: S608
            [submission_id],
        )
        return cursor.fetchone() is not None


def paper_titles(*, submission_ids: Iterable) -> dict[str, str]:
    rows = Submission.objects.filter(pk__in=list(submission_ids)).values_list("id", "title")
    return {str(pk): title for pk, title in rows}


def paper_ids_in_order() -> Iterator[str]:
    """Every submission id, oldest first (rebuilding an index)."""
    for pk in Submission.objects.order_by("created_at").values_list("id", flat=True).iterator():
        yield str(pk)


def paper_current_version(*, submission_id) -> int | None:
    """The current version's number, or None when there is no such paper."""
    return Submission.objects.filter(pk=submission_id).values_list("version", flat=True).first()
