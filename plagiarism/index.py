"""The compact fingerprint index: bucketed postings without positions, two tiers.

What is indexed of a text is its *terms*: each winnowed fingerprint and each sketch key
(``engine.fingerprint``, ``engine.sketch``) folded to 32 bits (Kasprzak et al. found 28 bits
enough for text reuse). A term's positions are not stored: the alignment recomputes them
from the candidate's text. Each indexed text is an ``IndexDoc`` with a compact integer id.

- **main** (``plagiarism_indexbucket``): one row per (kind, bucket), the bucket being the
  term's top ``bits`` bits. A row holds its postings sorted by document: the terms' low 16
  bits (``uint16``) and the documents as differences from the row's ``base`` (``uint16``, or
  ``uint32`` in a ``wide`` row), about 4 bytes a posting instead of a row of 28 or more.
  ``bits`` is chosen at each merge so that a bucket holds about ``POSTINGS_PER_BUCKET``
  postings, so a check reads about that many postings per term however large the corpus.
- **delta**: documents added since the last merge keep their terms in their own row
  (``pending_prints``, ``pending_sketch``); a check reads those too. ``merge`` rewrites main
  with them (and without removed documents) into a new table and swaps it in: the index
  stays readable throughout. A bulk import stages its documents (``staged``): they are not
  read by checks until the merge that ends the import, so a check never scans a big delta.

A check reads the delta first and main second: a merge that commits in between moves
documents from the first to the second, never out of both.
"""

import logging
from collections.abc import Callable

import numpy as np
import psycopg
from django.db import connection, transaction
from django.utils import timezone

from config.locks import AdvisoryLock
from plagiarism import engine
from plagiarism.models import IndexBucket, IndexDoc, IndexState
from plagiarism.postings import (
    Packed,
    Terms,
    bits_for,
    decode_packed,
    distinct,
    encode_rows,
    member,
    unpack,
)

logger = logging.getLogger(__name__)

PRINTS, SKETCH = 0, 1  # the two kinds of term
KINDS = {PRINTS: "pending_prints", SKETCH: "pending_sketch"}
MERGE_CHUNKS = 16  # main is rewritten a range of terms at a time: bounded memory
BUCKET_TABLE = IndexBucket._meta.db_table
DOC_TABLE = IndexDoc._meta.db_table


# -- the state ----------------------------------------------------------------------------------
def state() -> IndexState:
    found, _ = IndexState.objects.get_or_create(
        pk=1, defaults={"algorithm_version": engine.ALGORITHM_VERSION}
    )
    return found


# -- search -------------------------------------------------------------------------------------
def _delta(kind: int) -> tuple[np.ndarray, np.ndarray]:
    rows = (
        IndexDoc.objects.filter(staged=False)
        .exclude(**{f"{KINDS[kind]}__isnull": True})
        .values_list("id", KINDS[kind])
    )
    arrays = [(doc, unpack(data)) for doc, data in rows]
    if not arrays:
        return np.empty(0, np.uint32), np.empty(0, np.int64)
    terms = np.concatenate([a for _, a in arrays])
    docs = np.repeat(
        np.fromiter((d for d, _ in arrays), dtype=np.int64, count=len(arrays)),
        [len(a) for _, a in arrays],
    )
    return terms, docs


# One row for any number of buckets: their columns as arrays, their bytes joined (in
# bucket order), so Python handles a handful of values, not a tuple per bucket.
PACKED_SQL = """
    SELECT coalesce(array_agg(bucket ORDER BY bucket), '{{}}'),
           coalesce(array_agg(base ORDER BY bucket), '{{}}'),
           coalesce(array_agg(wide ORDER BY bucket), '{{}}'),
           coalesce(array_agg(length(keys) / 2 ORDER BY bucket), '{{}}'),
           coalesce(string_agg(keys, ''::bytea ORDER BY bucket), ''::bytea),
           coalesce(string_agg(docs, ''::bytea ORDER BY bucket) FILTER (WHERE NOT wide), ''),
           coalesce(string_agg(docs, ''::bytea ORDER BY bucket) FILTER (WHERE wide), '')
    FROM {table} WHERE kind = %s AND {where}
"""


def _read(kind: int, bits: int, where: str, params: list, table: str = BUCKET_TABLE):
    """(terms, documents) of the bucket rows ``where`` says, through one packed row in
    PostgreSQL's binary format (no hex decoding of the bytes)."""
    connection.ensure_connection()
    # Django's cursors bind on the client, which cannot read binary results: a plain one.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(PACKED_SQL.format(table=table, where=where), [kind, *params], binary=True)
        row = cursor.fetchone()
    return decode_packed(Packed(*row[:4], *(bytes(b) for b in row[4:])), bits)


