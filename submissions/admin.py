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

from contracts.codes import Status
from plagiarism.selectors import CheckSummary, check_summaries, check_summary, with_checks
from submissions.access import PaperAdminAccess, admin_paper_check
from submissions.diff import version_diff
from submissions.models import ChecklistItem, Note, PaperAuthor, Submission, Transition, Version
from submissions.services import TransitionNotAllowed, steps_for, submission_transition
from submissions.workflow import Actor, status_done, status_label


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
            return queryset.filter(check_score__isnull=True)
        return queryset.filter(check_score__gte=low, check_score__lt=high)


BULK_VERBS = {
    Status.ACCEPTED: "Accept",
    Status.REJECTED: "Reject",
    Status.REVISION_REQUESTED: "Request a revision of",
}


class ReadOnlyInline(admin.TabularInline):
    """Rows the workflow writes: shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["created_at", "from_status", "to_status", "actor", "version", "comment"]
    verbose_name_plural = "history"


class VersionInline(ReadOnlyInline):
    model = Version
    fields = [
        "number",
        "created_at",
        "word_count",
        "download",
        "check_summary",
        "response",
        "changes",
    ]
    verbose_name_plural = "versions"

    @admin.display(description="file")
    def download(self, version: Version) -> str:
        if not version.file:
            return "sent as text"
        url = reverse(
            "admin:submissions_submission_version_file",
            args=[version.submission_id, version.number],
        )
        return format_html('<a href="{}">{}</a>', url, version.original_filename)

    @admin.display(description="similarity check")
    def check_summary(self, version: Version) -> str:
        # The inline is made anew for each page: every version's check in one query.
        if getattr(self, "_checks_of", None) != version.submission_id:
            self._checks = check_summaries(submission_id=version.submission_id)
            self._checks_of = version.submission_id
        return in_words(self._checks.get(version.number), short=True)

    @admin.display(description="what changed")
    def changes(self, version: Version) -> str:
        if version.number == 1:
            return "–"
        url = reverse(
            "admin:submissions_submission_version_diff",
            args=[version.submission_id, version.number],
        )
        return format_html('<a href="{}">changes from version {}</a>', url, version.number - 1)


def in_words(summary: CheckSummary | None, *, short: bool = False) -> str:
    """A check's summary for editors: "12%, flagged", "failed: …", "not checked yet"."""
    if summary is None:
        return "not checked yet"
    if not summary.done:
        return f"failed: {summary.error}"
    flag = ", flagged" if summary.flagged else ""
    return f"{summary.score:.0%}{flag}" if short else f"{summary.score:.1%} similar{flag}"


class NoteInline(admin.StackedInline):
    """Internal notes: editors only (the admin is staff only); never shown to authors."""

    model = Note
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1
    can_delete = False
    verbose_name_plural = "internal notes (editors only)"

    def has_change_permission(self, request, obj=None):
        return False  # a note is kept as written; add another to correct it


class DecisionForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        required=False,
        max_length=20000,
        help_text="Shown to the author with the decision.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        required=False,
        max_length=20000,
        help_text="For editors only: kept with the submission, never shown to the author.",
    )


