"""Speed, size and recall of the plagiarism check as the indexed corpus grows.

    .venv/bin/python bench/plagiarism_speed.py [--sizes 10000,30000,100000,300000] [--queries 30]

For each size the corpus grows in place to that many documents of about 1,500 words drawn
from a Zipf-distributed vocabulary of 50,000 words, imported as a back catalogue with the
command operators run (``plagiarism_import``: prepared on every core, written with COPY,
merged into main). Then papers of 5,000 words, each with planted passages copied from known
places in the corpus (one verbatim, one lightly edited: a word in ten replaced), are checked
with ``plagiarism.services`` against the PostgreSQL index. Prints per size: the build rate,
the index's size on disk per document, check latency p50 and p95 with and without the sketch
search, the index search's share, and the recall of the planted passages. At the end: the
growth from the first size to the last, and a projection to 1,000,000 documents (disk, and
the memory that keeps the index in cache). Needs the services up.
"""

import argparse
import io
import math
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from common import bench_environment, percentile

VOCABULARY = 50_000
DOC_WORDS = 1500
PAPER_WORDS = 5000
PROJECT_TO = 1_000_000


class Zipf:
    """Words drawn from a Zipf-distributed vocabulary, many texts at a time."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocabulary = np.array([f"w{n}" for n in range(VOCABULARY)], dtype=object)
        weights = 1 / np.arange(1, VOCABULARY + 1)
        self.p = weights / weights.sum()

    def texts(self, count: int, words: int) -> list[str]:
        drawn = self.rng.choice(VOCABULARY, size=(count, words), p=self.p)
        return [" ".join(self.vocabulary[row]) for row in drawn]


class TimedCorpus:
    """The corpus the check uses, timing its index search and counting the sources it
    aligns, so that a slow check can be told apart: the database or the alignment."""

    def __init__(self, corpus) -> None:
        self.corpus = corpus
        self.search_ms: list[float] = []
        self.aligned: list[int] = []
        self._search = 0.0
        self._sources = 0

    def candidates(self, *args):
        started = time.perf_counter()
        try:
            return self.corpus.candidates(*args)
        finally:
            self._search += (time.perf_counter() - started) * 1000

    def sources(self, ids):
        self._sources += len(ids)
        return self.corpus.sources(ids)

    def similar(self, *args):
        started = time.perf_counter()
        try:
            return self.corpus.similar(*args)
        finally:
            self._search += (time.perf_counter() - started) * 1000

    def finish_check(self) -> None:
        self.search_ms.append(self._search)
        self.aligned.append(self._sources)
        self._search, self._sources = 0.0, 0


def grow(path: Path, zipf: Zipf, first: int, count: int) -> None:
    """A JSON Lines catalogue of ``count`` new documents, numbered from ``first``."""
    import json

    with path.open("w") as out:
        for start in range(0, count, 2000):
            texts = zipf.texts(min(2000, count - start), DOC_WORDS)
            for n, text in enumerate(texts, start=first + start):
                out.write(json.dumps({"id": f"doc-{n}", "title": f"Doc {n}", "text": text}))
                out.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000,300000")
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--partitions", type=int, default=8, help="hash partitions to compare main with (0: none)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"command: .venv/bin/python bench/plagiarism_speed.py --sizes {args.sizes} "
        f"--queries {args.queries} --workers {args.workers} --partitions {args.partitions}"
    )
    with bench_environment("bench_plagiarism"), tempfile.TemporaryDirectory() as folder:
        from django.core.management import call_command
        from django.db import connection

        from plagiarism import engine, index
        from plagiarism.models import PublishedWork
        from plagiarism.services import PostgresCorpus, engine_config

        zipf, rng = Zipf(2026), random.Random(2026)
        config = engine_config()
        have = 0
        rows = []
        for size in sizes:
            path = Path(folder) / f"to-{size}.jsonl"
            grow(path, zipf, have, size - have)
            started = time.perf_counter()
            call_command("plagiarism_import", str(path), workers=args.workers, stdout=io.StringIO())
            build_rate = (size - have) / (time.perf_counter() - started)
            have = size
            path.unlink()
            sizes_now = index.index_bytes()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_total_relation_size('plagiarism_publishedwork')")
                texts_bytes = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT kind, count(*), sum(length(keys)) / 2 FROM plagiarism_indexbucket "
                    "GROUP BY kind ORDER BY kind"
                )
                buckets = cursor.fetchall()

            latencies, without_sketches, found, planted = [], [], 0, 0
            fingerprints_only = replace(config, sketch_candidates=0)
            corpus = TimedCorpus(PostgresCorpus())
            for _ in range(args.queries):
                words = zipf.texts(1, PAPER_WORDS)[0].split()
                plants = []
                for kind, length in (("copy", 60), ("edited", 80)):
                    source = PublishedWork.objects.get(external_id=f"doc-{rng.randrange(size)}")
                    at = rng.randrange(0, DOC_WORDS - length)
                    passage = source.text.split()[at : at + length]
                    if kind == "edited":
                        for n in range(5, length, 10):
                            passage[n] = "edited"
                    plants.append((rng.randrange(0, len(words)), str(source.pk), passage))
                expected, shift = [], 0
                for where, source_id, passage in sorted(plants, key=lambda plant: plant[0]):
                    start = where + shift  # earlier plants moved this one along
                    words[start:start] = passage
                    expected.append((source_id, start, start + len(passage)))
                    shift += len(passage)
                text = " ".join(words)
                offsets = [0]
                for word in words:
                    offsets.append(offsets[-1] + len(word) + 1)
                t0 = time.perf_counter()
                engine.check(text, PostgresCorpus(), config=fingerprints_only)
                without_sketches.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                report = engine.check(text, corpus, config=config)
                latencies.append((time.perf_counter() - t0) * 1000)
                corpus.finish_check()
                for source_id, first, last in expected:
                    planted += 1
                    span = (offsets[first], offsets[last] - 1)
                    for match in report.sources:
                        if match.source_id != source_id:
                            continue
                        overlap = sum(
                            max(0, min(p.end, span[1]) - max(p.start, span[0]))
                            for p in match.passages
                        )
                        if overlap >= 0.5 * (span[1] - span[0]):
                            found += 1
                            break
            latencies.sort()
            without_sketches.sort()
            searches = sorted(corpus.search_ms)
            total = sizes_now["main"] + sizes_now["documents"]
            row = {
                "size": size,
                "build": build_rate,
                "kib": total / size / 1024,
                "main": sizes_now["main"],
                "documents": sizes_now["documents"],
                "texts": texts_bytes,
                "p50": percentile(latencies, 0.5),
                "p95": percentile(latencies, 0.95),
                "recall": found / planted,
            }
            rows.append(row)
            layout = ", ".join(
                f"{'fingerprints' if kind == 0 else 'sketch'} {n:,} buckets of "
                f"{postings / n:.0f} postings"
                for kind, n, postings in buckets
            )
            print(
                f"{size:>9,} documents: import {build_rate:,.0f} docs/s, index "
                f"{row['kib']:.2f} KiB/doc (main {sizes_now['main'] / size / 1024:.2f}, "
                f"documents' table {sizes_now['documents'] / size / 1024:.2f}; {layout}), "
                f"check of a {PAPER_WORDS:,}-word paper p50 {row['p50']:.0f} ms "
                f"p95 {row['p95']:.0f} ms (without the sketch search p50 "
                f"{percentile(without_sketches, 0.5):.0f} ms p95 "
                f"{percentile(without_sketches, 0.95):.0f} ms), planted-passage recall "
                f"{row['recall']:.3f} ({found}/{planted}); of which the index search p50 "
                f"{percentile(searches, 0.5):.0f} ms p95 {percentile(searches, 0.95):.0f} ms, "
                f"sources aligned per check p50 "
                f"{percentile(sorted(corpus.aligned), 0.5):.0f} max {max(corpus.aligned)}",
                flush=True,
            )
        if len(rows) > 1:
            project(rows)
        if args.partitions:
            partitioned(args.partitions, zipf, args.queries)


def partitioned(partitions: int, zipf: Zipf, queries: int) -> None:
    """Main's search query on the table as it is and on a copy partitioned by hash of the
    bucket (what Citus or several servers would carry), for the same papers' buckets."""
    from django.db import connection

    from plagiarism import engine, index, postings
    from plagiarism.services import engine_config

    config = engine_config()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_buckets_hashed")
        cursor.execute(
            "CREATE TABLE bench_buckets_hashed (LIKE plagiarism_indexbucket) "
            "PARTITION BY HASH (bucket)"
        )
        for n in range(partitions):
            cursor.execute(
                f"CREATE TABLE bench_buckets_hashed_{n} PARTITION OF bench_buckets_hashed "
                f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {n})"
            )
        cursor.execute("INSERT INTO bench_buckets_hashed SELECT * FROM plagiarism_indexbucket")
        cursor.execute("ALTER TABLE bench_buckets_hashed ADD PRIMARY KEY (kind, bucket)")
        cursor.execute("ANALYZE bench_buckets_hashed")
        bits = index.state().bits(index.PRINTS)
        timings: dict[str, list[float]] = {"one table": [], f"{partitions} partitions": []}
        for _ in range(queries):
            paper = engine.prepare_for_index(zipf.texts(1, PAPER_WORDS)[0], config)
            terms = postings.fold(h for h, _ in engine.fingerprint(paper, config))
            buckets = np.unique(terms >> np.uint32(32 - bits)).astype(np.int64).tolist()
            for name, table in zip(
                timings, ("plagiarism_indexbucket", "bench_buckets_hashed"), strict=True
            ):
                started = time.perf_counter()
                cursor.execute(
                    f"SELECT kind, bucket, base, wide, keys, docs FROM {table} "  # noqa: S608
                    "WHERE kind = 0 AND bucket = ANY(%s)",
                    [buckets],
                )
                cursor.fetchall()
                timings[name].append((time.perf_counter() - started) * 1000)
        cursor.execute("DROP TABLE bench_buckets_hashed")
    print(
        "main's search query, "
        + "; ".join(
            f"{name}: p50 {percentile(sorted(t), 0.5):.1f} ms "
            f"p95 {percentile(sorted(t), 0.95):.1f} ms"
            for name, t in timings.items()
        ),
        flush=True,
    )