def _main(kind: int, terms: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    buckets = distinct(terms >> np.uint32(32 - bits))
    # The buckets as an array literal: psycopg's list adapter costs milliseconds for thousands.
    literal = "{" + ",".join(map(str, buckets.tolist())) + "}"
    return _read(kind, bits, "bucket = ANY(%s::int4[])", [literal])


def search(
    kind: int,
    terms: np.ndarray,
    *,
    limit: int,
    min_shared: int,
    max_df: int,
    positions: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Documents sharing at least ``min_shared`` of ``terms``, most first, as (doc id,
    shared). With the terms' ``positions`` in the paper, a document's hits are counted in
    its best stretch of the paper (``engine.best_stretches``), so hits scattered by chance
    over a long paper do not make a candidate. A term held by more than ``max_df``
    documents is a common phrase: ignored."""
    if not len(terms):
        return []
    current = state()
    wanted_terms = distinct(terms)
    delta_terms, delta_docs = _delta(kind)  # first the delta, then main: see the module
    main_terms, main_docs = _main(kind, wanted_terms, current.bits(kind))
    held_terms = np.concatenate([delta_terms, main_terms])
    held_docs = np.concatenate([delta_docs, main_docs])
    wanted = member(held_terms, wanted_terms)
    pairs = distinct(
        (held_terms[wanted].astype(np.int64) << 32) | held_docs[wanted].astype(np.int64)
    )
    if not len(pairs):
        return []
    term_of, doc_of = pairs >> 32, pairs & 0xFFFFFFFF
    # pairs are sorted by term: each term's holders are one run
    _, holders = np.unique(term_of, return_counts=True)
    rare = np.repeat(holders <= max_df, holders)
    if positions is None:
        docs, shared = np.unique(doc_of[rare], return_counts=True)
    else:
        docs, shared = engine.best_stretches(
            term_of[rare], doc_of[rare], terms.astype(np.int64), positions.astype(np.int64)
        )
    keep = shared >= min_shared
    order = np.lexsort((docs[keep], -shared[keep]))
    ranked = zip(docs[keep][order].tolist(), shared[keep][order].tolist(), strict=True)
    return list(ranked)[: limit * 2]


# -- adding and removing ------------------------------------------------------------------------
def doc_add(*, terms: Terms, sequence: int, **identity) -> IndexDoc:
    """Index one text now (the delta): ``identity`` is ``submission_id`` or ``work_id``
    with ``author_id``. A text indexed again gets a new id; its old postings are purged by
    the next merge."""
    IndexDoc.objects.filter(
        **{k: v for k, v in identity.items() if k in ("submission_id", "work_id")}
    ).delete()
    return IndexDoc.objects.create(
        **identity,
        algorithm_version=engine.ALGORITHM_VERSION,
        fingerprints=len(terms.prints),
        sequence=sequence,
        **terms.pending(),
    )


# -- merging ------------------------------------------------------------------------------------
def merge(*, progress: Callable[[int], None] | None = None) -> dict:
    """Rewrite main with every pending document's terms, without removed documents'
    (and with a pending document's new terms in place of its old ones), in a new table
    swapped in at the end. Returns figures for the log. One merge at a time; checks read
    the old main until the swap."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [AdvisoryLock.INDEX_MERGE])
            if not cursor.fetchone()[0]:
                return {"merged": 0, "busy": True}
        current = state()
        # Locked: a reindex storing new terms on one of them, or a paper indexed again,
        # waits for this merge, or the terms it wrote would be cleared below unmerged.
        pending = list(
            IndexDoc.objects.select_for_update()
            .exclude(pending_prints__isnull=True)
            .values_list("id", "pending_prints", "pending_sketch")
        )
        pending_ids = np.fromiter((p[0] for p in pending), dtype=np.int64, count=len(pending))
        live = np.fromiter(IndexDoc.objects.values_list("id", flat=True), dtype=np.int64)
        figures = {"merged": len(pending), "documents": len(live)}
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BUCKET_TABLE}_next")
            cursor.execute(
                f"CREATE TABLE {BUCKET_TABLE}_next (LIKE {BUCKET_TABLE} INCLUDING DEFAULTS)"
            )
            for kind, column in KINDS.items():
                name = column.removeprefix("pending_")
                new_terms = [unpack(p[1 + kind]) for p in pending]
                written, bits = _merge_kind(
                    cursor, kind, current, new_terms, pending_ids, live, progress
                )
                figures[f"{name}_postings"] = written
                setattr(current, f"{name}_bits", bits)
            cursor.execute(f"ALTER TABLE {BUCKET_TABLE}_next ADD PRIMARY KEY (kind, bucket)")
            cursor.execute(f"LOCK TABLE {BUCKET_TABLE} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"DROP TABLE {BUCKET_TABLE}")
            cursor.execute(f"ALTER TABLE {BUCKET_TABLE}_next RENAME TO {BUCKET_TABLE}")
            cursor.execute(f"ALTER INDEX {BUCKET_TABLE}_next_pkey RENAME TO {BUCKET_TABLE}_pkey")
        IndexDoc.objects.filter(id__in=pending_ids.tolist()).update(
            pending_prints=None, pending_sketch=None, staged=False
        )
        current.merged_at = timezone.now()
        # One algorithm per index: it is the current one once no text of another is left.
        if not IndexDoc.objects.exclude(algorithm_version=engine.ALGORITHM_VERSION).exists():
            current.algorithm_version = engine.ALGORITHM_VERSION
        current.save()
    logger.info("plagiarism.index_merged %s", " ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


def _merge_kind(cursor, kind: int, current, new_terms, pending_ids, live, progress):
    """Write one kind's postings into the next main, chunk by chunk of the term space: main's
    postings of live documents that are not pending, and the pending documents' new terms.
    How many postings, and the bucket bits chosen for them."""
    add_terms = np.concatenate([np.empty(0, np.uint32), *new_terms])
    add_docs = np.repeat(pending_ids, [len(t) for t in new_terms])
    old_bits = current.bits(kind)
    cursor.execute(
        f"SELECT coalesce(sum(length(keys)) / 2, 0) FROM {BUCKET_TABLE} "  # noqa: S608
        "WHERE kind = %s",
        [kind],
    )
    bits = bits_for(int(cursor.fetchone()[0]) + len(add_terms))
    written = 0
    for chunk in range(MERGE_CHUNKS):
        first = chunk << (32 - 4) >> (32 - old_bits)
        last = (chunk + 1) << (32 - 4) >> (32 - old_bits)
        terms, docs = _read(kind, old_bits, "bucket >= %s AND bucket < %s", [first, last])
        keep = np.isin(docs, live) & ~np.isin(docs, pending_ids)
        mine = (add_terms >> np.uint32(28)) == chunk
        terms = np.concatenate([terms[keep], add_terms[mine]])
        docs = np.concatenate([docs[keep], add_docs[mine]])
        written += _write(cursor, kind, terms, docs, bits)
        if progress:
            progress(1)
    return written, bits


def _write(cursor, kind: int, terms: np.ndarray, docs: np.ndarray, bits: int) -> int:
    """COPY ``terms`` of ``docs`` into the next main as bucket rows, frozen: the table was
    made in this transaction, so its rows need no hint bits set by the first checks that
    read them (which would write every page of the new main again, in the checks' time)."""
    with cursor.copy(
        f"COPY {BUCKET_TABLE}_next (kind, bucket, base, wide, keys, docs) FROM STDIN WITH (FREEZE)"
    ) as copy:
        for row in encode_rows(terms, docs, bits):
            copy.write_row((kind, *row))
    return len(terms)


def reclaim() -> None:
    """After a merge: the terms it moved out of the documents' rows leave dead space there
    (TOAST chunks mostly); VACUUM frees it (and gives back the trailing pages), and the new
    main gets its statistics. Not inside a transaction (a test's): VACUUM cannot run there."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {DOC_TABLE}")
        cursor.execute(f"ANALYZE {BUCKET_TABLE}")


def pending_counts() -> tuple[int, int]:
    """(texts in the delta, which checks read; texts staged, which they do not yet)."""
    pending = IndexDoc.objects.exclude(pending_prints__isnull=True)
    return pending.filter(staged=False).count(), pending.filter(staged=True).count()


def index_bytes() -> dict[str, int]:
    """Disk taken by the index: main, and the documents' table (the delta with it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size(%s), pg_total_relation_size(%s)",
            [BUCKET_TABLE, DOC_TABLE],
        )
        main, docs = cursor.fetchone()
    return {"main": main, "documents": docs}
