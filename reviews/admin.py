"""Editors' peer review in the admin: invitations (made through ``invitation_create``, so
conflicts are checked and the event published), overdue reviews, and each paper's reviews
side by side."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from contracts.codes import Status
from reviews.models import Invitation, Review
from reviews.selectors import invitation_overdue, invitations_of_submission, reviews_for_editors
from reviews.services import ReviewInputError, ReviewRefused, invitation_create
from submissions.access import PaperAdminAccess, admin_paper_check
from submissions.models import Submission


class InviteForm(forms.ModelForm):
    reviewer = forms.CharField(
        max_length=254, help_text="a username, or an email address (a sign-up link is sent)"
    )
    override_conflict = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="only to invite despite a conflict of interest: your justification",
    )

    class Meta:
        model = Invitation
        fields = ["submission", "due"]

    editor = None  # set by the admin for each request
    created: Invitation | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.created = invitation_create(
                submission=data["submission"],
                editor=self.editor,
                reviewer=data["reviewer"],
                due=data["due"],
                override_conflict=data.get("override_conflict", ""),
            )
        except ReviewInputError as exc:
            raise ValidationError({exc.field: str(exc)}) from exc
        except ReviewRefused as exc:
            raise ValidationError(str(exc)) from exc
        return data


class OverdueFilter(admin.SimpleListFilter):
    title = "review overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                state=Invitation.State.ACCEPTED, due__lt=timezone.localdate()
            ).exclude(review__submitted_at__isnull=False)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(PaperAdminAccess, admin.ModelAdmin):
    list_display = ["paper", "who", "state", "due", "overdue", "reviewed", "created_at"]
    list_filter = ["state", OverdueFilter, "conflict_declared", "due"]
    search_fields = ["submission__title", "email", "reviewer__username"]
    list_select_related = ["submission", "reviewer", "review"]
    readonly_fields = [
        "submission",
        "reviewer",
        "email",
        "invited_by",
        "due",
        "paper_version",
        "state",
        "reason",
        "conflict_declared",
        "conflicts",
        "override_justification",
        "created_at",
        "answered_at",
        "emailed_at",
        "reminded_before_at",
        "reminded_overdue_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=InviteForm, fields=None)
        form.editor = request.user
        form.base_fields["submission"].queryset = Submission.objects.filter(
            status=Status.UNDER_REVIEW
        ).defer("text")
        return form

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["submission", "reviewer", "due", "override_conflict"]
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {"submission": request.GET.get("submission")}

    def save_form(self, request, form, change):
        return form.created if not change else super().save_form(request, form, change)

    def save_model(self, request, obj, form, change) -> None:
        """Made by ``invitation_create`` when the form was checked; nothing to change."""

    def save_related(self, request, form, formsets, change) -> None:
        """An invitation has no related rows to save."""

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of who was asked, and their answer, stays

    @admin.display(description="paper", ordering="submission__title")
    def paper(self, invitation) -> str:
        url = reverse("admin:reviews_side_by_side", args=[invitation.submission_id])
        return format_html('<a href="{}">{}</a>', url, invitation.submission.title)

    @admin.display(description="reviewer", ordering="email")
    def who(self, invitation) -> str:
        return invitation.reviewer.username if invitation.reviewer else invitation.email

    @admin.display(boolean=True)
    def overdue(self, invitation) -> bool:
        return invitation_overdue(invitation)

    @admin.display(boolean=True, description="review in")
    def reviewed(self, invitation) -> bool:
        review = getattr(invitation, "review", None)
        return review is not None and review.submitted_at is not None

    def get_urls(self):
        return [
            path(
                "paper/<uuid:submission_id>/",
                self.admin_site.admin_view(self.side_by_side),
                name="reviews_side_by_side",
            ),
            *super().get_urls(),
        ]

    def side_by_side(self, request: HttpRequest, submission_id):
        """The paper's submitted reviews in columns, one per reviewer, and its invitations."""
        submission = get_object_or_404(Submission.objects.defer("text"), pk=submission_id)
        admin_paper_check(request, submission)
        reviews = reviews_for_editors(submission_id=submission.pk)
        rows = [
            ("Recommendation", [r.get_recommendation_display() for r in reviews]),
            ("Score (1-5)", [r.score for r in reviews]),
            ("Confidence (1-5)", [r.confidence for r in reviews]),
            ("To the authors", [r.comments_to_authors for r in reviews]),
            ("Confidential, to the editors", [r.confidential_comments for r in reviews]),
            ("Submitted", [r.submitted_at for r in reviews]),
        ]
        invitations = list(invitations_of_submission(submission_id=submission.pk))
        for invitation in invitations:
            invitation.overdue = invitation_overdue(invitation)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reviews of “{submission.title}”",
            "submission": submission,
            "reviews": reviews,
            "rows": rows,
            "invitations": invitations,
            "opts": self.model._meta,
            "under_review": submission.status == Status.UNDER_REVIEW,
        }
        return TemplateResponse(request, "admin/reviews/side_by_side.html", context)


@admin.register(Review)
class ReviewAdmin(PaperAdminAccess, admin.ModelAdmin):
    list_display = [
        "submission",
        "reviewer",
        "recommendation",
        "score",
        "confidence",
        "submitted_at",
    ]
    list_filter = ["recommendation", "score"]
    search_fields = ["submission__title", "reviewer__username"]
    list_select_related = ["submission", "reviewer"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(submitted_at__isnull=False)
        )  # drafts stay theirs

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a reviewer's words are theirs; editors read them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
