"""The editors' workspace: the submissions list, a detail page, and the review decisions.

Editors never edit a submission's fields: status changes go through the workflow's service
functions (so each one is recorded and publishes its event), from the buttons on the detail
page or the bulk action.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from submissions.models import Status, Submission, Transition
from submissions.services import (
    EDITOR,
    TRANSITIONS,
    TransitionNotAllowed,
    submission_start_review,
    submission_transition,
)


class ScoreBandFilter(admin.SimpleListFilter):
    title = "plagiarism score"
    parameter_name = "score"
    BANDS = {
        "unchecked": ("not checked yet", None, None),
        "low": ("below 15%", 0.0, 0.15),
        "medium": ("15% to 40%", 0.15, 0.40),
        "high": ("40% and above", 0.40, 1.01),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _, _) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value() or "")
        if band is None:
            return queryset
        _, low, high = band
        if low is None:
            return queryset.filter(similarity_score__isnull=True)
        return queryset.filter(similarity_score__gte=low, similarity_score__lt=high)


class TransitionInline(admin.TabularInline):
    model = Transition
    fields = ["created_at", "from_status", "to_status", "actor", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False


class DecisionForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        required=False,
        help_text="Shown to the author with the decision.",
    )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    change_form_template = "admin/submissions/submission/change_form.html"
    list_display = ["title", "author", "status", "score", "word_count", "created_at"]
    list_filter = ["status", ScoreBandFilter, "created_at"]
    search_fields = ["title", "author__username", "author__email"]
    date_hierarchy = "created_at"
    list_select_related = ["author"]
    list_per_page = 50
    actions = ["start_review"]
    inlines = [TransitionInline]
    fieldsets = [
        (None, {"fields": ["title", "author", "status", "created_at", "updated_at"]}),
        ("Plagiarism", {"fields": ["plagiarism_summary"]}),
        (
            "Paper",
            {
                "fields": [
                    "abstract",
                    "download",
                    "file_type",
                    "file_size",
                    "word_count",
                    "content_hash",
                    "text",
                ]
            },
        ),
    ]
    # Everything on the page is read-only: changes go through the workflow's buttons.
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("text")
        return queryset

    def has_add_permission(self, request):
        return False  # papers arrive through the API

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw or reject instead: the history and events must stay whole

    @admin.display(description="score", ordering="similarity_score")
    def score(self, submission: Submission) -> str:
        if submission.similarity_score is None:
            return "–"
        flag = " ⚑" if submission.plagiarism_flagged else ""
        return f"{submission.similarity_score:.0%}{flag}"

    @admin.display(description="summary")
    def plagiarism_summary(self, submission: Submission) -> str:
        if submission.checked_at is None:
            return submission.plagiarism_error or "not checked yet"
        verdict = "flagged" if submission.plagiarism_flagged else "not flagged"
        checked = f"{submission.checked_at:%Y-%m-%d %H:%M} UTC"
        return format_html(
            '{} similar, {}, checked {} — <a href="{}">full report</a>',
            f"{submission.similarity_score:.1%}",
            verdict,
            checked,
            reverse("admin:plagiarism_report_for_submission", args=[submission.pk]),
        )

    @admin.display(description="file")
    def download(self, submission: Submission) -> str:
        if not submission.file:
            return "sent as text"
        url = reverse("admin:submissions_submission_file", args=[submission.pk])
        return format_html('<a href="{}">{}</a>', url, submission.original_filename)

    @admin.action(description="Move selected submissions to under review")
    def start_review(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        moved, refused = 0, []
        for submission in queryset:
            try:
                submission_start_review(submission=submission, editor=request.user)
                moved += 1
            except TransitionNotAllowed as exc:
                refused.append(f"“{submission.title}”: {exc}")
        if moved:
            self.message_user(request, f"{moved} moved to under review.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    # -- the decision pages and the file ----------------------------------------------------
    def get_urls(self):
        return [
            path(
                "<uuid:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="submissions_submission_file",
            ),
            path(
                "<uuid:object_id>/transition/<str:to_status>/",
                self.admin_site.admin_view(self.transition_view),
                name="submissions_submission_transition",
            ),
            *super().get_urls(),
        ]

    ACTION_LABELS = {
        Status.UNDER_REVIEW: "Start review",
        Status.ACCEPTED: "Accept",
        Status.REJECTED: "Reject",
        Status.REVISION_REQUESTED: "Request revision",
    }

    def editor_transitions(self, submission: Submission) -> list[tuple[str, str]]:
        """The steps an editor can take from here, with the button's words."""
        return [
            (to_status, self.ACTION_LABELS[to_status])
            for to_status, who in TRANSITIONS[submission.status].items()
            if who == EDITOR
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, object_id)
        extra = {"transitions": self.editor_transitions(submission) if submission else []}
        return super().change_view(request, object_id, form_url, extra | (extra_context or {}))

    def file_view(self, request: HttpRequest, object_id) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        if not submission.file:
            raise Http404("this submission has no file")
        return FileResponse(
            submission.file.open("rb"), as_attachment=True, filename=submission.original_filename
        )

    def transition_view(self, request: HttpRequest, object_id, to_status: str):
        if not self.has_change_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        if to_status not in dict(self.editor_transitions(submission)):
            raise Http404("not a step an editor can take from here")
        change_url = reverse("admin:submissions_submission_change", args=[submission.pk])
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                submission_transition(
                    submission=submission,
                    to_status=to_status,
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                )
            except TransitionNotAllowed as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"“{submission.title}” is now {Status(to_status).label}.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "submission": submission,
            "form": form,
            "to_status": self.ACTION_LABELS[to_status],
            "change_url": change_url,
            "title": f"{self.ACTION_LABELS[to_status]}: {submission.title}",
        }
        return TemplateResponse(request, "admin/submissions/submission/transition.html", context)
