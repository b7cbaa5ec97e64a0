"""The plagiarism report as a PDF document for editors: the summary, the sources and every
passage side by side with its source, the shared words highlighted.

Its size is bounded: at most ``PLAGIARISM_PDF_MAX_PASSAGES`` passages, each cut to
``PASSAGE_CHARS`` characters, so a report of a huge paper costs a few seconds at most."""

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

PASSAGE_CHARS = 1500  # of one passage's text, on each side
CONTEXT_CHARS = 120  # shown in grey before and after a passage
HIGHLIGHT = "#ffe08a"
FONT = "ReportFont"


@cache
def _font() -> str:
    """The configured TrueType font, or reportlab's Helvetica (Latin-1 only) without it."""
    path = Path(settings.PLAGIARISM_PDF_FONT)
    if not path.is_file():
        return "Helvetica"
    pdfmetrics.registerFont(TTFont(FONT, str(path)))
    return FONT


def _safe(text: str, font: str) -> str:
    """Escaped for reportlab's markup; outside Latin-1 replaced when the font lacks it."""
    if font == "Helvetica":
        text = text.encode("latin-1", "replace").decode("latin-1")
    return escape(" ".join(text.split()))


def _cut(text: str) -> str:
    return text if len(text) <= PASSAGE_CHARS else f"{text[:PASSAGE_CHARS]} …"


def _in_context(whole: str, start: int, end: int, font: str) -> str:
    before = whole[max(0, start - CONTEXT_CHARS) : start]
    after = whole[end : end + CONTEXT_CHARS]
    return (
        f'<font color="#777777">…{_safe(before, font)}</font> '
        f'<font backColor="{HIGHLIGHT}">{_safe(_cut(whole[start:end]), font)}</font> '
        f'<font color="#777777">{_safe(after, font)}…</font>'
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def report_pdf(*, view: dict, paper_title: str, paper_text: str, source_texts: dict) -> bytes:
    """The editor's view of a report (``plagiarism.reports.report_view_for_editors``) as a
    PDF. ``source_texts``: each source's text by (submission id, version), for context."""
    font = _font()
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle("h", parent=sheet["Heading2"], fontName=font)
    title = ParagraphStyle("t", parent=sheet["Title"], fontName=font)
    flow: list = [
        Paragraph("Similarity report", title),
        Paragraph(f"<b>{_safe(paper_title, font)}</b>, version {view['paper_version']}", body),
    ]
    if view["state"] == "failed":
        flow.append(Paragraph(f"The check failed: {_safe(view['error'], font)}", body))
    else:
        verdict = "flagged" if view["flagged"] else "not flagged"
        in_force = next((h for h in view["history"] if h["in_force"]), None)
        who = in_force["made_by"] if in_force and in_force["made_by"] else "the check"
        lines = [
            f"<b>{_percent(view['score'])}</b> of the paper's words are credited to other "
            f"people's texts ({verdict}).",
            f"The author's own earlier papers: {_percent(view['own_score'])}; earlier versions "
            f"of this paper: {_percent(view['versions_score'])} (neither counts).",
            f"{view['counted_words']} words counted, {view['excluded_words']} excluded "
            "(quotations, block quotations, references)."
            + (
                f" Only the first {view['words_limit']} words were checked."
                if view["words_limit"]
                else ""
            ),
            f"Scored by {_safe(who, font)} on {view['checked_at']:%Y-%m-%d %H:%M} UTC with "
            f"{view['algorithm_version']}. Settings: "
            + _safe(", ".join(f"{k} {v}" for k, v in view["settings"].items()), font),
        ]
        lines += [f"Flagged: {_safe(reason, font)}." for reason in view.get("flag_reasons", [])]
        flow += [Paragraph(line, body) for line in lines]
    flow += [Spacer(1, 4 * mm), Paragraph("Sources", heading)]
    rows = [["Source", "Kind", "Author", "Credited", "Holds", "Verdict"]]
    for s in view["sources"]:
        rows.append(
            [
                Paragraph(_safe(s["title"] or str(s["submission_id"]), font), small),
                Paragraph(
                    _safe(s["kind_label"] + ("" if s["counts"] else " (not counted)"), font), small
                ),
                Paragraph(_safe(s["author"], font), small),
                _percent(s["share"]),
                _percent(s["score"]),
                Paragraph(
                    _safe(
                        " ".join([s["verdict"] or "–", *s["evidence"].get("drivers", [])[:1]]),
                        font,
                    ),
                    small,
                ),
            ]
        )
    if len(rows) == 1:
        rows.append(["No source shares a passage of the minimum length.", "", "", "", "", ""])
    table = Table(
        rows, colWidths=[60 * mm, 28 * mm, 25 * mm, 18 * mm, 16 * mm, 28 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    flow.append(table)
    shown = 0
    limit = settings.PLAGIARISM_PDF_MAX_PASSAGES
    total = sum(len(s["passages"]) for s in view["sources"])
    for n, s in enumerate(view["sources"], start=1):
        if not s["passages"] or shown >= limit:
            continue
        flow += [
            Spacer(1, 4 * mm),
            Paragraph(f"{n}. {_safe(s['title'] or str(s['submission_id']), font)}", heading),
        ]
        rows = [[Paragraph("<b>This paper</b>", small), Paragraph("<b>The source</b>", small)]]
        for p in s["passages"][: limit - shown]:
            source_text = source_texts.get((str(s["submission_id"]), p["source_version"]), "")
            rows.append(
                [
                    Paragraph(_in_context(paper_text, p["start"], p["end"], font), small),
                    Paragraph(
                        _in_context(source_text, p["source_start"], p["source_end"], font), small
                    ),
                ]
            )
            shown += 1
        passages = Table(rows, colWidths=[87 * mm, 87 * mm], repeatRows=1)
        passages.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        flow.append(passages)
    if shown < total:
        flow.append(
            Paragraph(
                f"{total - shown} more passages are not shown here; the admin's report page "
                "and the API show them all.",
                body,
            )
        )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Similarity report: {paper_title}",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(flow)
    return buffer.getvalue()
