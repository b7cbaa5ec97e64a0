from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plagiarism import engine
from plagiarism.services import PostgresCorpus, engine_config
from submissions.extraction import ExtractionError, extract
from submissions.selectors import paper_titles


class Command(BaseCommand):
    help = "Check a file (PDF, DOCX, TXT, Markdown) against the corpus without submitting it."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--passages", type=int, default=3, help="passages shown per source")

    def handle(self, *args, file: Path, passages: int, **options):
        try:
            text = extract(file.read_bytes(), file.name).text
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except ExtractionError as exc:
            raise CommandError(f"{file.name}: {exc}") from exc
        report = engine.check(text, PostgresCorpus(), config=engine_config())
        verdict = "FLAGGED" if report.flagged else "not flagged"
        self.stdout.write(
            f"{file.name}: {report.score:.1%} similar ({verdict}), {report.counted_words} words "
            f"counted, {len(report.sources)} sources, {report.algorithm_version}"
        )
        for reason in report.flag_reasons:
            self.stdout.write(f"  flagged: {reason}")
        titles = paper_titles(submission_ids=[s.source_id for s in report.sources])
        for source in report.sources:
            judged = f"  {source.verdict.words}" if source.verdict else ""
            self.stdout.write(
                f"  {source.share:6.1%} credited ({source.score:.1%} shared){judged}  "
                f"{source.source_id}  {titles.get(source.source_id, '')}"
            )
            for passage in source.passages[:passages]:
                excerpt = " ".join(text[passage.start : passage.end].split())
                self.stdout.write(f"          {passage.words:4d} words: “{excerpt[:100]}”")
