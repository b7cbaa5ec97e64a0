"""The plagiarism report as a PDF document for editors: the summary, the sources and every
passage side by side with its source, the shared words highlighted.

Its size is bounded: at most ``PLAGIARISM_PDF_MAX_PASSAGES`` passages, each cut to
``PASSAGE_CHARS`` characters, so a report of a huge paper costs a few seconds at most."""

import io
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Styles:
    font: str
    body: ParagraphStyle
    small: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle

    @classmethod
    def make(cls) -> "_Styles":
        font = _font()
        sheet = getSampleStyleSheet()
        body = ParagraphStyle(
            "body", parent=sheet["BodyText"], fontName=font, fontSize=9, leading=12
        )
        return cls(
            font=font,
            body=body,
            small=ParagraphStyle("small", parent=body, fontSize=8, leading=10),
            heading=ParagraphStyle("h", parent=sheet["Heading2"], fontName=font),
            title=ParagraphStyle("t", parent=sheet["Title"], fontName=font),
        )


def report_pdf(*, view: dict, paper_title: str, paper_text: str, source_texts: dict) -> bytes:
    """The editor's view of a report (``plagiarism.reports.report_view_for_editors``) as a
    PDF. ``source_texts``: each source's text by (submission id, version), for context."""
    styles = _Styles.make()
    flow: list = [
        Paragraph("Similarity report", styles.title),
        Paragraph(
            f"<b>{_safe(paper_title, styles.font)}</b>, version {view['paper_version']}",
            styles.body,
        ),
    ]
    flow += _summary(view, styles)
    flow += [Spacer(1, 4 * mm), Paragraph("Sources", styles.heading), _sources_table(view, styles)]
    flow += _passages(view, styles, paper_text, source_texts)
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


def _summary(view: dict, styles: _Styles) -> list:
    """The score, what counts, the settings and why the paper is flagged (or the failure)."""
    font = styles.font
    if view["state"] == "failed":
        return [Paragraph(f"The check failed: {_safe(view['error'], font)}", styles.body)]
    verdict = "flagged" if view["flagged"] else "not flagged"
    in_force = next((h for h in view["history"] if h["in_force"]), None)
    who = in_force["made_by"] if in_force and in_force["made_by"] else "the check"
    limited = (
        f" Only the first {view['words_limit']} words were checked." if view["words_limit"] else ""
    )
    lines = [
        f"<b>{_percent(view['score'])}</b> of the paper's words are credited to other "
        f"people's texts ({verdict}).",
        f"The author's own earlier papers: {_percent(view['own_score'])}; earlier versions "
        f"of this paper: {_percent(view['versions_score'])} (neither counts).",
        f"{view['counted_words']} words counted, {view['excluded_words']} excluded "
        "(quotations, block quotations, references)." + limited,
        f"Scored by {_safe(who, font)} on {view['checked_at']:%Y-%m-%d %H:%M} UTC with "
        f"{view['algorithm_version']}. Settings: "
        + _safe(", ".join(f"{k} {v}" for k, v in view["settings"].items()), font),
    ]
    lines += [f"Flagged: {_safe(reason, font)}." for reason in view.get("flag_reasons", [])]
    return [Paragraph(line, styles.body) for line in lines]


def _sources_table(view: dict, styles: _Styles) -> Table:
    font, small = styles.font, styles.small
    rows = [["Source", "Kind", "Author", "Credited", "Holds", "Verdict"]]
    for s in view["sources"]:
        kind = s["kind_label"] + ("" if s["counts"] else " (not counted)")
        verdict = " ".join([s["verdict"] or "–", *s["evidence"].get("drivers", [])[:1]])
        rows.append(
            [
                Paragraph(_safe(s["title"] or str(s["submission_id"]), font), small),
                Paragraph(_safe(kind, font), small),
                Paragraph(_safe(s["author"], font), small),
                _percent(s["share"]),
                _percent(s["score"]),
                Paragraph(_safe(verdict, font), small),
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
    return table


def _passages(view: dict, styles: _Styles, paper_text: str, source_texts: dict) -> list:
    """Each source's passages side by side with the paper's, at most
    ``PLAGIARISM_PDF_MAX_PASSAGES`` in all."""
    flow: list = []
    shown = 0
    limit = settings.PLAGIARISM_PDF_MAX_PASSAGES
    total = sum(len(s["passages"]) for s in view["sources"])
    for n, s in enumerate(view["sources"], start=1):
        if not s["passages"] or shown >= limit:
            continue
        title = _safe(s["title"] or str(s["submission_id"]), styles.font)
        flow += [Spacer(1, 4 * mm), Paragraph(f"{n}. {title}", styles.heading)]
        chosen = s["passages"][: limit - shown]
        flow.append(_passage_table(s, chosen, styles, paper_text, source_texts))
        shown += len(chosen)
    if shown < total:
        flow.append(
            Paragraph(
                f"{total - shown} more passages are not shown here; the admin's report page "
                "and the API show them all.",
                styles.body,
            )
        )
    return flow


def _passage_table(source, passages, styles: _Styles, paper_text: str, texts: dict) -> Table:
    font, small = styles.font, styles.small
    rows = [[Paragraph("<b>This paper</b>", small), Paragraph("<b>The source</b>", small)]]
    for p in passages:
        source_text = texts.get((str(source["submission_id"]), p["source_version"]), "")
        rows.append(
            [
                Paragraph(_in_context(paper_text, p["start"], p["end"], font), small),
                Paragraph(
                    _in_context(source_text, p["source_start"], p["source_end"], font), small
                ),
            ]
        )
    table = Table(rows, colWidths=[87 * mm, 87 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
