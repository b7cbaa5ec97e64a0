"""Reads of the plagiarism app. Other apps learn a paper's check from here, never from its
tables: ``check_summary`` for one paper, ``with_checks`` to filter or sort a list by it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from plagiarism.models import Check, PublishedWork, Report

# What an author (and anyone but editors) reads when a check failed: never the error's text.
FAILED_FOR_PEOPLE = "the similarity check could not be done; the editors are told"


@dataclass(frozen=True)
class CheckSummary:
    """The check of one version as the rest of the product shows it."""

    state: str  # waiting, done or failed
    score: float | None
    flagged: bool | None
    checked_at: datetime | None
    error: str  # the plain sentence when it failed, else ""
    report_path: str | None  # the API's report, when there is one
    admin_path: str  # the editors' report page

    @property
    def done(self) -> bool:
        return self.state == Check.State.DONE


def _summary(submission_id, state, score, flagged, checked_at) -> CheckSummary:
    done = state == Check.State.DONE
    return CheckSummary(
        state=state,
        score=score,
        flagged=flagged,
        checked_at=checked_at,
        error=FAILED_FOR_PEOPLE if state == Check.State.FAILED else "",
        report_path=reverse("submission-report", kwargs={"submission_id": submission_id})
        if done
        else None,
        admin_path=reverse("admin:plagiarism_report_for_submission", args=[submission_id]),
    )


CHECK_COLUMNS = {
    "check_state": "state",
    "check_score": "score",
    "check_flagged": "flagged",
    "check_checked_at": "checked_at",
}


def with_checks(submissions: QuerySet, *, version_field: str = "version") -> QuerySet:
    """``submissions`` (any queryset of a model with the paper's id as ``pk`` and its
    current version number in ``version_field``) annotated with the current version's check:
    ``check_state``, ``check_score``, ``check_flagged``, ``check_checked_at``. Filter and sort
    on these; ``check_summary`` reads them without another query."""
    current = Check.objects.filter(
        submission_id=OuterRef("pk"), paper_version=OuterRef(version_field)
    )
    return submissions.annotate(
        **{name: Subquery(current.values(column)[:1]) for name, column in CHECK_COLUMNS.items()}
    )


def flagged_as(submissions: QuerySet, *, flagged: bool | None) -> QuerySet:
    """Of ``with_checks(submissions)``, those whose current check flagged them (``True``),
    or did not (``False``); all of them for None."""
    return submissions if flagged is None else submissions.filter(check_flagged=flagged)


def check_summary(*, submission_id, paper_version: int, annotated=None) -> CheckSummary | None:
    """The check of one version, None while none has started. ``annotated``: an object from
    ``with_checks``, whose annotations answer without a query."""
    if annotated is not None and hasattr(annotated, "check_state"):
        values = [getattr(annotated, name) for name in CHECK_COLUMNS]
    else:
        row = (
            Check.objects.filter(submission_id=submission_id, paper_version=paper_version)
            .values_list(*CHECK_COLUMNS.values())
            .first()
        )
        values = list(row) if row else [None]
    if values[0] is None or values[0] == Check.State.WAITING:
        return None
    return _summary(submission_id, *values)


def check_summaries(
    *, submission_id, versions: Iterable[int] | None = None
) -> dict[int, CheckSummary]:
    """The checks of several versions of one paper (every version when None), by version
    number (done or failed)."""
    rows = Check.objects.filter(submission_id=submission_id)
    if versions is not None:
        rows = rows.filter(paper_version__in=list(versions))
    return {
        row.paper_version: _summary(
            submission_id, row.state, row.score, row.flagged, row.checked_at
        )
        for row in rows
        if row.state != Check.State.WAITING
    }


def papers_flagged(*, submission_ids: Iterable) -> set[str]:
    """Which of these papers' checks (of any version) flagged them: an author's earlier
    paper that was flagged, matching her new one, is how editors see someone rewording a
    copy until it passes."""
    rows = Check.objects.filter(submission_id__in=list(submission_ids), flagged=True)
    return {str(pk) for pk in rows.values_list("submission_id", flat=True)}


def check_failed(*, submission_id, paper_version: int) -> bool:
    return Check.objects.filter(
        submission_id=submission_id, paper_version=paper_version, state=Check.State.FAILED
    ).exists()


def checks_waiting(*, since_before: datetime, limit: int = 500) -> list[tuple[str, int]]:
    """(submission id, version) of the checks still waiting since before a time, whatever
    the paper's status: a paper withdrawn (or moved on by an editor) before its check ran
    still gets its report, so the corpus and the venue's figures stay complete."""
    rows = Check.objects.filter(state=Check.State.WAITING, created_at__lt=since_before)
    return [
        (str(pk), number)
        for pk, number in rows.order_by("created_at").values_list("submission_id", "paper_version")[
            :limit
        ]
    ]


def report_for(*, submission_id, paper_version: int | None = None) -> Report | None:
    """The report in force for one version of a submission (of its latest version checked
    when None): an editor's latest re-score, else the check's own report; with its sources
    and passages."""
    reports = Report.objects.filter(submission_id=submission_id)
    if paper_version is not None:
        reports = reports.filter(paper_version=paper_version)
    latest = reports.order_by("-paper_version", "-checked_at").first()
    if latest is None:
        return None
    check = Check.objects.filter(
        submission_id=submission_id, paper_version=latest.paper_version, report__isnull=False
    ).first()
    in_force = check.report_id if check is not None else latest.pk
    return Report.objects.prefetch_related("sources__passages").get(pk=in_force)


def report_history(*, report: Report) -> list[Report]:
    """The check's own report of this version and every re-score of it, oldest first."""
    original = report.original or report
    return [original, *original.rescores.select_related("made_by").order_by("checked_at")]


@dataclass(frozen=True)
class WorkText:
    """A published work as the engine reads a source: it counts against a paper (it is not
    the author's own), and it came before every submission."""

    id: str
    text: str
    title: str
    order: datetime
    author_id: None = None
    version: int = 0
    published: bool = True


def work_order(year: int | None) -> datetime:
    """When a work counts as having appeared: the start of its year (the earliest time when
    unknown). Every submission arrived later, so a passage in both is credited to the work."""
    return datetime(year or 1, 1, 1, tzinfo=UTC)


def work_texts(*, ids: Iterable) -> list[WorkText]:
    rows = PublishedWork.objects.filter(pk__in=[str(i) for i in ids]).values_list(
        "id", "text", "title", "year"
    )
    return [WorkText(str(pk), text, title, work_order(year)) for pk, text, title, year in rows]


@dataclass(frozen=True)
class WorkCitation:
    """What a report says of a published source, to editors and authors alike."""

    title: str
    authors: str
    year: int | None
    doi: str
    url: str

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "authors": self.authors,
            "year": self.year,
            "doi": self.doi,
            "url": self.url,
        }

    def __str__(self) -> str:
        parts = [self.authors, f"({self.year})" if self.year else "", f"“{self.title}”"]
        citation = " ".join(p for p in parts if p)
        return f"{citation}, doi:{self.doi}" if self.doi else citation


REMOVED_WORK = WorkCitation("(removed from the catalogue)", "", None, "", "")


def work_citations(*, ids: Iterable) -> dict[str, WorkCitation]:
    """Published works by id, for reports (a work removed since reads as REMOVED_WORK)."""
    rows = PublishedWork.objects.filter(pk__in=[str(i) for i in ids]).values_list(
        "id", "title", "authors", "year", "doi", "url"
    )
    return {str(pk): WorkCitation(*rest) for pk, *rest in rows}
