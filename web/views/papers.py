"""An author's papers: the list, submitting, a paper's page, its report, revising and
withdrawing. Thin: every rule is in ``submissions.services`` (the API calls the same ones),
and inputs are checked by the API's own input serializers, so the messages are the same."""

import itertools
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import email_verified
from config.api import file_response
from contracts.codes import Status
from plagiarism.engine import SourceKind
from plagiarism.reports import report_view_for_author
from plagiarism.selectors import check_summaries, check_summary, report_for, with_checks
from reviews.selectors import reviews_for_authors
from submissions.apis import UploadRateThrottle, max_upload_megabytes
from submissions.diff import version_diff
from submissions.extraction import ExtractionError
from submissions.models import Version
from submissions.selectors import (
    author_list,
    checklist_items,
    paper_version_text,
    submission_of_author,
    submissions_filtered,
    submissions_of_author,
    versions_of,
)
from submissions.serializers import (
    PaperAuthorInput,
    SubmissionFileInput,
    VersionFileInput,
    WithdrawInput,
)
from submissions.services import (
    AuthorListRefused,
    ChecklistIncomplete,
    EmailNotVerified,
    QuotaExceeded,
    TransitionNotAllowed,
    UploadedFile,
    paper_author_add,
    steps_for,
    submission_create,
    submission_version_add,
    submission_withdraw,
)
from submissions.workflow import FINAL, OPEN_TO_VERSIONS, WAITING, Actor, status_label

PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:papers")
    return render(request, "web/home.html", {"nav": "home"})


def _own_paper(request: HttpRequest, submission_id):
    """The paper if it is the user's own; anyone else's, or none, is the same 404."""
    submission = submission_of_author(author=request.user, submission_id=submission_id)
    if submission is None:
        raise Http404("no such paper")
    return submission


@login_required
def paper_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in {s.value for s in Status}:
        status = None
    search = (request.GET.get("q") or "").replace("\x00", "").strip()[:300] or None
    papers = submissions_filtered(
        with_checks(submissions_of_author(author=request.user)), status=status, search=search
    )
    page = Paginator(papers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/papers/list.html",
        {
            "nav": "papers",
            "page": page,
            "statuses": [(s.value, status_label(s)) for s in Status],
            "status": status or "",
            "q": search or "",
            "filtered": bool(status or search),
            "needs_verification": _needs_verification(request.user),
        },
    )


def _number(value: str | None) -> int | None:
    """A positive whole number written in ASCII digits, else None ("²".isdigit() is true)."""
    if value and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _needs_verification(user) -> bool:
    return settings.ACCOUNTS_REQUIRE_VERIFIED_EMAIL and not email_verified(user=user)


def _errors(serializer) -> dict[str, list[str]]:
    """The API serializer's errors by field, as plain strings."""
    return {
        field: [
            str(message) for message in (messages_ if isinstance(messages_, list) else [messages_])
        ]
        for field, messages_ in serializer.errors.items()
    }


def _too_many_uploads(request: HttpRequest) -> str | None:
    """The API's upload rate, shared with it (one count per author)."""
    throttle = UploadRateThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait() or 60
    return f"You have sent many uploads in a short time. Try again in {int(wait) + 1} seconds."


def _upload_fields(request: HttpRequest, serializer_class, values: dict):
    """The form's fields checked as the API checks them (its input serializer, its size
    limit, its upload rate): (fields, {}, 400) when they pass, else (None, errors, status)."""
    data = {**values}
    if "file" in request.FILES:
        data["file"] = request.FILES["file"]
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        return None, _errors(serializer), 400
    if serializer.validated_data["file"].size > settings.SUBMISSION_MAX_UPLOAD_BYTES:
        return None, {"file": [f"the file is larger than {max_upload_megabytes()}"]}, 413
    if (wait := _too_many_uploads(request)) is not None:
        return None, {"__all__": [wait]}, 429
    return dict(serializer.validated_data), {}, 400


def _upload(data) -> UploadedFile | None:
    file = data.pop("file", None)
    return None if file is None else UploadedFile(name=file.name, data=file.read())


def _refusal(exc: Exception) -> tuple[str, str]:
    """The field a refused upload's message belongs to, and the message."""
    if isinstance(exc, ChecklistIncomplete):
        return "checklist", str(exc)
    if isinstance(exc, QuotaExceeded | ExtractionError):
        return "file", str(exc)
    return "__all__", str(exc)


def _refusal_status(exc: Exception) -> int:
    if isinstance(exc, EmailNotVerified):
        return 403
    if isinstance(exc, ExtractionError) and exc.kind == "busy":
        return 503  # every reader busy: the same form again in a moment will do
    return 400


