import functools
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from pebble import ProcessPool
from tqdm import tqdm

from plagiarism import catalogue, engine, index
from plagiarism.models import IndexDoc, PublishedWork
from plagiarism.services import engine_config, index_sequence_next
from submissions.selectors import paper_ids_in_order, paper_texts


class Command(BaseCommand):
    help = (
        "Bring the index to the current algorithm, online: every text indexed by another "
        "algorithm (or, with --all, every submission and published work) is fingerprinted "
        "again from its stored text, then merged. Checks go on reading the index as it was "
        "until the merge. Stopped, it resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every text, not only stale ones")
        parser.add_argument("--merge-only", action="store_true", help="only merge the delta")
        parser.add_argument("--batch", type=int, default=500, help="texts per transaction")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)

    def handle(self, *args, all: bool, merge_only: bool, batch: int, workers: int, **options):
        if batch < 1 or workers < 1:
            raise CommandError("--batch and --workers must be at least 1")
        done = 0
        if not merge_only:
            todo = self.todo(everything=all)
            terms = functools.partial(catalogue.terms_of, config=engine_config())
            with (
                tqdm(total=len(todo), desc="reindexing", unit="text", disable=None) as progress,
                ProcessPool(max_workers=workers) as pool,
            ):
                for start in range(0, len(todo), batch):
                    texts = self.texts(todo[start : start + batch])
                    found = pool.map(terms, [t for _, t in texts], chunksize=16).result()
                    pairs = zip(texts, found, strict=True)
                    self.store([(key, *result) for (key, _), result in pairs])
                    done += len(texts)
                    progress.update(len(todo[start : start + batch]))
        with tqdm(total=2 * index.MERGE_CHUNKS, desc="merging", unit="part", disable=None) as bar:
            merged = index.merge(progress=bar.update)
            index.reclaim()
        if merged.get("busy"):
            raise CommandError("another merge is running: run this again when it ends")
        self.stdout.write(
            f"reindexed {done} texts; index merged: {merged['documents']} texts, "
            f"{merged['prints_postings']} fingerprints, {merged['sketch_postings']} sketch keys"
        )

    def todo(self, *, everything: bool) -> list[tuple[str, str]]:
        """("submission" or "work", id) of the texts to fingerprint again."""
        if everything:
            works = PublishedWork.objects.order_by("imported_at").values_list("id", flat=True)
            return [("submission", pk) for pk in paper_ids_in_order()] + [
                ("work", str(pk)) for pk in works.iterator()
            ]
        stale = IndexDoc.objects.exclude(algorithm_version=engine.ALGORITHM_VERSION).order_by("id")
        return [
            ("submission", str(s)) if s else ("work", str(w))
            for s, w in stale.values_list("submission_id", "work_id").iterator()
        ]

    def texts(self, keys: list[tuple[str, str]]) -> list[tuple[tuple[str, str], str]]:
        wanted = [pk for kind, pk in keys if kind == "submission"]
        papers = {p.id: p.text for p in paper_texts(submission_ids=wanted)}
        works = dict(
            PublishedWork.objects.filter(
                pk__in=[pk for kind, pk in keys if kind == "work"]
            ).values_list("id", "text")
        )
        works = {str(pk): text for pk, text in works.items()}
        found = []
        for kind, pk in keys:
            text = papers.get(pk) if kind == "submission" else works.get(pk)
            if text is not None:  # deleted meanwhile: nothing to index
                found.append(((kind, pk), text))
        return found

    @transaction.atomic
    def store(self, results) -> None:
        """Each text's new terms, staged on its document (a new one for a submission never
        indexed): its old postings serve checks until the merge replaces them."""
        for (kind, pk), prints, sketch, count in results:
            field = "submission_id" if kind == "submission" else "work_id"
            fields = {
                "algorithm_version": engine.ALGORITHM_VERSION,
                "fingerprints": count,
                "pending_prints": prints,
                "pending_sketch": sketch,
                "staged": True,
            }
            if not IndexDoc.objects.filter(**{field: pk}).update(**fields):
                author = None
                if kind == "submission":
                    author = next(iter(paper_texts(submission_ids=[pk]))).author_id
                IndexDoc.objects.create(
                    **{field: pk}, author_id=author, sequence=index_sequence_next(), **fields
                )
