import functools
import os
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from pebble import ProcessExpired, ProcessPool
from tqdm import tqdm

from plagiarism import catalogue, index
from plagiarism.services import engine_config
from submissions.sandbox import caps_from_settings


class Command(BaseCommand):
    help = (
        "Import a back catalogue of published works as sources for the checks: a directory "
        "of PDF, DOCX and text files, or a JSON Lines file (id, title, text or file; authors, "
        "year, doi, url). Resumable and idempotent; --remove takes the works listed out."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--remove", action="store_true", help="take these works out")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--batch", type=int, default=500, help="works per transaction")
        parser.add_argument(
            "--seconds", type=float, default=60.0, help="time one work may take to prepare"
        )
        parser.add_argument(
            "--no-merge", action="store_true", help="leave the works staged (merge later)"
        )
        parser.add_argument(
            "--merge-every",
            type=int,
            default=100_000,
            help="merge after this many works (a merge's memory grows with the works it takes)",
        )

    def handle(self, *args, path: Path, remove: bool, workers: int, batch: int, **options):
        if not path.exists():
            raise CommandError(f"{path}: no such file or directory")
        if batch < 1 or workers < 1:
            raise CommandError("--batch and --workers must be at least 1")
        if remove:
            return self.remove(path)
        merge_every = 0 if options["no_merge"] else options["merge_every"]
        run = _Run(path, batch=batch, merge_every=merge_every)
        prepare = functools.partial(
            catalogue.prepare, config=engine_config(), caps=caps_from_settings()
        )
        with (
            tqdm(
                total=catalogue.count_items(path), desc="importing", unit="work", disable=None
            ) as run.progress,
            ProcessPool(
                max_workers=workers,
                initializer=catalogue.worker_init,
                initargs=(settings.SUBMISSION_EXTRACT_MEMORY_MB * 1024 * 1024,),
            ) as pool,
        ):
            try:
                run.prepare_all(pool, prepare, options["seconds"])
            except KeyboardInterrupt:
                pool.stop()
                run.flush()
                raise CommandError(
                    f"stopped: {run.summary.imported} works imported so far; run the same "
                    "command again to go on"
                ) from None
            run.flush()
        self.report(run.summary, None if options["no_merge"] else merge_now())

    def report(self, summary: catalogue.Summary, merged: str | None) -> None:
        for label, same in summary.duplicates:
            self.stdout.write(f"  duplicate: {label}: the same text as {same}")
        for label, reason in summary.refused:
            self.stdout.write(f"  refused: {label}: {reason}")
        self.stdout.write(
            f"imported {summary.imported}, skipped {summary.already} already imported and "
            f"{len(summary.duplicates)} duplicates (same text), refused {len(summary.refused)}"
            + ("" if merged is None else f"; {merged}")
        )

    def remove(self, path: Path) -> None:
        refs = [
            item[0] if isinstance(item, tuple) else item.ref for item in catalogue.items_of(path)
        ]
        removed = catalogue.remove(refs)
        self.stdout.write(
            f"removed {removed} works, {len(refs) - removed} not found; "
            + (merge_now(always=True) if removed else "index unchanged")
        )


def merge_now(*, always: bool = False) -> str:
    """Merge what waits (a removal's purge needs a merge even when nothing waits), and say
    how it went."""
    if not always and not any(index.pending_counts()):
        return "index unchanged (nothing to merge)"
    merged = index.merge()
    if merged.get("busy"):
        return (
            "another merge is running: the next one takes this run's changes in "
            "(plagiarism.merge_index, or plagiarism_reindex --merge-only)"
        )
    index.reclaim()
    return f"index merged ({merged['documents']} texts)"


class _Run:
    """One import: the works read, prepared on every core, written in batches, and merged
    into the index every ``merge_every`` works (0: never)."""

    def __init__(self, path: Path, *, batch: int, merge_every: int) -> None:
        self.path, self.batch, self.merge_every = path, batch, merge_every
        self.summary = catalogue.Summary()
        self.refs, self.hashes = catalogue.known()
        self.pending: list[catalogue.Prepared] = []
        self.staged = 0
        self.progress = None  # the progress bar, set while the import runs

    def flush(self) -> None:
        written = catalogue.write(self.pending)
        self.summary.imported += len(written)
        lost = {p.item.ref for p in self.pending} - {p.item.ref for p in written}
        self.summary.already += len(lost)  # another import wrote them meanwhile
        self.pending.clear()
        self.staged += len(written)
        if self.staged >= self.merge_every > 0:
            index.merge()  # and the works so far become visible to checks
            self.staged = 0

    def readable(self):
        """The works to prepare: refused lines and works imported already are counted."""
        for item in catalogue.items_of(self.path):
            if isinstance(item, tuple):
                self.summary.refused.append(item)
                self.progress.update(1)
            elif item.ref in self.refs:
                self.summary.already += 1
                self.progress.update(1)
            else:
                self.refs.add(item.ref)  # a second line with the same id is skipped as well
                yield item

    def prepare_all(self, pool, prepare, seconds: float) -> None:
        files = self.path.is_dir()
        chunk = 1 if files else 16
        items = list(self.readable()) if files else self.readable()
        results = pool.map(prepare, items, chunksize=chunk, timeout=seconds * chunk).result()
        while True:
            try:
                prepared = next(results)
            except StopIteration:
                return
            except (FutureTimeout, ProcessExpired) as exc:
                # The chunk's worker was stopped; its works are refused together.
                why = (
                    "took longer than the limit"
                    if isinstance(exc, FutureTimeout)
                    else ("its reader ran out of memory or crashed")
                )
                self.summary.refused.append((f"{chunk} work(s) in one chunk", why))
                self.progress.update(chunk)
                continue
            self.progress.update(1)
            self.take(prepared)

    def take(self, prepared: catalogue.Prepared) -> None:
        item = prepared.item
        if prepared.refused:
            self.summary.refused.append((item.label, prepared.refused))
            return
        if (same := self.hashes.get(prepared.content_hash)) is not None:
            self.summary.duplicates.append((item.label, same))
            return
        self.hashes[prepared.content_hash] = item.ref
        self.pending.append(prepared)
        if len(self.pending) >= self.batch:
            self.flush()
