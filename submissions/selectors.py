"""Reads of the submissions app. Authors see only their own submissions; staff see all."""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Profile
from contracts.codes import Status
from submissions.models import (
    ChecklistItem,
    Note,
    PaperAuthor,
    Submission,
    Transition,
    Version,
)
from submissions.roles import is_editor

HISTORY = Prefetch("history", queryset=Transition.objects.select_related("actor"))


def authored_by(user: AbstractBaseUser) -> Q:
    """The papers ``user`` submitted or is a linked co-author of."""
    return Q(author=user) | Q(pk__in=PaperAuthor.objects.filter(user=user).values("submission_id"))


def submissions_visible_to(*, user: AbstractBaseUser) -> QuerySet[Submission]:
    """Staff see all; anyone else the papers they wrote (submitted, or co-authored). (The
    check of each is the plagiarism app's: the API joins it, ``plagiarism.selectors``.)"""
    submissions = Submission.objects.select_related("author").defer("text")
    return submissions if is_editor(user) else submissions.filter(authored_by(user))


def submissions_filtered(
    submissions: QuerySet[Submission],
    *,
    status: str | None = None,
    author: str | None = None,
    search: str | None = None,
) -> QuerySet[Submission]:
    """The list's filters (an author's own list takes them too)."""
    if status:
        submissions = submissions.filter(status=status)
    if author:
        submissions = submissions.filter(author__username__iexact=author)
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
        .filter(Q(pk=submission_id) & (Q() if is_editor(user) else authored_by(user)))
        .first()
    )


@dataclass(frozen=True)
class PaperText:
    """What other apps may read of a submission: its text, author, title and age."""

    id: str
    text: str
    author_id: int
    title: str
    order: datetime  # when it arrived: the engine credits shared text to the earliest source
    version: int = 0  # the version whose text this is (0: the current one, not looked up)


def paper_texts(*, submission_ids: Iterable) -> list[PaperText]:
    """The current versions' texts."""
    rows = Submission.objects.filter(pk__in=list(submission_ids)).values_list(
        "id", "text", "author_id", "title", "created_at", "version"
    )
    return [
        PaperText(str(pk), text, author, title, created, version)
        for pk, text, author, title, created, version in rows
    ]


def paper_versions_before(*, submission_id, number: int, limit: int = 10) -> list[PaperText]:
    """The versions of a paper before ``number`` (the latest ``limit`` of them), each
    ordered by when it arrived."""
    rows = (
        Version.objects.filter(submission_id=submission_id, number__lt=number)
        .select_related("submission")
        .order_by("-number")[:limit]
    )
    return [
        PaperText(
            str(submission_id),
            version.text,
            version.submission.author_id,
            version.submission.title,
            version.created_at,
            version.number,
        )
        for version in rows
    ]


