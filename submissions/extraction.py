"""Text extraction from uploaded papers: PDF, DOCX, plain text and Markdown.

Pure: no Django (it also runs in the extraction pool's worker processes, see
``submissions.sandbox``). The type is decided by the content (magic bytes, the DOCX package
layout, decodability), and must agree with the file name's extension. Every refusal raises
``ExtractionError`` with a message meant for the author. ``Caps`` bound what one file may
cost: pages, bytes after decompression, words.
"""

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import charset_normalizer
import docx
import pypdf
from pypdf.errors import PdfReadError

EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md"}
TYPE_NAMES = {"pdf": "a PDF", "docx": "a DOCX document", "txt": "text", "md": "text"}
DOCX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DOCX_MAX_RATIO = 100  # a real DOCX compresses text about 3-10 times; bombs far more
WORD_RE = re.compile(r"\w+", re.UNICODE)


# Characters PostgreSQL cannot store in text (NUL) or that no text needs (other C0 controls
# but tab, newline, carriage return and form feed).
UNSTORABLE_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


class ExtractionError(ValueError):
    """The upload cannot be accepted; ``kind`` says how to answer: ``type`` (a wrong or
    disguised type), ``content`` (empty, corrupt, encrypted), ``too_large`` (over a cap),
    ``too_costly`` (over a time or memory limit) or ``busy`` (no extraction worker free)."""

    def __init__(self, message: str, *, kind: str = "content") -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self):  # keeps ``kind`` on its way back from a worker process
        return (type(self), (str(self),), {"kind": self.kind})


@dataclass(frozen=True)
class Caps:
    """What one file may cost to read."""

    max_pages: int = 1000
    max_decompressed_bytes: int = 64 * 1024 * 1024
    max_words: int = 300_000


@dataclass(frozen=True)
class Extracted:
    file_type: str
    text: str
    word_count: int
    content_hash: str


def declared_type(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        shown = suffix or "(no extension)"
        raise ExtractionError(
            f"unsupported file type {shown!r}: send PDF, DOCX, TXT or Markdown",
            kind="type",
        )
    return EXTENSIONS[suffix]


def sniffed_type(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return "text"


def storable_text(text: str) -> str:
    """``text`` without what PostgreSQL cannot store: NUL and other control characters
    (dropped), lone surrogates (replaced)."""
    text = UNSTORABLE_RE.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8")


def text_facts(text: str, file_type: str, caps: Caps | None = None) -> Extracted:
    """Word count and content hash of ``text``; refuses text with no words, or more words
    than ``caps`` allow."""
    caps = caps or Caps()
    text = storable_text(text)
    normalised = " ".join(text.split())
    words = len(WORD_RE.findall(normalised))
    if not words:
        raise ExtractionError("no text could be extracted from the file")
    if words > caps.max_words:
        raise ExtractionError(
            f"the paper has {words:,} words, more than the limit of {caps.max_words:,}",
            kind="too_large",
        )
    digest = hashlib.sha256(normalised.casefold().encode()).hexdigest()
    return Extracted(file_type=file_type, text=text.strip(), word_count=words, content_hash=digest)


def extract(data: bytes, filename: str, caps: Caps | None = None) -> Extracted:
    """The text of an uploaded file, or ``ExtractionError`` saying what is wrong with it."""
    caps = caps or Caps()
    expected = declared_type(filename)
    if not data:
        raise ExtractionError("the file is empty")
    actual = sniffed_type(data[:8])
    if expected == "pdf":
        if actual != "pdf":
            raise _mismatch(filename, expected)
        return text_facts(_pdf_text(data, caps), "pdf", caps)
    if expected == "docx":
        if actual != "zip":
            raise _mismatch(filename, expected)
        return text_facts(_docx_text(data, caps), "docx", caps)
    if actual != "text":
        raise _mismatch(filename, expected)
    return text_facts(decode_text(data), expected, caps)


def _mismatch(filename: str, expected: str) -> ExtractionError:
    return ExtractionError(
        f"the content of {PurePath(filename).name!r} is not {TYPE_NAMES[expected]}", kind="type"
    )


def _pdf_text(data: bytes, caps: Caps) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("the PDF is encrypted: upload it without a password")
        pages = len(reader.pages)
        if pages > caps.max_pages:
            raise ExtractionError(
                f"the PDF has {pages:,} pages, more than the limit of {caps.max_pages:,}",
                kind="too_large",
            )
        texts, expanded = [], 0
        for page in reader.pages:
            contents = page.get_contents()
            expanded += len(contents.get_data()) if contents is not None else 0
            if expanded > caps.max_decompressed_bytes:
                raise ExtractionError(
                    "the PDF's pages expand to more than "
                    f"{caps.max_decompressed_bytes // (1024 * 1024)} MB of content: refused",
                    kind="too_large",
                )
            texts.append(page.extract_text() or "")
        return "\n".join(texts)
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExtractionError("the PDF is corrupt and cannot be read") from exc
    except Exception as exc:  # pypdf raises many kinds on malformed input
        raise ExtractionError("the PDF is corrupt and cannot be read") from exc


def _docx_text(data: bytes, caps: Caps) -> str:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = set(package.namelist())
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise ExtractionError("the file is a ZIP archive but not a DOCX document", kind="type")
        expanded = sum(info.file_size for info in package.infolist())
        if expanded > min(
            DOCX_MAX_UNCOMPRESSED, caps.max_decompressed_bytes
        ) or expanded > DOCX_MAX_RATIO * len(data):
            raise ExtractionError(
                "the DOCX expands to far more than its size (a zip bomb?): refused",
                kind="too_large",
            )
        document = docx.Document(io.BytesIO(data))
    except ExtractionError:
        raise
    except Exception as exc:  # BadZipFile, XML errors, missing parts
        raise ExtractionError("the DOCX is corrupt and cannot be read") from exc
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def decode_text(data: bytes) -> str:
    """Text files arrive as UTF-8 (with or without BOM), Windows-1252 and others."""
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("the file is binary, not text", kind="type")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ExtractionError("the file says UTF-16 but is not", kind="type") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Windows-1252 is by far the most common encoding after UTF-8, and on short texts the
    # detector often guesses a rarer code page (cp775, cp1250, Latin-1 with its control
    # characters where the curly quotes should be). Take Windows-1252 when the result reads
    # as Western text; otherwise ask the detector.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and all(_western_char(ch) for ch in set(western)):
        return western
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ExtractionError("the text's encoding could not be recognised", kind="type")
    return str(best)


# Characters of Windows-1252 that a Western text plausibly contains. Left out: ¹ ³ ¥ and
# the C1 range, which are what Central European (cp1250) letters such as ą ł Ą turn into.
_WESTERN_EXTRA = set("‘’‚“”„–—…•€™‹›ˆ˜šžŠŽŒœŸ†‡‰")


def _western_char(ch: str) -> bool:
    if ch.isascii():
        return ch.isprintable() or ch in "\n\r\t\f"
    if ch in _WESTERN_EXTRA:
        return True
    return "\u00a0" <= ch <= "\u00ff" and ch not in "¹³¥"
