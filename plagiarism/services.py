"""Writes of the plagiarism app: the index in PostgreSQL and the check that makes a report."""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from config.errors import InvalidField, Refused
from config.locks import AdvisoryLock
from contracts.events import PlagiarismChecked, PlagiarismCheckFailed
from outbox.services import publish_on_commit
from plagiarism import engine, index, postings
from plagiarism.models import Check, IndexDoc, MatchedPassage, Report, ReportSource
from plagiarism.selectors import work_texts
from submissions.selectors import (
    PaperText,
    paper_current_version,
    paper_texts,
    paper_version_text,
    paper_versions_before,
)
from submissions.services import submission_mark_checked

logger = logging.getLogger(__name__)

EXPECT_SQL = (
    f"INSERT INTO {Check._meta.db_table} (submission_id, paper_version, state, score, flagged, "  # noqa: S608
    "error, created_at) VALUES (%s, %s, 'waiting', NULL, NULL, '', %s) ON CONFLICT DO NOTHING"
)


def engine_config() -> engine.Config:
    return engine.Config(
        threshold=settings.PLAGIARISM_THRESHOLD,
        min_words=settings.PLAGIARISM_MIN_WORDS,
        max_df=settings.PLAGIARISM_MAX_DF,
        max_words=settings.PLAGIARISM_MAX_WORDS,
    )


class PostgresCorpus:
    """The engine's view of the index (``plagiarism.index``): candidates by shared terms,
    texts by id (a submission's or a published work's)."""

    def __init__(self, config: engine.Config | None = None) -> None:
        self.max_df = (config or engine_config()).max_df

    def _ranked(
        self, kind: int, terms, limit: int, min_shared: int, positions=None
    ) -> list[tuple[str, int]]:
        found = index.search(
            kind,
            terms,
            limit=limit,
            min_shared=min_shared,
            max_df=self.max_df,
            positions=positions,
        )
        if not found:
            return []
        rows = IndexDoc.objects.filter(id__in=[doc for doc, _ in found]).values_list(
            "id", "submission_id", "work_id"
        )
        names = {doc: str(submission or work) for doc, submission, work in rows}
        # A document removed since the last merge still has postings in main: left out.
        return [(names[doc], shared) for doc, shared in found if doc in names][:limit]

    def candidates(
        self, fingerprints: Sequence[tuple[int, int]], limit: int, min_shared: int
    ) -> list[tuple[str, int]]:
        terms = postings.fold_each(h for h, _ in fingerprints)
        positions = np.fromiter((p for _, p in fingerprints), dtype=np.int64)
        return self._ranked(index.PRINTS, terms, limit, min_shared, positions)

    def similar(self, keys: Sequence[int], limit: int, min_hits: int) -> list[tuple[str, int]]:
        return self._ranked(index.SKETCH, postings.fold(keys), limit, min_hits)

    def sources(self, ids: Sequence[str]) -> list:
        return [*paper_texts(submission_ids=ids), *work_texts(ids=ids)]


SEQUENCE = "plagiarism_index_sequence"


def index_sequence_now() -> int:
    """The highest sequence number among texts whose indexing has committed. (Not the
    sequence's own last value: a check still committing has taken a number already.)"""
    return IndexDoc.objects.aggregate(seen=Max("sequence"))["seen"] or 0


def index_sequence_next() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        return cursor.fetchone()[0]


def paper_index_add(*, paper: PaperText, config: engine.Config) -> int:
    """Add ``paper``'s terms to the index (again: replaces what was there)."""
    terms = postings.Terms.of_text(paper.text, config)
    index.doc_add(
        terms=terms,
        sequence=index_sequence_next(),
        submission_id=paper.id,
        author_id=paper.author_id,
    )
    return len(terms.prints)


EXCLUSIONS = {
    "exclude_quotes": "quotations",
    "exclude_block_quotes": "block quotations",
    "exclude_references": "the references section",
}


def report_settings(config: engine.Config, excluded_sources: Sequence[str] = ()) -> dict:
    """How a report was scored: each exclusion on or off, and the sources left out."""
    return {
        **{name: getattr(config, name) for name in EXCLUSIONS},
        "excluded_sources": sorted(str(s) for s in excluded_sources),
    }


