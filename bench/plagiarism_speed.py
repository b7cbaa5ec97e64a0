"""Speed and recall of the plagiarism check as the corpus grows.

    .venv/bin/python bench/plagiarism_speed.py [--sizes 10000,30000,100000] [--queries 30]

For each size: a synthetic corpus of documents of about 1,500 words drawn from a Zipf-
distributed vocabulary is stored and indexed with the code the check task runs
(``paper_index_add``: fingerprints written with COPY); then papers of 5,000 words, each with
planted passages copied from known places in the corpus (one verbatim, one lightly edited:
a word in ten replaced), are checked with ``plagiarism.services`` against the PostgreSQL
index. Prints the index build rate, the index size on disk per document (fingerprints and
sketches), check latency p50 and p95 with and without the sketch search (the cost of finding
heavy revisions), and the recall of the planted passages. The corpus grows in place from one size to
the next. Needs the services up.
"""

import argparse
import itertools
import random
import sys
import time
import uuid
from dataclasses import replace

from common import bench_environment, percentile

VOCABULARY = 50_000
DOC_WORDS = 1500
PAPER_WORDS = 5000


def zipf_words(
    rng: random.Random, cumulative: list[float], vocabulary: list[str], n: int
) -> list[str]:
    return rng.choices(vocabulary, cum_weights=cumulative, k=n)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"command: .venv/bin/python bench/plagiarism_speed.py --sizes {args.sizes} "
        f"--queries {args.queries}"
    )
    with bench_environment("bench_plagiarism"):
        from django.contrib.auth import get_user_model
        from django.db import connection, transaction
        from django.utils import timezone
        from tqdm import tqdm

        from plagiarism import engine
        from plagiarism.services import PostgresCorpus, engine_config, paper_index_add
        from submissions.models import Submission
        from submissions.selectors import PaperText

        rng = random.Random(2026)
        vocabulary = [f"w{n}" for n in range(VOCABULARY)]
        cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
        config = engine_config()
        author = get_user_model().objects.create(username="corpus", password="!")  # noqa: S106
        # Texts, not word lists: millions of small objects kept here would make the garbage
        # collector's full passes (hundreds of ms) land inside the timed checks.
        docs: list[tuple[str, str]] = []

        for size in sizes:
            new = size - len(docs)
            indexing = 0.0  # only the indexing, not storing the corpus's submissions
            for start in tqdm(
                range(0, new, 500),
                desc=f"corpus to {size}",
                unit="x500 docs",
                disable=None,
                file=sys.stderr,
            ):
                batch = []
                for _ in range(min(500, new - start)):
                    words = zipf_words(rng, cumulative, vocabulary, DOC_WORDS)
                    batch.append((str(uuid.uuid4()), words))
                with transaction.atomic():
                    Submission.objects.bulk_create(
                        Submission(
                            id=doc_id,
                            author=author,
                            title=doc_id[:8],
                            text=" ".join(words),
                            word_count=len(words),
                            content_hash="0" * 64,
                            created_at=timezone.now(),
                        )
                        for doc_id, words in batch
                    )
                    started = time.perf_counter()
                    for doc_id, words in batch:
                        paper_index_add(
                            paper=PaperText(doc_id, " ".join(words), author.pk, "", timezone.now()),
                            config=config,
                        )
                    indexing += time.perf_counter() - started
                docs.extend((doc_id, " ".join(words)) for doc_id, words in batch)
            build_rate = new / indexing
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE plagiarism_fingerprint")
                cursor.execute("ANALYZE plagiarism_sketchkey")
                cursor.execute("SELECT pg_total_relation_size('plagiarism_fingerprint')")
                index_bytes = cursor.fetchone()[0]
                cursor.execute("SELECT pg_total_relation_size('plagiarism_sketchkey')")
                sketch_bytes = cursor.fetchone()[0]

            latencies, found, planted = [], 0, 0
            without_sketches = []  # the same checks with the sketch search off: its cost
            fingerprints_only = replace(config, sketch_candidates=0)
            corpus = TimedCorpus(PostgresCorpus())
            for _ in range(args.queries):
                words = zipf_words(rng, cumulative, vocabulary, PAPER_WORDS)
                plants = []
                for kind, length in (("copy", 60), ("edited", 80)):
                    source_id, source_text = rng.choice(docs)
                    source_words = source_text.split()
                    at = rng.randrange(0, DOC_WORDS - length)
                    passage = list(source_words[at : at + length])
                    if kind == "edited":
                        for n in range(5, length, 10):
                            passage[n] = "edited"
                    plants.append((rng.randrange(0, len(words)), source_id, passage))
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
            print(
                f"{size:>7} documents: index build {build_rate:,.0f} docs/s, "
                f"index {(index_bytes + sketch_bytes) / size / 1024:.1f} KiB/doc "
                f"(fingerprints {index_bytes / size / 1024:.1f}, "
                f"sketches {sketch_bytes / size / 1024:.1f}), check of a {PAPER_WORDS}-word "
                f"paper p50 {percentile(latencies, 0.5):.0f} ms "
                f"p95 {percentile(latencies, 0.95):.0f} ms "
                f"(without the sketch search p50 {percentile(without_sketches, 0.5):.0f} ms "
                f"p95 {percentile(without_sketches, 0.95):.0f} ms), "
                f"planted-passage recall {found / planted:.3f} ({found}/{planted}); "
                f"of which the index search p50 {percentile(searches, 0.5):.0f} ms "
                f"p95 {percentile(searches, 0.95):.0f} ms, "
                f"sources aligned per check p50 {percentile(sorted(corpus.aligned), 0.5):.0f} "
                f"max {max(corpus.aligned)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
