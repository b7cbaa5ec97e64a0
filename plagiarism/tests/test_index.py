"""The compact index: its encoding, merges, removal, recall through it, and the migration
from the row-per-fingerprint index."""

import random

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from plagiarism import engine, index, postings
from plagiarism.models import IndexBucket, IndexDoc, IndexState, PublishedWork
from plagiarism.services import PostgresCorpus, engine_config, index_sequence_next
from plagiarism.tests.factories import add_work, prose


def test_bucket_rows_decode_to_the_postings_they_encode():
    rng = np.random.default_rng(7)
    bits = 18
    terms = rng.integers(0, 1 << 32, size=5000, dtype=np.uint32)
    # Documents close together (narrow rows) and far apart (wide rows).
    docs = np.where(
        rng.random(5000) < 0.5, rng.integers(0, 3000, 5000), rng.integers(0, 10**7, 5000)
    )
    pairs = np.unique(np.stack([terms.astype(np.int64), docs]), axis=1)
    terms, docs = pairs[0].astype(np.uint32), pairs[1]
    rows = [(0, *row) for row in postings.encode_rows(terms, docs, bits)]
    assert any(r[3] for r in rows) and not all(r[3] for r in rows)
    assert len({r[1] for r in rows}) == len(rows)  # one row per bucket
    decoded_terms, decoded_docs = postings.decode(rows, bits)
    expected = set(zip(terms.tolist(), docs.tolist(), strict=True))
    assert set(zip(decoded_terms.tolist(), decoded_docs.tolist(), strict=True)) == expected
    assert len(decoded_terms) == len(expected)