def report_store(result: engine.Report, *, submission_id, paper_version: int, **fields) -> Report:
    """Store an engine's report with its sources and passages."""
    report = Report.objects.create(
        submission_id=submission_id,
        paper_version=paper_version,
        algorithm_version=result.algorithm_version,
        score=result.score,
        flagged=result.flagged,
        counted_words=result.counted_words,
        words_limit=result.words_limit,
        excluded_words=result.excluded_words,
        flag_reasons=result.flag_reasons,
        own_score=result.own_score,
        versions_score=result.versions_score,
        **fields,
    )
    for match in result.matches:
        source = ReportSource.objects.create(
            report=report,
            source_submission_id=match.source_id,
            score=match.score,
            words=match.words,
            primary_words=match.primary_words,
            share=match.share,
            kind=match.kind,
            source_version=match.source_version,
            verdict=match.verdict.label if match.verdict else "",
            evidence={
                **(match.verdict.as_evidence() if match.verdict else {}),
                "longest_verbatim": match.verbatim,
                "later": match.later,
            },
        )
        MatchedPassage.objects.bulk_create(
            MatchedPassage(
                source=source,
                start=p.start,
                end=p.end,
                source_start=p.source_start,
                source_end=p.source_end,
                words=p.words,
                source_version=p.source_version,
            )
            for p in match.passages
        )
    return report


@dataclass(frozen=True)
class CheckOutcome:
    report: Report
    created: bool


def check_expect(*, submission_id, paper_version: int) -> None:
    """A version arrived: its check is waiting (a no-op when the check began already). The
    sweep finds checks left waiting, in case their task was lost."""
    # Plain SQL: the consumer runs this for every upload, and the ORM's bulk_create costs a
    # third of the consumer's throughput here.
    with connection.cursor() as cursor:
        cursor.execute(EXPECT_SQL, [submission_id, paper_version, timezone.now()])


def check_drop(*, submission_id) -> None:
    """Forget the waiting checks of a paper that does not exist."""
    Check.objects.filter(submission_id=submission_id, state=Check.State.WAITING).delete()


def _check_record(*, submission_id, paper_version: int, **fields) -> None:
    Check.objects.update_or_create(
        submission_id=submission_id, paper_version=paper_version, defaults=fields
    )


def check_run(*, submission_id: str, paper_version: int | None = None) -> CheckOutcome:
    """Check one version of a submission (its current one when None) against the corpus
    and, in one transaction: store the report, move the submission to ``checked`` and publish
    ``plagiarism_checked``, and put the version in the index in place of its earlier ones.
    Words are credited to the earliest text holding them, the paper's own earlier versions
    included; only words credited to other people's texts count against it. A check of a
    version superseded meanwhile keeps its report, but changes nothing
    else and publishes nothing. Idempotent: a report for this version and algorithm ends it.
    """
    version = engine.ALGORITHM_VERSION
    paper = paper_version_text(submission_id=submission_id, number=paper_version)
    if paper is None:
        raise LookupError(f"no submission {submission_id} (version {paper_version or 'current'})")
    existing = Report.objects.filter(
        submission_id=submission_id,
        paper_version=paper.version,
        algorithm_version=version,
        original__isnull=True,
    )
    if (report := existing.first()) is not None and report.state == Report.State.DONE:
        return CheckOutcome(report, created=False)
    config = engine_config()
    earlier = paper_versions_before(submission_id=paper.id, number=paper.version)

    def compare() -> engine.Report:
        return engine.check(
            paper.text,
            PostgresCorpus(config),
            author_id=paper.author_id,
            exclude_ids=[paper.id],  # its own entry in the index: an earlier version
            earlier_versions=earlier,
            arrived=paper.order,
            config=config,
        )

    started = time.perf_counter()
    seen = index_sequence_now()
    result = compare()
    with transaction.atomic():
        # Checks run side by side; their results are committed one at a time. A paper
        # indexed by another check since this one looked would be missed, so look again.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AdvisoryLock.CHECK_COMMIT])
        report = existing.first()
        if report is not None and report.state == Report.State.DONE:
            return CheckOutcome(report, created=False)
        if IndexDoc.objects.filter(sequence__gt=seen).exclude(submission_id=paper.id).exists():
            logger.info("plagiarism.recheck submission_id=%s (papers indexed meanwhile)", paper.id)
            result = compare()
        duration_ms = round((time.perf_counter() - started) * 1000)
        existing.delete()  # a recorded failure gives way to the result
        report = _check_commit(paper, result, config=config, duration_ms=duration_ms)
    _log_checked(paper, result, duration_ms)
    return CheckOutcome(report, created=True)


