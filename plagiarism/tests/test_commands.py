from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plagiarism import engine, index
from plagiarism.models import IndexDoc, IndexState
from plagiarism.services import PostgresCorpus, check_run
from plagiarism.tests.factories import prose
from submissions.services import submission_create
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_reindex_brings_stale_texts_to_the_current_algorithm_in_place():
    papers = [
        submission_create(author=UserFactory(), title=f"p{n}", text=prose(n, 120)) for n in range(3)
    ]
    for paper in papers:
        check_run(submission_id=str(paper.pk))
    index.merge()
    ids = set(IndexDoc.objects.values_list("id", flat=True))
    IndexDoc.objects.filter(submission_id=papers[0].pk).update(algorithm_version="winnow-old")
    IndexState.objects.update(algorithm_version="winnow-old")
    output = run("plagiarism_reindex", "--workers", "1")
    assert "reindexed 1 texts; index merged: 3 texts" in output
    # The same documents (their old postings served checks until the merge), all current.
    assert set(IndexDoc.objects.values_list("id", flat=True)) == ids
    assert set(IndexDoc.objects.values_list("algorithm_version", flat=True)) == {
        engine.ALGORITHM_VERSION
    }
    assert IndexState.objects.get().algorithm_version == engine.ALGORITHM_VERSION
    assert not IndexDoc.objects.exclude(pending_prints__isnull=True).exists()
    paper = engine.prepare(prose(0, 120), engine.Config())
    (found, _), *_ = PostgresCorpus().candidates(engine.fingerprint(paper), 5, 2)
    assert found == str(papers[0].pk)

    everything = run("plagiarism_reindex", "--all", "--workers", "1")
    assert "reindexed 3 texts" in everything


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
