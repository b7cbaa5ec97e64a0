"""Reads of the submissions app. Authors see only their own submissions; staff see all."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from submissions.models import Submission, Transition

HISTORY = Prefetch("history", queryset=Transition.objects.select_related("actor"))


def submissions_visible_to(*, user: AbstractBaseUser) -> QuerySet[Submission]:
    submissions = Submission.objects.select_related("author").defer("text")
    return submissions if user.is_staff else submissions.filter(author=user)


def submission_get_for(*, user: AbstractBaseUser, submission_id) -> Submission | None:
    """The submission if ``user`` may see it; None otherwise (answered as 404, not 403, so
    that ids of other authors' papers reveal nothing)."""
    return (
        Submission.objects.select_related("author")
        .prefetch_related(HISTORY)
        .filter(pk=submission_id, **({} if user.is_staff else {"author": user}))
        .first()
    )