@login_required
@require_http_methods(["GET", "POST"])
def paper_new(request: HttpRequest) -> HttpResponse:
    items = checklist_items()
    context = {
        "nav": "new",
        "checklist": items,
        "max_upload": max_upload_megabytes(),
        "values": {"title": "", "abstract": ""},
        "errors": {},
        "confirmed": set(),
        "needs_verification": _needs_verification(request.user),
    }
    if request.method == "GET":
        return render(request, "web/papers/new.html", context)
    values = {"title": request.POST.get("title", ""), "abstract": request.POST.get("abstract", "")}
    confirmed = {n for v in request.POST.getlist("checklist") if (n := _number(v)) is not None}
    context |= {"values": values, "confirmed": confirmed}
    fields, context["errors"], status = _upload_fields(request, SubmissionFileInput, values)
    if fields is not None:
        upload = _upload(fields)
        try:
            submission = submission_create(
                author=request.user, upload=upload, checklist=sorted(confirmed), **fields
            )
        except (EmailNotVerified, ChecklistIncomplete, QuotaExceeded, ExtractionError) as exc:
            field, message = _refusal(exc)
            context["errors"] = {field: [message]}
            status = _refusal_status(exc)
        else:
            messages.success(
                request,
                f"Your paper “{submission.title}” has been received. Its similarity check is "
                "running; you will be notified when it is done.",
            )
            return redirect("web:paper", submission_id=submission.id)
    return render(request, "web/papers/new.html", context, status=status)


ACTOR_NAMES = {
    Actor.EDITOR: "The editors",
    Actor.AUTHOR: "You",
    Actor.SYSTEM: "The similarity check",
}


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    status: Status
    label: str
    who: str
    comment: str
    version: int | None


def _history(submission) -> list[HistoryEntry]:
    """What the author reads of the paper's history: each change, who made it (the editors,
    never an editor's name), and the comment addressed to them. Editors' notes are not here."""
    entries = []
    for step in submission.history.all():
        if step.actor_id is None:
            who = ACTOR_NAMES[Actor.SYSTEM]
        elif step.actor_id == submission.author_id:
            who = ACTOR_NAMES[Actor.AUTHOR]
        else:
            who = ACTOR_NAMES[Actor.EDITOR]
        entries.append(
            HistoryEntry(
                step.created_at,
                Status(step.to_status),
                status_label(step.to_status),
                who,
                step.comment,
                step.version,
            )
        )
    return list(reversed(entries))


@login_required
def paper_detail(request: HttpRequest, submission_id) -> HttpResponse:
    return _paper_page(request, _own_paper(request, submission_id))


def _paper_page(request: HttpRequest, submission, *, author_errors=None, author_values=None):
    is_contact = submission.author_id == request.user.pk
    versions = versions_of(submission=submission)
    checks = check_summaries(submission_id=submission.pk, versions=[v.number for v in versions])
    status = Status(submission.status)
    steps = steps_for(submission, request.user)
    return render(
        request,
        "web/papers/detail.html",
        {
            "nav": "papers",
            "paper": submission,
            "status": status,
            "status_label": status_label(status),
            "revision_requested": status == Status.REVISION_REQUESTED,
            "waiting": WAITING.get(status, ""),
            "check": check_summary(
                submission_id=submission.pk, paper_version=submission.version, annotated=submission
            ),
            "versions": [(v, checks.get(v.number)) for v in reversed(versions)],
            "history": _history(submission),
            "can_revise": status in OPEN_TO_VERSIONS and is_contact,
            "can_withdraw": any(s.to == Status.WITHDRAWN for s in steps),
            "authors": author_list(submission_id=submission.pk),
            "is_contact": is_contact,
            "can_add_author": is_contact and status not in FINAL,
            "reviews": reviews_for_authors(submission_id=submission.pk),
            "author_errors": author_errors or {},
            "author_values": author_values or {},
        },
        status=400 if author_errors else 200,
    )


