"""Files for the author site's tests, made here: a PDF of given words (reportlab, as the
report's PDF), and text files."""

import io
import textwrap

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf_of(text: str, *, title: str = "A paper") -> bytes:
    """A real PDF whose text layer holds ``text`` (wrapped, over as many pages as it needs)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(title)
    _width, height = A4
    y = height - 60
    for line in textwrap.wrap(text, 90):
        if y < 60:
            pdf.showPage()
            y = height - 60
        pdf.drawString(50, y, line)
        y -= 14
    pdf.save()
    return out.getvalue()