class PaperAuthorInline(admin.TabularInline):
    """The author list as its contact gave it (changed through the site or the API, which
    link co-authors to verified accounts)."""

    model = PaperAuthor
    fields = ["position", "name", "email", "affiliation", "orcid", "user", "contact"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(PaperAdminAccess, admin.ModelAdmin):
    paper_field = "pk"

    change_form_template = "admin/submissions/submission/change_form.html"
    list_display = ["title", "author", "status", "version", "score", "word_count", "created_at"]
    list_filter = ["status", ScoreBandFilter, "created_at"]
    search_fields = ["title", "author__username", "author__email"]
    date_hierarchy = "created_at"
    list_select_related = ["author"]
    list_per_page = 50
    actions = ["start_review", "accept_selected", "reject_selected", "request_revision_selected"]
    inlines = [PaperAuthorInline, VersionInline, TransitionInline, NoteInline]
    fieldsets = [
        (
            None,
            {"fields": ["title", "author", "status", "version", "created_at", "updated_at"]},
        ),
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
        queryset = with_checks(super().get_queryset(request))
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("text")
        return queryset

    def has_add_permission(self, request):
        return False  # papers arrive through the API

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw or reject instead: the history and events must stay whole

    @admin.display(description="score", ordering="check_score")
    def score(self, submission: Submission) -> str:
        if getattr(submission, "check_score", None) is None:
            return "–"
        flag = " ⚑" if submission.check_flagged else ""
        return f"{submission.check_score:.0%}{flag}"

    @admin.display(description="summary")
    def plagiarism_summary(self, submission: Submission) -> str:
        summary = self.summary_of(submission)
        if summary is None or not summary.done:
            return in_words(summary)
        verdict = "flagged" if summary.flagged else "not flagged"
        checked = f"{summary.checked_at:%Y-%m-%d %H:%M} UTC"
        return format_html(
            '{} similar, {}, checked {} — <a href="{}">full report</a>',
            f"{summary.score:.1%}",
            verdict,
            checked,
            summary.admin_path,
        )

    @staticmethod
    def summary_of(submission: Submission) -> CheckSummary | None:
        return check_summary(
            submission_id=submission.pk, paper_version=submission.version, annotated=submission
        )

    @admin.display(description="file")
    def download(self, submission: Submission) -> str:
        if not submission.file:
            return "sent as text"
        url = reverse("admin:submissions_submission_file", args=[submission.pk])
        return format_html('<a href="{}">{}</a>', url, submission.original_filename)

    def save_formset(self, request, form, formset, change):
        """Notes are the one thing editors add here; each is signed by its writer."""
        if formset.model is Note:
            for note in formset.save(commit=False):
                note.author = request.user
                note.save()
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description="Move selected submissions to under review")
    def start_review(self, request: HttpRequest, queryset: QuerySet[Submission]):
        return self._bulk(request, queryset, Status.UNDER_REVIEW, "start_review")

    @admin.action(description="Accept selected submissions (one comment for all)")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[Submission]):
        return self._bulk(request, queryset, Status.ACCEPTED, "accept_selected")

    @admin.action(description="Reject selected submissions (one comment for all)")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Submission]):
        return self._bulk(request, queryset, Status.REJECTED, "reject_selected")

    @admin.action(description="Request a revision of selected submissions (one comment for all)")
    def request_revision_selected(self, request: HttpRequest, queryset: QuerySet[Submission]):
        return self._bulk(request, queryset, Status.REVISION_REQUESTED, "request_revision_selected")

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Submission], to_status, action):
        """One step for many papers, with one comment: first a page that asks for it, then
        the step for each paper through the same service as the buttons (each refusal said)."""
        asks = to_status != Status.UNDER_REVIEW  # starting a review needs no words
        form = DecisionForm(request.POST if "apply" in request.POST or not asks else None)
        if not form.is_valid():
            count = queryset.count()
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"{BULK_VERBS[to_status]} {count} paper{'' if count == 1 else 's'}",
                "submissions": queryset,
                "form": form,
                "action": action,
                "to_status": to_status,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(
                request, "admin/submissions/submission/bulk_transition.html", context
            )
        moved, refused = 0, []
        for submission in queryset:
            try:
                submission_transition(
                    submission=submission,
                    to_status=to_status,
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                    note=form.cleaned_data["note"],
                )
                moved += 1
            except TransitionNotAllowed as exc:
                refused.append(f"“{submission.title}”: {exc}")
        if moved:
            self.message_user(request, f"{moved} {status_done(to_status)}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
        return None

    # -- the decision pages and the file ----------------------------------------------------
    def get_urls(self):
        return [
            path(
                "<uuid:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="submissions_submission_file",
            ),
            path(
                "<uuid:object_id>/versions/<int:number>/file/",
                self.admin_site.admin_view(self.version_file_view),
                name="submissions_submission_version_file",
            ),
            path(
                "<uuid:object_id>/versions/<int:number>/diff/",
                self.admin_site.admin_view(self.version_diff_view),
                name="submissions_submission_version_diff",
            ),
            path(
                "<uuid:object_id>/transition/<str:to_status>/",
                self.admin_site.admin_view(self.transition_view),
                name="submissions_submission_transition",
            ),
            *super().get_urls(),
        ]

    def editor_transitions(self, submission: Submission, editor) -> list[tuple[str, str]]:
        """The steps an editor can take from here (the workflow's table), with their words."""
        return [
            (step.to.value, step.action)
            for step in steps_for(submission, editor)
            if step.by == Actor.EDITOR
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, object_id)
        summary = self.summary_of(submission) if submission else None
        extra = {
            "transitions": self.editor_transitions(submission, request.user) if submission else [],
            "check_failed": summary is not None and summary.state == "failed",
            "in_review": submission is not None and submission.status == Status.UNDER_REVIEW,
        }
        return super().change_view(request, object_id, form_url, extra | (extra_context or {}))

    def file_view(self, request: HttpRequest, object_id) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        admin_paper_check(request, submission)
        if not submission.file:
            raise Http404("this submission has no file")
        return FileResponse(
            submission.file.open("rb"), as_attachment=True, filename=submission.original_filename
        )

    def version_file_view(self, request: HttpRequest, object_id, number: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        admin_paper_check(request, get_object_or_404(Submission, pk=object_id))
        version = get_object_or_404(Version, submission_id=object_id, number=number)
        if not version.file:
            raise Http404("this version has no file")
        return FileResponse(
            version.file.open("rb"), as_attachment=True, filename=version.original_filename
        )

    def version_diff_view(self, request: HttpRequest, object_id, number: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        admin_paper_check(request, submission)
        versions = {
            v.number: v
            for v in Version.objects.filter(submission=submission, number__in=[number - 1, number])
        }
        if number not in versions or number - 1 not in versions:
            raise Http404("no such version, or nothing before it")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "submission": submission,
            "number": number,
            "response": versions[number].response,
            "changes": version_diff(versions[number - 1].text, versions[number].text),
            "change_url": reverse("admin:submissions_submission_change", args=[submission.pk]),
            "title": f"Changes in version {number}: {submission.title}",
        }
        return TemplateResponse(request, "admin/submissions/submission/diff.html", context)

    def transition_view(self, request: HttpRequest, object_id, to_status: str):
        if not self.has_change_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        admin_paper_check(request, submission)
        steps = dict(self.editor_transitions(submission, request.user))
        if to_status not in steps:
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
                    note=form.cleaned_data["note"],
                )
            except TransitionNotAllowed as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"“{submission.title}” is now “{status_label(to_status)}”.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "submission": submission,
            "check": in_words(self.summary_of(submission)),
            "form": form,
            "to_status": steps[to_status],
            "change_url": change_url,
            "title": f"{steps[to_status]}: {submission.title}",
        }
        return TemplateResponse(request, "admin/submissions/submission/transition.html", context)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """The venue's submission checklist: what authors confirm when they submit."""

    list_display = ["text", "position", "active"]
    list_editable = ["position", "active"]
    list_display_links = ["text"]