@login_required
@require_POST
def paper_author_add_page(request: HttpRequest, submission_id) -> HttpResponse:
    """The contact adds a co-author (the API's serializer and service, the same rules)."""
    submission = _own_paper(request, submission_id)
    values = {k: request.POST.get(k, "") for k in ("name", "email", "affiliation", "orcid")}
    data = PaperAuthorInput(data=values)
    errors: dict[str, list[str]] = {}
    if not data.is_valid():
        errors = _errors(data)
    else:
        try:
            added = paper_author_add(
                submission=submission, actor=request.user, **data.validated_data
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except AuthorListRefused as exc:
            errors = {"__all__": [str(exc)]}
        else:
            messages.success(
                request,
                f"{added.name} is now author {added.position}."
                + (
                    ""
                    if added.user_id
                    else " They see the paper once they confirm an account with this address."
                ),
            )
            return redirect("web:paper", submission_id=submission.pk)
    return _paper_page(request, submission, author_errors=errors, author_values=values)


@dataclass(frozen=True)
class Segment:
    text: str
    marks: tuple[dict, ...]  # the passages covering it (empty: not matched)

    @property
    def kind(self) -> str:
        return self.marks[0]["kind"] if self.marks else ""

    @property
    def label(self) -> str:
        return "; ".join(f"{m['source']} ({m['kind_label'].lower()})" for m in self.marks)


def highlighted(text: str, passages: list[dict]) -> list[Segment]:
    """The paper's text cut where matched passages start and end, each piece with the
    passages that cover it (passages of different sources may overlap)."""
    cuts = sorted({0, len(text), *(p["start"] for p in passages), *(p["end"] for p in passages)})
    cuts = [c for c in cuts if 0 <= c <= len(text)]
    segments = []
    for start, end in itertools.pairwise(cuts):
        if start == end:
            continue
        covering = tuple(p for p in passages if p["start"] <= start and end <= p["end"])
        segments.append(Segment(text[start:end], covering))
    return segments


@login_required
def paper_report(request: HttpRequest, submission_id) -> HttpResponse:
    submission = _own_paper(request, submission_id)
    version = _number(request.GET.get("version")) or submission.version
    if not 1 <= version <= submission.version:
        raise Http404("no such version")
    report = report_for(submission_id=submission.pk, paper_version=version)
    context = {"nav": "papers", "paper": submission, "version": version, "report": None}
    if report is not None:
        view = report_view_for_author(report=report)
        checked = paper_version_text(submission_id=submission.pk, number=version)
        text = checked.text if checked else ""
        context |= {
            "report": view,
            "segments": highlighted(text, view["passages"]),
            "kinds": [(k.value, k.label) for k in SourceKind],
        }
    else:
        context["check"] = check_summary(submission_id=submission.pk, paper_version=version)
    return render(request, "web/papers/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def paper_revise(request: HttpRequest, submission_id) -> HttpResponse:
    submission = _own_paper(request, submission_id)
    context = {
        "nav": "papers",
        "paper": submission,
        "max_upload": max_upload_megabytes(),
        "response": "",
        "errors": {},
        "open": Status(submission.status) in OPEN_TO_VERSIONS,
        "revision_requested": submission.status == Status.REVISION_REQUESTED,
    }
    if request.method == "GET":
        return render(
            request, "web/papers/revise.html", context, status=200 if context["open"] else 409
        )
    context["response"] = request.POST.get("response", "")
    fields, context["errors"], status = _upload_fields(
        request, VersionFileInput, {"response": context["response"]}
    )
    if fields is not None:
        upload = _upload(fields)
        try:
            version = submission_version_add(
                submission=submission, author=request.user, upload=upload, **fields
            )
        except TransitionNotAllowed as exc:
            context["errors"] = {"__all__": [str(exc)]}
            status = 409
        except (QuotaExceeded, ExtractionError) as exc:
            context["errors"] = {"file": [str(exc)]}
            status = _refusal_status(exc)
        else:
            messages.success(
                request,
                f"Version {version.number} has been received and sent to the editors with your "
                "response. Its similarity check is running.",
            )
            return redirect("web:paper", submission_id=submission.id)
    return render(request, "web/papers/revise.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def paper_withdraw(request: HttpRequest, submission_id) -> HttpResponse:
    submission = _own_paper(request, submission_id)
    allowed = any(s.to == Status.WITHDRAWN for s in steps_for(submission, request.user))
    context = {"nav": "papers", "paper": submission, "allowed": allowed, "reason": "", "errors": {}}
    if request.method == "GET":
        return render(request, "web/papers/withdraw.html", context, status=200 if allowed else 409)
    context["reason"] = request.POST.get("reason", "")
    serializer = WithdrawInput(data={"reason": context["reason"]})
    if not request.POST.get("confirm"):
        context["errors"] = {"confirm": ["tick the box to confirm that you withdraw this paper"]}
    elif not serializer.is_valid():
        context["errors"] = _errors(serializer)
    else:
        try:
            submission_withdraw(
                submission=submission,
                author=request.user,
                reason=serializer.validated_data.get("reason", ""),
            )
        except TransitionNotAllowed as exc:
            context["errors"] = {"__all__": [str(exc)]}
            return render(request, "web/papers/withdraw.html", context, status=409)
        messages.success(request, f"“{submission.title}” has been withdrawn.")
        return redirect("web:paper", submission_id=submission.id)
    return render(request, "web/papers/withdraw.html", context, status=400)


def _own_version(request: HttpRequest, submission_id, number: int) -> Version:
    submission = _own_paper(request, submission_id)
    version = Version.objects.filter(submission=submission, number=number).first()
    if version is None:
        raise Http404("no such version")
    return version


@login_required
def version_file(request: HttpRequest, submission_id, number: int) -> HttpResponse:
    version = _own_version(request, submission_id, number)
    if not version.file:
        raise Http404("this version was sent as text, without a file")
    return file_response(version.file, version.original_filename)


@login_required
def version_diff_page(request: HttpRequest, submission_id, number: int) -> HttpResponse:
    version = _own_version(request, submission_id, number)
    if number == 1:
        raise Http404("version 1 is the first: there is nothing before it to compare")
    previous = Version.objects.get(submission_id=version.submission_id, number=number - 1)
    return render(
        request,
        "web/papers/diff.html",
        {
            "nav": "papers",
            "paper": version.submission,
            "version": version,
            "previous": previous,
            "changes": version_diff(previous.text, version.text),
            "paper_url": reverse("web:paper", kwargs={"submission_id": version.submission_id}),
        },
    )
