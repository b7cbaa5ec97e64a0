"""The editors' report page: the paper and one source side by side, shared passages
highlighted and linked to each other."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from plagiarism.models import Report
from plagiarism.selectors import report_for
from plagiarism.services import RecheckNotNeeded, check_rerun
from submissions.selectors import paper_texts, paper_version_text


def highlighted(text: str, spans: list[tuple[int, int, int]], side: str, other: str) -> SafeString:
    """``text`` escaped, with each (start, end, n) span marked and linked to its twin."""
    parts, cursor = [], 0
    for start, end, n in sorted(spans):
        if start < cursor:
            continue  # overlaps the previous passage: shown once
        parts.append(escape(text[cursor:start]))
        parts.append(
            format_html(
                '<mark id="{}{}"><a href="#{}{}" title="passage {}">{}</a></mark>',
                side,
                n,
                other,
                n,
                n + 1,
                text[start:end],
            )
        )
        cursor = end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part escaped


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "submission_id",
        "paper_version",
        "state",
        "score",
        "flagged",
        "algorithm_version",
        "checked_at",
    ]
    list_filter = ["state", "flagged", "algorithm_version"]
    search_fields = ["submission_id"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "submission/<uuid:submission_id>/",
                self.admin_site.admin_view(self.side_by_side),
                name="plagiarism_report_for_submission",
            ),
            path(
                "submission/<uuid:submission_id>/recheck/",
                self.admin_site.admin_view(self.recheck),
                name="plagiarism_recheck",
            ),
            *super().get_urls(),
        ]

    def recheck(self, request: HttpRequest, submission_id):
        """The submission page's "Re-run the check": a confirmation page, then the same
        service as ``POST /api/submissions/{id}/recheck/``."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        back = reverse("admin:submissions_submission_change", args=[submission_id])
        if request.method == "POST":
            try:
                number = check_rerun(submission_id=submission_id)
            except RecheckNotNeeded as exc:
                self.message_user(request, str(exc), messages.WARNING)
            except LookupError as exc:
                raise Http404("no such submission") from exc
            else:
                self.message_user(
                    request, f"The check of version {number} is queued again.", messages.SUCCESS
                )
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Re-run the similarity check",
            "back": back,
        }
        return TemplateResponse(request, "admin/plagiarism/report/recheck.html", context)

    def side_by_side(self, request: HttpRequest, submission_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = report_for(submission_id=submission_id)
        if report is None:
            raise Http404("no plagiarism report for this submission yet")
        sources = list(report.sources.all())
        papers = {
            p.id: p
            for p in paper_texts(
                submission_ids=[submission_id, *[s.source_submission_id for s in sources]]
            )
        }
        paper = (
            paper_version_text(submission_id=submission_id, number=report.paper_version)
            or papers[str(submission_id)]
        )
        chosen_id = request.GET.get("source") or (
            str(sources[0].source_submission_id) if sources else None
        )
        chosen = next((s for s in sources if str(s.source_submission_id) == chosen_id), None)
        passages = list(chosen.passages.all()) if chosen else []
        source_paper = papers.get(chosen_id) if chosen else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Plagiarism report: {paper.title}",
            "report": report,
            "paper": paper,
            "submission_url": reverse("admin:submissions_submission_change", args=[submission_id]),
            "sources": [
                {
                    "match": s,
                    "title": papers[str(s.source_submission_id)].title
                    if str(s.source_submission_id) in papers
                    else "(deleted)",
                    "chosen": s is chosen,
                }
                for s in sources
            ],
            "chosen": chosen,
            "source_paper": source_paper,
            "paper_html": highlighted(
                paper.text, [(p.start, p.end, n) for n, p in enumerate(passages)], "p", "s"
            ),
            "source_html": highlighted(
                source_paper.text,
                [(p.source_start, p.source_end, n) for n, p in enumerate(passages)],
                "s",
                "p",
            )
            if source_paper
            else "",
        }
        return TemplateResponse(request, "admin/plagiarism/report/side_by_side.html", context)