@pytest.mark.parametrize("size", [0, 1, 2, 5000])
def test_distinct_and_member_agree_with_numpy(size):
    rng = np.random.default_rng(size)
    values = rng.integers(0, 300, size=size, dtype=np.int64) << 20  # repeats, far apart
    assert np.array_equal(postings.distinct(values), np.unique(values))
    ordered = np.unique(rng.integers(0, 300, size=size // 2 + 1, dtype=np.int64) << 20)
    for among in (ordered, ordered[:0]):
        assert np.array_equal(postings.member(values, among), np.isin(values, among))


def test_bits_grow_with_the_postings_so_a_bucket_stays_small():
    assert postings.bits_for(0) == postings.MIN_BITS
    assert postings.bits_for(64 << 20) == 20
    assert postings.bits_for(1 << 40) == postings.MAX_BITS


@pytest.mark.django_db
def test_a_merge_moves_the_delta_into_main_and_drops_removed_texts():
    texts = {f"w{n}": prose(500 + n, 300) for n in range(12)}
    docs = {ref: add_work(text, ref) for ref, text in texts.items()}
    corpus = PostgresCorpus()

    def found(ref: str) -> list[str]:
        paper = engine.prepare(f"{prose(600, 100)} {texts[ref]}", engine.Config())
        return [s for s, _ in corpus.candidates(engine.fingerprint(paper), 5, 2)]

    work_id = str(docs["w3"].work_id)
    assert found("w3")[0] == work_id  # from the delta
    figures = index.merge()
    assert figures["merged"] == 12 and IndexBucket.objects.exists()
    assert not IndexDoc.objects.exclude(pending_prints__isnull=True).exists()
    assert found("w3")[0] == work_id  # from main
    assert IndexState.objects.get().merged_at is not None

    PublishedWork.objects.filter(pk=docs["w3"].work_id).delete()  # its doc goes with it
    assert work_id not in found("w3")  # its postings are still in main, but ignored
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(length(keys)) / 2 FROM plagiarism_indexbucket WHERE kind = 0")
        before = cursor.fetchone()[0]
        index.merge()
        cursor.execute("SELECT sum(length(keys)) / 2 FROM plagiarism_indexbucket WHERE kind = 0")
        after = cursor.fetchone()[0]
    assert before - after == docs["w3"].fingerprints  # purged
    assert found("w7")[0] == str(docs["w7"].work_id)


@pytest.mark.django_db
def test_a_text_indexed_again_is_found_by_its_new_words_only():
    doc = add_work(prose(700, 300), "w")
    index.merge()
    work = PublishedWork.objects.get()
    again = index.doc_add(
        terms=postings.Terms.of_text(prose(701, 300), engine_config()),
        sequence=index_sequence_next(),
        work_id=work.pk,
    )
    assert again.pk != doc.pk
    corpus = PostgresCorpus()
    for seed, expected in ((700, []), (701, [str(work.pk)])):
        paper = engine.prepare(prose(seed, 300), engine.Config())
        assert [s for s, _ in corpus.candidates(engine.fingerprint(paper), 5, 2)] == expected
        index.merge()  # and the same after the merge


@pytest.mark.django_db
def test_planted_verbatim_and_edited_passages_are_found_through_the_index():
    """Papers with a passage copied verbatim and one edited (a word in ten replaced) from
    texts in main, and from texts still in the delta, find both through the index."""
    rng = random.Random(11)
    texts = {f"w{n}": prose(800 + n, 600) for n in range(40)}
    docs = {ref: add_work(text, ref) for ref, text in list(texts.items())[:30]}
    index.merge()
    docs |= {ref: add_work(text, ref) for ref, text in list(texts.items())[30:]}  # delta
    found = planted = 0
    for query in range(16):
        words = prose(900 + query, 1500).split()
        plants = []
        for kind, length in (("copy", 60), ("edited", 80)):
            ref = rng.choice(list(texts))
            at = rng.randrange(0, 600 - length)
            passage = texts[ref].split()[at : at + length]
            if kind == "edited":
                for n in range(5, length, 10):
                    passage[n] = "edited"
            plants.append((ref, passage))
        words[400:400] = plants[0][1]
        words[1000:1000] = plants[1][1]
        report = engine.check(" ".join(words), PostgresCorpus(), config=engine_config())
        names = {m.source_id for m in report.sources if m.passages}
        for ref, _ in plants:
            planted += 1
            found += str(docs[ref].work_id) in names
    assert found == planted


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_row_index_into_the_compact_one():
    executor = MigrationExecutor(connection)
    before = [("plagiarism", "0009_sketches_and_flag_reasons")]
    after = [("plagiarism", "0010_compact_index_and_published_works")]
    executor.migrate(before)
    try:
        paper = "6f1e6a9c-5d1b-4a0e-9c1f-2b3c4d5e6f70"
        text = prose(990, 300)
        document = engine.prepare(text, engine.Config())
        prints = engine.fingerprint(document)
        sketch = engine.sketch(document)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO plagiarism_indexedpaper (submission_id, author_id, algorithm_version,"
                " fingerprints, indexed_at, sequence) VALUES (%s, 7, %s, %s, now(), 42)",
                [paper, engine.ALGORITHM_VERSION, len(prints)],
            )
            for h, position in prints:
                cursor.execute(
                    "INSERT INTO plagiarism_fingerprint VALUES (%s, %s, %s)", [h, paper, position]
                )
            for key in sketch:
                cursor.execute("INSERT INTO plagiarism_sketchkey VALUES (%s, %s)", [key, paper])
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        (doc,) = IndexDoc.objects.all()
        assert (str(doc.submission_id), doc.author_id, doc.sequence) == (paper, 7, 42)
        assert bytes(doc.pending_prints) == postings.fold(h for h, _ in prints).tobytes()
        assert bytes(doc.pending_sketch) == postings.fold(sketch).tobytes()
        assert not doc.staged  # a small index is read as the delta at once
        assert "plagiarism_fingerprint" not in connection.introspection.table_names()
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_beat_merges_once_the_delta_is_large_or_texts_are_staged(settings):
    from plagiarism.tasks import merge_index

    settings.PLAGIARISM_INDEX_DELTA_MAX = 3
    add_work(prose(1000, 100), "a")
    add_work(prose(1001, 100), "b")
    assert merge_index() == {"merged": 0, "delta": 2}
    add_work(prose(1002, 100), "c")
    assert merge_index()["merged"] == 3
    IndexDoc.objects.filter(work__external_id="a").update(pending_prints=b"", staged=True)
    assert merge_index()["merged"] == 1  # staged by an import: merged whatever its size
    assert index.pending_counts() == (0, 0)