def _log_checked(paper, result: engine.Report, duration_ms: int) -> None:
    logger.info(
        "plagiarism.checked submission_id=%s version=%d score=%.3f flagged=%s sources=%d ms=%d",
        paper.id,
        paper.version,
        result.score,
        result.flagged,
        sum(1 for s in result.sources if s.primary_words),
        duration_ms,
    )


def _check_commit(paper, result: engine.Report, *, config, duration_ms: int) -> Report:
    """Inside the check's transaction: the report, the version's check, the submission
    moved to ``checked``, and (for its current version) the index and the event."""
    report = report_store(
        result,
        submission_id=paper.id,
        paper_version=paper.version,
        duration_ms=duration_ms,
        settings=report_settings(config),
    )
    _check_record(
        submission_id=paper.id,
        paper_version=paper.version,
        state=Check.State.DONE,
        score=result.score,
        flagged=result.flagged,
        error="",
        report=report,
        checked_at=report.checked_at,
    )
    _, current = submission_mark_checked(submission_id=paper.id, paper_version=paper.version)
    if current:
        paper_index_add(paper=paper, config=config)
        publish_on_commit(
            PlagiarismChecked(
                submission_id=paper.id,
                overall_score=round(result.score, 6),
                flagged=result.flagged,
                source_count=sum(1 for s in result.sources if s.primary_words),
                algorithm_version=engine.ALGORITHM_VERSION,
                duration_ms=duration_ms,
            )
        )
    return report


def check_fail(*, submission_id, error: str, paper_version: int | None = None) -> None:
    """Record that the check of a version kept failing, so the paper shows it instead of
    waiting, and tell the editors (``plagiarism_check_failed``). The error's own text is
    kept for editors; everyone else reads ``FAILED_FOR_PEOPLE``."""
    with transaction.atomic():
        current = paper_current_version(submission_id=submission_id)
        if current is None:
            return
        number = paper_version or current
        check = (
            Check.objects.select_for_update()
            .filter(submission_id=submission_id, paper_version=number)
            .first()
        )
        if check is not None and check.state == Check.State.DONE:
            return
        Report.objects.update_or_create(
            submission_id=submission_id,
            paper_version=number,
            algorithm_version=engine.ALGORITHM_VERSION,
            original=None,
            defaults={"state": Report.State.FAILED, "error": error[:2000]},
        )
        _check_record(
            submission_id=submission_id,
            paper_version=number,
            state=Check.State.FAILED,
            error=error[:2000],
            checked_at=None,
        )
        if number == current:
            publish_on_commit(
                PlagiarismCheckFailed(
                    submission_id=submission_id,
                    paper_version=number,
                    algorithm_version=engine.ALGORITHM_VERSION,
                )
            )
    logger.error(
        "plagiarism.check_failed submission_id=%s version=%s error=%s",
        submission_id,
        number,
        error,
    )


class RecheckNotNeeded(Refused):
    """The current version's check is done, with the current algorithm: nothing to re-run."""


