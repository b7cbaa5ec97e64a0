"""A back catalogue of published works: reading an import's input, preparing each work in
worker processes, and writing them in batches (``manage.py plagiarism_import``).

The input is a directory of PDF, DOCX and text files (each file a work, its id its path in
the directory) or a JSON Lines file, one work a line: ``id``, ``title``, ``text`` or
``file`` (a path relative to the JSON Lines file), and optionally ``authors`` (a string or a
list), ``year``, ``doi`` and ``url``. Every item is either imported, skipped (already
imported, or the same text as another work) or refused with its reason.

Preparing a work (reading its file, its text's hash, its index terms) is pure and runs in a
pool of processes, one per core. Writing is batched: each batch of works and their terms
commits at once, so a stopped import resumes where it stopped, and an import run twice
imports nothing the second time. Works are staged in the index and merged at the end.
"""

import datetime
import hashlib
import json
import re
import resource
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.utils import timezone

from plagiarism import engine, postings
from plagiarism.models import IndexDoc, PublishedWork
from submissions.extraction import EXTENSIONS, UNSTORABLE_RE, Caps, ExtractionError, extract

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_TEXT_CHARS = 5_000_000
MAX_LINE_BYTES = 4 * MAX_TEXT_CHARS  # a line's text, escaped, and its fields
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
FIELD_LIMITS = {"id": 300, "title": 1000, "authors": 2000, "doi": 300, "url": 1000}


class Refused(ValueError):
    """An item that cannot be imported; the message says why, for the summary."""


@dataclass
class Item:
    """One work of the input, as read, before its text is prepared."""

    ref: str  # its id: the JSON Lines ``id``, or the file's path in the directory
    label: str  # how the summary names it
    title: str = ""
    authors: str = ""
    year: int | None = None
    doi: str = ""
    url: str = ""
    text: str | None = None
    file: Path | None = None


@dataclass
class Prepared:
    item: Item
    text: str = ""
    words: int = 0
    content_hash: str = ""
    prints: bytes = b""
    sketch: bytes = b""
    fingerprints: int = 0
    refused: str = ""


@dataclass
class Summary:
    imported: int = 0
    already: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (label, same text as)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (label, reason)


# -- reading the input --------------------------------------------------------------------------
def items_of(path: Path) -> Iterator[Item | tuple[str, str]]:
    """The input's items in order; an item that cannot even be read is (label, reason)."""
    if path.is_dir():
        yield from _files(path)
    else:
        yield from _lines(path)


def count_items(path: Path) -> int:
    if path.is_dir():
        return sum(1 for p in path.rglob("*") if p.is_file())
    with path.open("rb") as lines:
        return sum(1 for line in iter(lambda: lines.readline(MAX_LINE_BYTES), b"") if line.strip())


def _files(root: Path) -> Iterator[Item | tuple[str, str]]:
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        ref = file.relative_to(root).as_posix()
        if file.suffix.lower() not in EXTENSIONS:
            yield ref, "not a PDF, DOCX or text file (by its extension)"
            continue
        title = re.sub(r"[_\s]+", " ", file.stem).strip() or ref
        yield Item(ref=ref[:300], label=ref, title=title[:1000], file=file)


def _lines(path: Path) -> Iterator[Item | tuple[str, str]]:
    with path.open("rb") as lines:
        number = 0
        while raw := lines.readline(MAX_LINE_BYTES + 1):
            number += 1
            label = f"line {number}"
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := lines.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass  # the rest of a line too long to read: skipped, not held
                yield label, f"longer than {MAX_LINE_BYTES:,} bytes"
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                yield _item(record, label, path.parent)
            except UnicodeDecodeError:
                yield label, "not UTF-8"
            except json.JSONDecodeError as exc:
                yield label, f"not JSON ({exc.msg} at column {exc.colno})"
            except Refused as exc:
                name = record.get("id") if isinstance(record, dict) else None
                yield (f"{label} (id {name})" if isinstance(name, str | int) else label), str(exc)


def _text_field(record: dict, name: str, *, required: bool = False) -> str:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise Refused(f"no {name}")
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str):
        raise Refused(f"{name} must be a string")
    value = UNSTORABLE_RE.sub("", value).strip()
    if required and not value:
        raise Refused(f"no {name}")
    if len(value) > FIELD_LIMITS[name]:
        raise Refused(f"{name} longer than {FIELD_LIMITS[name]} characters")
    return value


def _item(record: object, label: str, folder: Path) -> Item:
    if not isinstance(record, dict):
        raise Refused("not a JSON object")
    ref = _text_field(record, "id", required=True)
    item = Item(
        ref=ref, label=f"{label} (id {ref})", title=_text_field(record, "title", required=True)
    )
    authors = record.get("authors")
    if isinstance(authors, list):
        if not all(isinstance(a, str) for a in authors):
            raise Refused("authors must be a string or a list of strings")
        record = {**record, "authors": "; ".join(a.strip() for a in authors if a.strip())}
    item.authors = _text_field(record, "authors")
    year = record.get("year")
    if year not in (None, ""):
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year)
        if not isinstance(year, int) or isinstance(year, bool):
            raise Refused("year must be a number")
        if not 1000 <= year <= datetime.date.today().year + 1:
            raise Refused(f"year {year} is not a plausible year of publication")
        item.year = year
    doi = DOI_PREFIX_RE.sub("", _text_field(record, "doi"))
    if doi and not DOI_RE.match(doi):
        raise Refused(f"doi {doi!r} is not a DOI (10.<registrant>/<suffix>)")
    item.doi = doi
    url = _text_field(record, "url")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise Refused("url must be an http or https address")
    item.url = url
    text, file = record.get("text"), record.get("file")
    if (text is None) == (file is None):
        raise Refused("give either text or file")
    if text is not None:
        if not isinstance(text, str):
            raise Refused("text must be a string")
        if len(text) > MAX_TEXT_CHARS:
            raise Refused(f"text longer than {MAX_TEXT_CHARS:,} characters")
        item.text = text
    else:
        if not isinstance(file, str) or not file.strip():
            raise Refused("file must be a path")
        item.file = (folder / file).resolve()
    return item


