"""A report as its readers see it: everything for editors, the author's own passages and
the kinds of text they matched for the author. Reads of both apps (the papers' texts and
titles come from submissions), so apart from ``plagiarism.selectors``, which submissions
itself reads."""

from django.http import HttpResponse

from plagiarism.engine import SourceKind
from plagiarism.models import Report, ReportSource
from plagiarism.selectors import (
    FAILED_FOR_PEOPLE,
    REMOVED_WORK,
    papers_flagged,
    report_history,
    work_citations,
    work_texts,
)
from submissions.selectors import (
    paper_authors,
    paper_texts_of_versions,
    paper_titles,
    paper_version_text,
)


def source_texts(*, pairs) -> dict[tuple[str, int], str]:
    """Texts of sources by (id, version): submissions' versions and published works."""
    pairs = {(str(pk), number) for pk, number in pairs}
    texts = paper_texts_of_versions(pairs=pairs)
    for work in work_texts(ids={pk for pk, _ in pairs}):
        texts.update({(pk, n): work.text for pk, n in pairs if pk == work.id})
    return texts


def source_names(*, ids) -> dict[str, dict]:
    """Each source's title and author(s) for editors, and, for a published work, its
    citation (``published``: title, authors, year, doi, url), which authors may read too."""
    ids = [str(i) for i in ids]
    titles, authors = paper_titles(submission_ids=ids), paper_authors(submission_ids=ids)
    works = work_citations(ids=ids)
    names = {}
    for pk in ids:
        if pk in works:
            work = works[pk]
            names[pk] = {"title": work.title, "author": work.authors, "published": work}
        else:
            names[pk] = {
                "title": titles.get(pk, ""),
                "author": authors.get(pk, ""),
                "published": None,
            }
    return names


def published_of(source: ReportSource, names: dict[str, dict]) -> dict | None:
    """A published source's citation (one removed since reads as such); None for others."""
    if source.kind != SourceKind.PUBLISHED:
        return None
    work = names.get(str(source.source_submission_id), {}).get("published") or REMOVED_WORK
    return {**work.as_dict(), "citation": str(work)}


def _source_texts(report: Report, sources: list[ReportSource]) -> dict[tuple[str, int], str]:
    pairs = {
        (str(s.source_submission_id), p.source_version or s.source_version)
        for s in sources
        for p in s.passages.all()
    }
    return source_texts(pairs=pairs)


def _paper_text(report: Report) -> str:
    checked = paper_version_text(submission_id=report.submission_id, number=report.paper_version)
    return checked.text if checked else ""


def _common(report: Report, *, for_editors: bool) -> dict:
    failed = report.state == Report.State.FAILED
    return {
        "view": "editor" if for_editors else "author",
        "paper_version": report.paper_version,
        "state": report.state,
        "error": (report.error if for_editors else FAILED_FOR_PEOPLE) if failed else "",
        "score": report.score,
        "flagged": report.flagged,
        "flag_reasons": report.flag_reasons,
        "own_score": report.own_score,
        "versions_score": report.versions_score,
        "checked_at": report.checked_at,
        "counted_words": report.counted_words,
        "excluded_words": report.excluded_words,
        "words_limit": report.words_limit,
    }


def report_view_for_editors(*, report: Report) -> dict:
    """Everything: each source's title, author, id, kind, verdict and evidence, and every
    passage in both texts; and who re-scored the report, when and how."""
    sources = list(report.sources.all())
    ids = [s.source_submission_id for s in sources]
    names = source_names(ids=ids)
    flagged = papers_flagged(submission_ids=ids)
    texts = _source_texts(report, sources)
    paper = _paper_text(report)
    return {
        **_common(report, for_editors=True),
        "algorithm_version": report.algorithm_version,
        "duration_ms": report.duration_ms,
        "settings": report.settings,
        "history": [_history_entry(r, report) for r in report_history(report=report)],
        "sources": [_editors_source(s, names, flagged, paper, texts) for s in sources],
    }


