"""A reviewer's pages: invitations to accept or decline, the papers they review (in the
venue's blind mode) and the review form. Thin: the rules are in ``reviews.services`` (the
API calls the same ones), inputs are checked by the API's serializers, and anything not the
reviewer's is the site's 404 page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.api import file_response
from contracts.codes import ReviewProgress, Status
from reviews.models import Invitation, Recommendation
from reviews.selectors import (
    double_blind,
    invitation_of_reviewer,
    invitation_overdue,
    invitations_of_reviewer,
    review_open,
    review_progress,
    reviewing_of,
    reviewing_paper,
)
from reviews.serializers import DeclineInput, ReviewInput
from reviews.services import (
    ReviewFields,
    ReviewInputError,
    ReviewRefused,
    invitation_accept,
    invitation_decline,
    review_save,
)
from submissions.selectors import author_list
from web.views.papers import _errors

PROGRESS_WORDS = {
    ReviewProgress.NONE: "not started",
    ReviewProgress.DRAFT: "draft saved",
    ReviewProgress.SUBMITTED: "sent to the editors",
}


@login_required
def reviewing(request: HttpRequest) -> HttpResponse:
    invitations = list(invitations_of_reviewer(user=request.user)[:200])
    papers = list(reviewing_of(user=request.user)[:200])
    for paper in papers:
        paper.overdue = invitation_overdue(paper)
        paper.review_state_words = PROGRESS_WORDS[review_progress(paper)]
    return render(
        request,
        "web/reviewing/list.html",
        {
            "nav": "reviewing",
            # An invitation to a paper no longer under review can only be refused: not shown.
            "pending": [
                i
                for i in invitations
                if i.state == Invitation.State.PENDING
                and i.submission.status == Status.UNDER_REVIEW
            ],
            "papers": papers,
            "declined": [i for i in invitations if i.state == Invitation.State.DECLINED],
        },
    )


def _own_invitation(request: HttpRequest, invitation_id) -> Invitation:
    invitation = invitation_of_reviewer(user=request.user, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("no such invitation")
    return invitation


@login_required
@require_POST
def invitation_accept_page(request: HttpRequest, invitation_id) -> HttpResponse:
    invitation = _own_invitation(request, invitation_id)
    try:
        invitation_accept(invitation=invitation, reviewer=request.user)
    except ReviewRefused as exc:
        messages.error(request, str(exc).capitalize())
        return redirect("web:reviewing")
    messages.success(request, f"Thank you. Your review is due on {invitation.due:%d %B %Y}.")
    return redirect("web:reviewing-paper", submission_id=invitation.submission_id)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_decline_page(request: HttpRequest, invitation_id) -> HttpResponse:
    invitation = _own_invitation(request, invitation_id)
    context = {"nav": "reviewing", "invitation": invitation, "errors": {}, "reason": ""}
    if request.method == "POST":
        values = {
            "reason": request.POST.get("reason", ""),
            "conflict": request.POST.get("conflict") == "yes",
        }
        context["reason"] = values["reason"]
        context["conflict"] = values["conflict"]
        data = DeclineInput(data=values)
        if not data.is_valid():
            context["errors"] = _errors(data)
        else:
            try:
                invitation_decline(
                    invitation=invitation, reviewer=request.user, **data.validated_data
                )
            except ReviewInputError as exc:
                context["errors"] = {exc.field: [str(exc)]}
            except ReviewRefused as exc:
                context["errors"] = {"__all__": [str(exc)]}
            else:
                messages.success(request, "You declined; the editors are told your reason.")
                return redirect("web:reviewing")
        return render(request, "web/reviewing/decline.html", context, status=400)
    return render(request, "web/reviewing/decline.html", context)


def _reviewed(request: HttpRequest, submission_id) -> Invitation:
    invitation = reviewing_paper(user=request.user, submission_id=submission_id)
    if invitation is None:
        raise Http404("no such paper")
    return invitation


@login_required
@require_http_methods(["GET", "POST"])
def reviewing_paper_page(request: HttpRequest, submission_id) -> HttpResponse:
    invitation = _reviewed(request, submission_id)
    review = getattr(invitation, "review", None)
    values = {
        "recommendation": review.recommendation if review else "",
        "score": str(review.score) if review else "",
        "confidence": str(review.confidence) if review else "",
        "comments_to_authors": review.comments_to_authors if review else "",
        "confidential_comments": review.confidential_comments if review else "",
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        draft = request.POST.get("action") == "draft"
        data = ReviewInput(data={**values, "draft": draft})
        if not data.is_valid():
            errors, status = _errors(data), 400
        else:
            fields = dict(data.validated_data)
            fields.pop("draft")
            try:
                review_save(
                    submission=invitation.submission,
                    reviewer=request.user,
                    fields=ReviewFields(**fields),
                    submit=not draft,
                )
            except ReviewRefused as exc:
                errors, status = {"__all__": [str(exc)]}, 409
            else:
                messages.success(
                    request,
                    "Your draft is saved; nobody else sees it."
                    if draft
                    else "Your review is submitted. You can change it until the editors decide.",
                )
                return redirect("web:reviewing-paper", submission_id=submission_id)
    paper = invitation.submission
    return render(
        request,
        "web/reviewing/paper.html",
        {
            "nav": "reviewing",
            "invitation": invitation,
            "paper": paper,
            "review": review,
            "open": review_open(invitation),
            "overdue": invitation_overdue(invitation),
            "double_blind": double_blind(),
            "authors": None if double_blind() else author_list(submission_id=paper.pk),
            "values": values,
            "errors": errors,
            "recommendations": Recommendation.choices,
            "scale": ["1", "2", "3", "4", "5"],
        },
        status=status,
    )


@login_required
def reviewing_file(request: HttpRequest, submission_id) -> HttpResponse:
    version = _reviewed(request, submission_id).version  # the version they were invited to
    if not version.file or double_blind():
        raise Http404("the file is not shown to reviewers")
    return file_response(
        version.file, f"paper-{submission_id}-v{version.number}.{version.file_type}"
    )
