import pytest
from django.test import Client

from plagiarism.services import check_run
from plagiarism.tests.factories import prose
from submissions.services import submission_create
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


def report_url(submission) -> str:
    return f"/admin/plagiarism/report/submission/{submission.pk}/"


def test_the_report_page_shows_paper_and_source_side_by_side_with_linked_passages():
    shared = prose(1, 40)
    source = submission_create(author=UserFactory(), title="Source <b>paper</b>", text=shared)
    check_run(submission_id=str(source.pk))
    paper = submission_create(
        author=UserFactory(), title="Suspect", text=f"{prose(2, 40)} {shared}"
    )
    check_run(submission_id=str(paper.pk))
    office = Client()
    office.force_login(EditorFactory())

    page = office.get(report_url(paper)).content.decode()
    assert "50% similar" in page and "flagged" in page
    assert "Source &lt;b&gt;paper&lt;/b&gt;" in page  # escaped
    assert '<mark id="p0"><a href="#s0"' in page and '<mark id="s0"><a href="#p0"' in page
    assert f'<a href="#s0" title="passage 1">{shared}</a>' in page
    detail = office.get(f"/admin/submissions/submission/{paper.pk}/change/").content.decode()
    assert report_url(paper) in detail


def test_the_report_page_is_for_staff_and_needs_a_report():
    paper = submission_create(author=UserFactory(), title="Fresh", text=prose(3, 40))
    office = Client()
    office.force_login(EditorFactory())
    assert office.get(report_url(paper)).status_code == 404
    author = Client()
    author.force_login(UserFactory())
    assert author.get(report_url(paper)).status_code == 302
