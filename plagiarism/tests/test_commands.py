from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plagiarism.models import Fingerprint, IndexedPaper
from plagiarism.services import check_run
from plagiarism.tests.factories import prose
from submissions.services import submission_create
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_reindex_rebuilds_the_index_from_stored_texts():
    papers = [
        submission_create(author=UserFactory(), title=f"p{n}", text=prose(n, 120)) for n in range(3)
    ]
    for paper in papers:
        check_run(submission_id=str(paper.pk))
    before = Fingerprint.objects.count()
    Fingerprint.objects.all().delete()
    IndexedPaper.objects.all().delete()
    output = run("plagiarism_reindex")
    assert f"reindexed 3 papers, {before} fingerprints" in output
    assert Fingerprint.objects.count() == before and IndexedPaper.objects.count() == 3


def test_check_a_file_against_the_corpus_without_submitting_it(tmp_path):
    shared = prose(10, 60)
    source = submission_create(author=UserFactory(), title="Earlier work", text=shared)
    check_run(submission_id=str(source.pk))
    file = tmp_path / "draft.txt"
    file.write_text(f"{prose(11, 60)} {shared}")
    output = run("plagiarism_check", str(file))
    assert "draft.txt: 50.0% similar (FLAGGED)" in output
    assert f"{source.pk}  Earlier work" in output
    assert "60 words" in output


def test_check_says_in_one_line_what_is_wrong_with_a_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("plagiarism_check", str(tmp_path / "missing.txt"))
    bad = tmp_path / "fake.pdf"
    bad.write_text("not a pdf")
    with pytest.raises(CommandError, match="is not a PDF"):
        run("plagiarism_check", str(bad))