def _history_entry(scored: Report, in_force: Report) -> dict:
    return {
        "id": scored.pk,
        "made_by": scored.made_by.get_username() if scored.made_by else None,
        "made_at": scored.checked_at,
        "reason": scored.reason,
        "settings": scored.settings,
        "score": scored.score,
        "flagged": scored.flagged,
        "in_force": scored.pk == in_force.pk,
    }


def _editors_source(s, names: dict, flagged, paper: str, texts: dict) -> dict:
    """One source as editors see it: named, with its verdict and every passage in both texts."""
    key = str(s.source_submission_id)
    return {
        "submission_id": s.source_submission_id,
        "title": names[key]["title"],
        "author": names[key]["author"],
        "published": published_of(s, names),
        "flagged": key in flagged,
        "kind": s.kind,
        "kind_label": SourceKind(s.kind).label,
        "counts": s.counts,
        "score": s.score,
        "share": s.share,
        "words": s.words,
        "credited_words": s.primary_words,
        "source_version": s.source_version,
        "verdict": s.verdict,
        "evidence": s.evidence,
        "passages": [
            {
                "start": p.start,
                "end": p.end,
                "text": paper[p.start : p.end],
                "source_version": p.source_version or s.source_version,
                "source_start": p.source_start,
                "source_end": p.source_end,
                "source_text": texts.get((key, p.source_version or s.source_version), "")[
                    p.source_start : p.source_end
                ],
                "words": p.words,
            }
            for p in s.passages.all()
        ],
    }


def report_view_for_author(*, report: Report) -> dict:
    """What the author may read: the score, the flag, and their own passages that matched,
    each with the kind of text it matched and that text's share; never another paper's
    title, id, author or words. A published work is public: it is named with its citation.
    Texts credited nothing (a later copy of the author's work,
    say) are left out: they count for nothing and would reveal another paper exists."""
    paper = _paper_text(report)
    shown = [s for s in report.sources.all() if s.primary_words]
    shown.sort(key=lambda s: (not s.counts, -s.primary_words))
    labels = {s.pk: f"Text {n}" for n, s in enumerate(shown, start=1)}
    names = source_names(
        ids=[s.source_submission_id for s in shown if s.kind == SourceKind.PUBLISHED]
    )
    return {
        **_common(report, for_editors=False),
        "sources": [
            {
                "label": labels[s.pk],
                "kind": s.kind,
                "kind_label": SourceKind(s.kind).label,
                "counts": s.counts,
                "share": s.share,
                "published": published_of(s, names),
            }
            for s in shown
        ],
        "passages": sorted(
            (
                {
                    "start": p.start,
                    "end": p.end,
                    "text": paper[p.start : p.end],
                    "words": p.words,
                    "source": labels[s.pk],
                    "kind": s.kind,
                    "kind_label": SourceKind(s.kind).label,
                }
                for s in shown
                for p in s.passages.all()
            ),
            key=lambda p: (p["start"], p["end"]),
        ),
    }


def report_document(*, report: Report) -> bytes:
    """The editor's view of ``report`` as a PDF (``plagiarism.pdf``)."""
    from plagiarism.pdf import report_pdf  # reportlab is loaded only when a PDF is asked for

    view = report_view_for_editors(report=report)
    pairs = {
        (str(s["submission_id"]), p["source_version"])
        for s in view["sources"]
        for p in s["passages"]
    }
    return report_pdf(
        view=view,
        paper_title=paper_titles(submission_ids=[report.submission_id]).get(
            str(report.submission_id), ""
        ),
        paper_text=_paper_text(report),
        source_texts=source_texts(pairs=pairs),
    )


def pdf_response(report: Report) -> HttpResponse:
    """The PDF as a download named after the paper and version."""
    response = HttpResponse(report_document(report=report), content_type="application/pdf")
    name = f"similarity-report-{report.submission_id}-v{report.paper_version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