def paper_texts_of_versions(*, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Texts of given versions of papers, by (submission id, version number)."""
    wanted = {(str(pk), number) for pk, number in pairs}
    if not wanted:
        return {}
    rows = Version.objects.filter(
        submission_id__in={pk for pk, _ in wanted}, number__in={n for _, n in wanted}
    ).values_list("submission_id", "number", "text")
    return {(str(pk), n): text for pk, n, text in rows if (str(pk), n) in wanted}


def paper_version(*, submission_id, number: int) -> Version | None:
    """One version of a paper, with its text and file (what a reviewer invited to it reads)."""
    return Version.objects.filter(submission_id=submission_id, number=number).first()


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
    paper, arrived = version.submission, version.created_at
    return PaperText(
        str(paper.id), version.text, paper.author_id, paper.title, arrived, version.number
    )


@dataclass(frozen=True)
class PaperPeople:
    """Whom a paper's news is for: its submitting author (its contact), then the co-authors
    with an account in the paper's order, and its title as it is now."""

    title: str
    author_id: int
    coauthor_ids: list[int]

    @property
    def user_ids(self) -> list[int]:
        return [self.author_id, *self.coauthor_ids]


PAPER_PEOPLE_SQL = (
    "SELECT s.id, s.title, s.author_id, "  # noqa: S608
    f"ARRAY(SELECT a.user_id FROM {PaperAuthor._meta.db_table} a "
    "WHERE a.submission_id = s.id AND a.user_id <> s.author_id ORDER BY a.position) "
    f"FROM {Submission._meta.db_table} s WHERE s.id = ANY(%s::uuid[])"
)


def paper_people(*, submission_ids: Collection) -> dict:
    """Each paper's title and the accounts of its authors, by id (papers that do not exist
    are left out). One statement for any number of papers: the notifications consumer asks
    it once per run of events."""
    with connection.cursor() as cursor:
        cursor.execute(PAPER_PEOPLE_SQL, [list(submission_ids)])
        rows = cursor.fetchall()
    return {row[0]: PaperPeople(row[1], row[2], list(row[3])) for row in rows}


def paper_titles(*, submission_ids: Iterable) -> dict[str, str]:
    rows = Submission.objects.filter(pk__in=list(submission_ids)).values_list("id", "title")
    return {str(pk): title for pk, title in rows}


def paper_authors(*, submission_ids: Iterable) -> dict[str, str]:
    """Usernames of the papers' submitting authors (for editors' reports)."""
    rows = Submission.objects.filter(pk__in=list(submission_ids)).values_list(
        "id", "author__username"
    )
    return {str(pk): username for pk, username in rows}


def paper_ids_in_order() -> Iterator[str]:
    """Every submission id, oldest first (rebuilding an index)."""
    for pk in Submission.objects.order_by("created_at").values_list("id", flat=True).iterator():
        yield str(pk)


def paper_current_version(*, submission_id) -> int | None:
    """The current version's number, or None when there is no such paper."""
    return Submission.objects.filter(pk=submission_id).values_list("version", flat=True).first()


def submission_of_author(*, author: AbstractBaseUser, submission_id) -> Submission | None:
    """One of ``author``'s own papers (submitted or co-authored), with its history (the
    author site shows only these, also to editors); None for anyone else's or no paper."""
    return (
        Submission.objects.select_related("author")
        .defer("text")
        .prefetch_related(HISTORY)
        .filter(Q(pk=submission_id) & authored_by(author))
        .first()
    )


def submissions_of_author(*, author: AbstractBaseUser) -> QuerySet[Submission]:
    """``author``'s own papers (submitted or co-authored), newest first."""
    return Submission.objects.defer("text", "abstract").filter(authored_by(author))


def author_list(*, submission_id) -> list[PaperAuthor]:
    """The paper's authors in order (the submitting author among them, ``contact``)."""
    return list(PaperAuthor.objects.filter(submission_id=submission_id))


def papers_coauthored(*, users: Collection[int], emails: Collection[str], exclude) -> set:
    """Ids of papers (other than ``exclude``) that list any of these accounts or addresses
    as authors: the earlier co-authorship a conflict of interest looks for."""
    lowered = [email.lower() for email in emails if email]
    return set(
        PaperAuthor.objects.filter(Q(user_id__in=list(users)) | Q(email__in=lowered))
        .exclude(submission_id=exclude)
        .values_list("submission_id", flat=True)
    )


def authors_of_papers(*, submission_ids: Collection) -> dict:
    """Each paper's authors in order, by paper id, in one query."""
    found: dict = {}
    for author in PaperAuthor.objects.filter(submission_id__in=list(submission_ids)):
        found.setdefault(author.submission_id, []).append(author)
    return found


def authorships_of_many(*, user_ids: Collection[int], emails: Collection[str]) -> list[PaperAuthor]:
    """Where any of these accounts or addresses is listed as an author, in one query."""
    lowered = [email.lower() for email in emails if email]
    return list(PaperAuthor.objects.filter(Q(user_id__in=list(user_ids)) | Q(email__in=lowered)))


def papers_possibly_conflicted(*, user: AbstractBaseUser, domains: list[str]) -> dict:
    """Papers (id: contact's user id) that may be in conflict with ``user``, in one query:
    a superset for ``submissions.conflicts`` to decide on. ``domains``: the institutions'
    domains the user's address is in (cs.uni.edu: cs.uni.edu and uni.edu)."""
    email = user.email.lower()
    theirs = PaperAuthor.objects.filter(Q(user_id=user.pk) | (Q(email=email) if email else Q()))
    affiliations = {a for a in theirs.values_list("affiliation", flat=True) if a}
    affiliations |= {
        a for a in Profile.objects.filter(user=user).values_list("affiliation", flat=True) if a
    }
    partners = PaperAuthor.objects.filter(submission_id__in=theirs.values("submission_id"))
    near = Q(pk__in=theirs.values("submission_id")) | Q(author=user)
    for domain in domains:
        near |= Q(authors__email__iendswith="@" + domain) | Q(
            authors__email__iendswith="." + domain
        )
    for affiliation in affiliations:
        near |= Q(authors__affiliation__iexact=affiliation)
    near |= Q(authors__user_id__in=partners.exclude(user=None).values("user_id"))
    near |= Q(authors__email__in=partners.exclude(email="").values("email"))
    return dict(Submission.objects.filter(near).distinct().values_list("pk", "author_id"))


def authorships_of(*, user_id: int | None, email: str) -> list[PaperAuthor]:
    """Where a person is listed as an author (their account, or their address), any paper."""
    found = Q(email=email.lower()) if email else Q(pk__in=[])
    if user_id is not None:
        found |= Q(user_id=user_id)
    return list(PaperAuthor.objects.filter(found))


REVIEW_DECISIONS = (Status.ACCEPTED, Status.REJECTED, Status.REVISION_REQUESTED)


def decided_since(*, submission_id, since: datetime) -> bool:
    """Whether an editor decided on the paper (accepted, rejected, asked for a revision)
    after ``since``: a review written before that decision is closed."""
    return Transition.objects.filter(
        submission_id=submission_id, to_status__in=REVIEW_DECISIONS, created_at__gt=since
    ).exists()


def decision_times(*, submission_id) -> list[datetime]:
    """When the editors decided on the paper (each decision ends a review round), in order."""
    return list(
        Transition.objects.filter(submission_id=submission_id, to_status__in=REVIEW_DECISIONS)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def paper_status(*, submission_id) -> str | None:
    return Submission.objects.filter(pk=submission_id).values_list("status", flat=True).first()


def versions_of(*, submission: Submission) -> list[Version]:
    return list(Version.objects.filter(submission=submission).defer("text"))


def checklist_items() -> list[ChecklistItem]:
    """The venue's submission checklist as authors answer it now."""
    return list(ChecklistItem.objects.filter(active=True))
