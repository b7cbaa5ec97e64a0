"""The editors' report page: the paper and one source side by side, shared passages
highlighted and linked to each other."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from plagiarism.engine import SourceKind
from plagiarism.models import PublishedWork, Report
from plagiarism.reports import pdf_response, source_names, source_texts
from plagiarism.selectors import papers_flagged, report_for, report_history
from plagiarism.services import (
    EXCLUSIONS,
    RecheckNotNeeded,
    RescoreRefused,
    check_rerun,
    engine_config,
    report_rescore,
    report_settings,
)
from submissions.access import PaperAdminAccess, admin_paper_check
from submissions.models import Submission
from submissions.selectors import paper_titles, paper_version_text


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
class ReportAdmin(PaperAdminAccess, admin.ModelAdmin):
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

    def paper_check(self, request: HttpRequest, submission_id) -> None:
        """The admin's own views of a paper's report: its editors only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        admin_paper_check(
            request, get_object_or_404(Submission.objects.defer("text"), pk=submission_id)
        )

    def get_urls(self):
        return [
            path(
                "submission/<uuid:submission_id>/",
                self.admin_site.admin_view(self.side_by_side),
                name="plagiarism_report_for_submission",
            ),
            path(
                "submission/<uuid:submission_id>/pdf/",
                self.admin_site.admin_view(self.pdf),
                name="plagiarism_report_pdf",
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
        self.paper_check(request, submission_id)
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

    def pdf(self, request: HttpRequest, submission_id) -> HttpResponse:
        self.paper_check(request, submission_id)
        report = report_for(submission_id=submission_id)
        if report is None:
            raise Http404("no plagiarism report for this submission yet")
        return pdf_response(report)

    def side_by_side(self, request: HttpRequest, submission_id):
        """The report in force: its sources, one of them side by side with the paper, the
        re-score form (exclusions on or off, sources left out) and the history of re-scores."""
        self.paper_check(request, submission_id)
        report = report_for(submission_id=submission_id)
        if report is None:
            raise Http404("no plagiarism report for this submission yet")
        sources = list(report.sources.all())
        if request.method == "POST":
            return self.rescore(request, report, sources)
        history = report_history(report=report)
        # Every source any report of this version named: the ones left out stay choosable.
        known = _known_sources(history)
        ids = list(known)
        names = source_names(ids=ids)
        titles = {pk: name["title"] or "(deleted)" for pk, name in names.items()}
        titles.update(paper_titles(submission_ids=[submission_id]))
        flagged = papers_flagged(submission_ids=ids)
        paper = paper_version_text(submission_id=submission_id, number=report.paper_version)
        chosen = next((s for s in sources if str(s.pk) == request.GET.get("source")), None)
        chosen = chosen or (sources[0] if sources else None)
        passages, source_text, versions, version = _chosen_passages(chosen, request.GET)
        settings = {**report_settings(engine_config()), **report.settings}
        left_out = set(settings.get("excluded_sources", []))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Plagiarism report: {titles.get(str(submission_id), '')}",
            "report": report,
            "paper_title": titles.get(str(submission_id), ""),
            "submission_url": reverse("admin:submissions_submission_change", args=[submission_id]),
            "pdf_url": reverse("admin:plagiarism_report_pdf", args=[submission_id]),
            "sources": _source_rows(sources, chosen, titles, names, flagged),
            "chosen": chosen,
            "chosen_title": titles.get(str(chosen.source_submission_id), "") if chosen else "",
            "versions": versions if len(versions) > 1 else [],
            "version": version,
            "paper_html": highlighted(
                paper.text if paper else "",
                [(p.start, p.end, n) for n, p in enumerate(passages)],
                "p",
                "s",
            ),
            "source_html": highlighted(
                source_text,
                [(p.source_start, p.source_end, n) for n, p in enumerate(passages)],
                "s",
                "p",
            ),
            "exclusions": [
                {"name": name, "label": label, "on": settings.get(name, True)}
                for name, label in EXCLUSIONS.items()
            ],
            "choices": _choices(known, titles, left_out),
            "history": history,
        }
        return TemplateResponse(request, "admin/plagiarism/report/side_by_side.html", context)

    def rescore(self, request: HttpRequest, report: Report, sources) -> HttpResponseRedirect:
        self.paper_check(request, report.submission_id)
        back = reverse("admin:plagiarism_report_for_submission", args=[report.submission_id])
        try:
            rescored = report_rescore(
                report=report,
                editor=request.user,
                excluded_sources=request.POST.getlist("leave_out"),
                reason=request.POST.get("reason", "")[:2000],
                **{name: name in request.POST for name in EXCLUSIONS},
            )
        except RescoreRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            flag = "flagged" if rescored.flagged else "not flagged"
            self.message_user(
                request,
                f"Re-scored: {rescored.score:.1%} similar, {flag}. The check's own report is kept.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(back)


@admin.register(PublishedWork)
class PublishedWorkAdmin(admin.ModelAdmin):
    """The back catalogue the checks compare papers with (``manage.py plagiarism_import``).
    Read-only here: the import writes works; deleting one takes it out of the index."""

    list_display = ["title", "authors", "year", "doi_link", "words", "imported_at"]
    list_filter = ["year"]
    search_fields = ["title", "authors", "doi", "external_id"]
    readonly_fields = [f.name for f in PublishedWork._meta.fields if f.name != "text"]
    fields = [*readonly_fields, "excerpt"]
    readonly_fields = [*readonly_fields, "excerpt"]
    show_full_result_count = False  # a catalogue of a million works: no count(*) per page

    @admin.display(description="DOI", ordering="doi")
    def doi_link(self, work: PublishedWork):
        if not work.doi:
            return "–"
        return format_html('<a href="https://doi.org/{}" rel="noopener">{}</a>', work.doi, work.doi)

    @admin.display(description="text (its beginning)")
    def excerpt(self, work: PublishedWork) -> str:
        return work.text[:2000] + ("…" if len(work.text) > 2000 else "")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("text")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self.message_user(
            request,
            "Removed from the index; the next merge reclaims their space.",
            messages.INFO,
        )


def _chosen_passages(chosen, query) -> tuple[list, str, list[int], int | None]:
    """The passages of the source shown side by side, in the version asked for (its best
    by default), that version's text, and the versions to choose from."""
    if chosen is None:
        return [], "", [], None
    every = list(chosen.passages.all())
    versions = sorted({p.source_version or chosen.source_version for p in every})
    asked = query.get("version", "")
    version = int(asked) if asked.isdigit() and int(asked) in versions else None
    version = version or chosen.source_version or (versions[0] if versions else 0)
    passages = [p for p in every if (p.source_version or chosen.source_version) == version]
    key = (str(chosen.source_submission_id), version)
    return passages, source_texts(pairs=[key]).get(key, ""), versions, version


def _source_rows(sources, chosen, titles: dict, names: dict, flagged) -> list[dict]:
    return [
        {
            "match": s,
            "title": titles.get(str(s.source_submission_id), "(deleted)"),
            "author": names[str(s.source_submission_id)]["author"],
            "citation": str(names[str(s.source_submission_id)]["published"] or ""),
            "kind": SourceKind(s.kind).label,
            "flagged": str(s.source_submission_id) in flagged,
            "chosen": s is chosen,
        }
        for s in sources
    ]


def _choices(known: dict[str, str], titles: dict, left_out: set) -> list[dict]:
    """Every source any report of the version named, to leave out or put back."""
    return [
        {
            "id": source_id,
            "label": f"{titles.get(source_id, '(deleted)')} ({SourceKind(kind).label})",
            "left_out": source_id in left_out,
        }
        for source_id, kind in known.items()
    ]


def _known_sources(history) -> dict[str, str]:
    """Every source any report of this version named, with its kind, in the order they were
    first named: the ones left out stay choosable."""
    known: dict[str, str] = {}
    for scored in history:
        for s in scored.sources.all():
            known.setdefault(str(s.source_submission_id), s.kind)
    return known