# -- preparing a work (in a worker process) -----------------------------------------------------
def worker_init(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def prepare(item: Item, config: engine.Config, caps: Caps) -> Prepared:
    """Read, normalise, hash and fingerprint one work. Pure: runs in a worker process."""
    try:
        text = item.text
        if item.file is not None:
            try:
                if item.file.stat().st_size > MAX_FILE_BYTES:
                    raise Refused(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
                text = extract(item.file.read_bytes(), item.file.name, caps).text
            except OSError as exc:
                raise Refused(f"cannot read {item.file.name}: {exc.strerror}") from exc
            except ExtractionError as exc:
                raise Refused(str(exc)) from exc
        text = UNSTORABLE_RE.sub("", text or "").strip()
        document = engine.prepare_for_index(text, config)
        words = len(document.words)
        if not words:
            raise Refused("no text")
        if words > caps.max_words:
            raise Refused(f"more than {caps.max_words:,} words")
        terms = postings.Terms.of(document, config)
    except Refused as exc:
        return Prepared(item, refused=str(exc))
    return Prepared(
        item,
        text=text,
        words=words,
        content_hash=hashlib.sha256(" ".join(text.split()).encode()).hexdigest(),
        prints=terms.prints.tobytes(),
        sketch=terms.sketch.tobytes(),
        fingerprints=len(terms.prints),
    )


# -- writing ------------------------------------------------------------------------------------
WORK_COLUMNS = (
    "id, external_id, title, authors, year, doi, url, text, words, content_hash, imported_at"
)


def known() -> tuple[set[str], dict[str, str]]:
    """The ids already imported, and the texts' hashes (to the id holding each)."""
    refs = set(PublishedWork.objects.values_list("external_id", flat=True).iterator())
    hashes = dict(PublishedWork.objects.values_list("content_hash", "external_id").iterator())
    return refs, hashes


def write(batch: list[Prepared], *, staged: bool = True) -> list[Prepared]:
    """Works and their index documents, in one transaction. Returns the works written
    (another import may have written some of them meanwhile: those are left out)."""
    if not batch:
        return []
    now = timezone.now()
    ids = {p.item.ref: uuid.uuid4() for p in batch}
    table = PublishedWork._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS works_in")  # a test's outer transaction kept it
        cursor.execute(f"CREATE TEMPORARY TABLE works_in (LIKE {table}) ON COMMIT DROP")
        with cursor.copy(f"COPY works_in ({WORK_COLUMNS}) FROM STDIN") as copy:
            for p in batch:
                i = p.item
                copy.write_row(
                    (
                        ids[i.ref],
                        i.ref,
                        i.title,
                        i.authors,
                        i.year,
                        i.doi,
                        i.url,
                        p.text,
                        p.words,
                        p.content_hash,
                        now,
                    )
                )
        cursor.execute(
            f"INSERT INTO {table} ({WORK_COLUMNS}) SELECT {WORK_COLUMNS} FROM works_in "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING external_id"
        )
        written = {ref for (ref,) in cursor.fetchall()}
        kept = [p for p in batch if p.item.ref in written]
        cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            ["plagiarism_index_sequence", len(kept)],
        )
        sequences = [n for (n,) in cursor.fetchall()]
        doc_table = IndexDoc._meta.db_table
        with cursor.copy(
            f"COPY {doc_table} (work_id, algorithm_version, fingerprints, indexed_at, sequence, "
            "pending_prints, pending_sketch, staged) FROM STDIN"
        ) as copy:
            for p, sequence in zip(kept, sequences, strict=True):
                copy.write_row(
                    (
                        ids[p.item.ref],
                        engine.ALGORITHM_VERSION,
                        p.fingerprints,
                        now,
                        sequence,
                        p.prints,
                        p.sketch,
                        staged,
                    )
                )
    return kept


def remove(refs: list[str]) -> int:
    """Take works out (their index documents go with them; main forgets their postings at
    the next merge, and checks ignore them meanwhile)."""
    removed = 0
    for start in range(0, len(refs), 1000):
        removed += (
            PublishedWork.objects.filter(external_id__in=refs[start : start + 1000])
            .delete()[1]
            .get(PublishedWork._meta.label, 0)
        )
    return removed


def terms_of(text: str, config: engine.Config) -> tuple[bytes, bytes, int]:
    """A text's index terms, as stored (in a worker process)."""
    terms = postings.Terms.of_text(text, config)
    return terms.prints.tobytes(), terms.sketch.tobytes(), len(terms.prints)