def project(rows: list[dict]) -> None:
    """The growth from the first size to the last, and where it leads at 1,000,000."""
    first, last = rows[0], rows[-1]
    scale = last["size"] / first["size"]

    def exponent(key: str) -> float:
        return math.log(last[key] / first[key]) / math.log(scale) if first[key] > 0 else 0.0

    print(
        f"growth from {first['size']:,} to {last['size']:,} documents (x{scale:.0f}): "
        f"check p50 x{last['p50'] / first['p50']:.2f}, p95 x{last['p95'] / first['p95']:.2f} "
        f"(latency ~ size^{exponent('p50'):.2f} at p50, ^{exponent('p95'):.2f} at p95); "
        f"index per document {first['kib']:.2f} -> {last['kib']:.2f} KiB"
    )
    ahead = PROJECT_TO / last["size"]
    per_doc = (last["main"] + last["documents"]) / last["size"]
    texts_per_doc = last["texts"] / last["size"]
    p50 = last["p50"] * ahead ** exponent("p50")
    p95 = last["p95"] * ahead ** exponent("p95")
    print(
        f"projected at {PROJECT_TO:,} documents (from that growth): check p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms; index {per_doc * PROJECT_TO / 1e9:.1f} GB on disk, which is the "
        f"memory (shared buffers and page cache) that keeps every search in RAM; the texts "
        f"themselves {texts_per_doc * PROJECT_TO / 1e9:.1f} GB more on disk (read only for the "
        f"few candidates a check aligns)",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
