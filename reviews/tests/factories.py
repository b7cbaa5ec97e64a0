"""Papers under review, reviewers and invitations for the reviews app's tests."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import EmailVerification
from contracts.codes import Status
from plagiarism.tests.factories import prose
from submissions.models import Submission
from submissions.services import paper_author_add, submission_create
from submissions.tests.factories import UserFactory


def verified(user):
    """A user whose address is proven (as its emailed link would)."""
    EmailVerification.objects.update_or_create(user=user, defaults={"email": user.email})
    return user


def paper_under_review(author=None, *, title="A study of passages", seed=1, coauthors=()):
    """A paper sent to review (its status set directly: the workflow is not under test
    here), with ``coauthors`` as (name, email, affiliation) added by its author."""
    author = author or UserFactory()
    paper = submission_create(author=author, title=title, text=prose(seed, 200))
    for name, email, affiliation in coauthors:
        paper_author_add(
            submission=paper, actor=author, name=name, email=email, affiliation=affiliation
        )
    Submission.objects.filter(pk=paper.pk).update(status=Status.UNDER_REVIEW)
    paper.refresh_from_db()
    return paper


def due_in(days: int = 14):
    return timezone.localdate() + timedelta(days=days)


class ReviewerFactory(UserFactory):
    """A user at an institution of their own (UserFactory's all share example.org, which
    the conflict check would rightly refuse as one domain)."""

    username = factory.Sequence(lambda n: f"reviewer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@{u.username}.example")