def check_rerun(*, submission_id) -> int:
    """Run the current version's check again, when it failed or was made by an earlier
    algorithm (staff: the admin's button and ``POST …/recheck/``). Returns the version
    number; the check itself runs on the check workers, enqueued when this commits.
    Raises LookupError for a paper that does not exist."""
    from plagiarism.tasks import check_submission  # the task calls this module

    with transaction.atomic():
        number = paper_current_version(submission_id=submission_id)
        if number is None:
            raise LookupError(f"no submission {submission_id}")
        check = (
            Check.objects.select_for_update(of=("self",))
            .filter(submission_id=submission_id, paper_version=number)
            .select_related("report")
            .first()
        )
        up_to_date = (
            check is not None
            and check.state == Check.State.DONE
            and (check.report is None or check.report.algorithm_version == engine.ALGORITHM_VERSION)
        )
        if up_to_date:
            raise RecheckNotNeeded(
                f"The check of version {number} is done and up to date; there is nothing to re-run."
            )
        if check is None or check.state == Check.State.WAITING:
            raise RecheckNotNeeded(
                f"The check of version {number} has not finished yet; it runs on its own."
            )
        Report.objects.filter(
            submission_id=submission_id, paper_version=number, state=Report.State.FAILED
        ).delete()
        _check_record(
            submission_id=submission_id,
            paper_version=number,
            state=Check.State.WAITING,
            error="",
            created_at=timezone.now(),
        )
        transaction.on_commit(
            lambda: check_submission.delay(str(submission_id), number), robust=True
        )
    logger.info("plagiarism.recheck_requested submission_id=%s version=%d", submission_id, number)
    return number


class RescoreRefused(Refused):
    """A re-score that cannot be made: its reason is for the editor."""


class UnknownSources(InvalidField, RescoreRefused):
    """Sources named to leave out that are not the report's (the field's value refused)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="excluded_sources")


def _rescore_input(original: Report, excluded_sources: Sequence[str]):
    """The paper of the report to re-score and the sources to leave out, or why not."""
    if original.state != Report.State.DONE:
        raise RescoreRefused("The check failed: there is nothing to re-score; re-run it instead.")
    paper = paper_version_text(submission_id=original.submission_id, number=original.paper_version)
    if paper is None:
        raise RescoreRefused("The paper is gone.")
    history = [original, *original.rescores.all()]
    known = {str(s.source_submission_id) for r in history for s in r.sources.all()}
    left_out = {str(s) for s in excluded_sources}
    if unknown := left_out - known:
        raise UnknownSources(f"Not a source of this report: {', '.join(sorted(unknown))}.")
    return paper, left_out


def _check_again(paper, config: engine.Config, left_out: set[str]) -> engine.Report:
    """The paper checked with ``config``, the sources ``left_out`` left out (leaving the paper's
    own id out leaves its earlier versions out too)."""
    earlier = (
        []
        if paper.id in left_out
        else paper_versions_before(submission_id=paper.id, number=paper.version)
    )
    return engine.check(
        paper.text,
        PostgresCorpus(config),
        author_id=paper.author_id,
        exclude_ids=[paper.id, *left_out],
        earlier_versions=earlier,
        arrived=paper.order,
        config=config,
    )


def report_rescore(
    *,
    report: Report,
    editor,
    exclude_quotes: bool,
    exclude_block_quotes: bool,
    exclude_references: bool,
    excluded_sources: Sequence[str] = (),
    reason: str = "",
) -> Report:
    """An editor's re-score of a version's report: exclusions turned on or off and sources
    left out, the corpus searched again (texts that arrived after the paper can claim none
    of its words, so the re-score is comparable with the check). The check's own report is
    kept; the re-score is a report of its own (who, when, why, how) and becomes the one in
    force, so the summary everyone sees follows it.
    Nothing is published: the check's event told its news; this is the editors' judgement."""
    original = report.original or report
    paper, left_out = _rescore_input(original, excluded_sources)
    config = replace(
        engine_config(),
        exclude_quotes=exclude_quotes,
        exclude_block_quotes=exclude_block_quotes,
        exclude_references=exclude_references,
    )
    started = time.perf_counter()
    result = _check_again(paper, config, left_out)
    with transaction.atomic():
        rescored = report_store(
            result,
            submission_id=original.submission_id,
            paper_version=original.paper_version,
            duration_ms=round((time.perf_counter() - started) * 1000),
            settings=report_settings(config, sorted(left_out)),
            original=original,
            made_by=editor,
            reason=reason,
        )
        Check.objects.filter(
            submission_id=original.submission_id, paper_version=original.paper_version
        ).update(score=result.score, flagged=result.flagged, report=rescored)
    logger.info(
        "plagiarism.rescored submission_id=%s version=%d by=%s score=%.3f settings=%s",
        original.submission_id,
        original.paper_version,
        getattr(editor, "pk", None),
        result.score,
        rescored.settings,
    )
    return rescored
