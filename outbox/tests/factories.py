import hashlib
import uuid

import factory
from django.utils import timezone

from contracts.events import PaperUploaded, PlagiarismChecked, SubmissionDecided


class PaperUploadedFactory(factory.Factory):
    class Meta:
        model = PaperUploaded

    submission_id = factory.LazyFunction(uuid.uuid4)
    author_id = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"On the provenance of paper {n}")
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.title.encode()).hexdigest())
    word_count = 1200
    paper_version = 1


class PlagiarismCheckedFactory(factory.Factory):
    class Meta:
        model = PlagiarismChecked

    submission_id = factory.LazyFunction(uuid.uuid4)
    overall_score = 0.12
    flagged = False
    source_count = 2
    algorithm_version = "winnow-1"
    duration_ms = 42


class SubmissionDecidedFactory(factory.Factory):
    class Meta:
        model = SubmissionDecided

    submission_id = factory.LazyFunction(uuid.uuid4)
    from_status = "under_review"
    to_status = "accepted"
    editor_id = 1
    comment = "A clear contribution."
    decided_at = factory.LazyFunction(timezone.now)
