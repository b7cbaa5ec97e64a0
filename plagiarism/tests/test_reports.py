"""Reports editors can trust and authors cannot abuse: attribution to the earliest text, the
two views of a report, re-scores with exclusions, and the PDF document."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from harness import client_for
from plagiarism.models import Report
from plagiarism.services import check_run
from plagiarism.tests.factories import prose
from submissions.models import Submission
from submissions.services import submission_create, submission_version_add
from submissions.tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


def checked(author, title: str, text: str) -> Submission:
    submission = submission_create(author=author, title=title, text=text)
    check_run(submission_id=str(submission.pk))
    return Submission.objects.get(pk=submission.pk)


def report_url(submission: Submission, rest: str = "") -> str:
    return f"/api/submissions/{submission.pk}/report/{rest}"


def test_the_victim_of_a_copy_is_not_flagged_when_she_revises_her_paper():
    """A submits; B submits a lightly edited copy; A sends her revision. A is not flagged
    (her own first version owns her words); B is flagged, with A's paper as the source."""
    alice, bob = UserFactory(), UserFactory()
    original = prose(40, 400)
    a = checked(alice, "Alice's paper", original)
    words = original.split()
    words[100], words[250] = "tweaked", "edited"  # lightly edited
    b = checked(bob, "Bob's copy", " ".join(words) + " " + prose(41, 40))
    of_b = Report.objects.get(submission_id=b.pk)
    assert of_b.flagged
    assert str(of_b.sources.get().source_submission_id) == str(a.pk)

    submission_version_add(submission=a, author=alice, text=f"{original} {prose(42, 100)}")
    revision = check_run(submission_id=str(a.pk)).report
    assert not revision.flagged and revision.score == 0
    kinds = {s.kind: s for s in revision.sources.all()}
    assert kinds["version"].primary_words == 400  # credited to her first version
    assert kinds["submission"].primary_words == 0  # Bob's later copy claims nothing
    assert not kinds["submission"].counts or kinds["submission"].share == 0
    # Editors see that the later copy was itself flagged.
    editor = client_for(EditorFactory()).get(report_url(a)).json()
    seen = {s["kind"]: s for s in editor["sources"]}
    assert seen["submission"]["title"] == "Bob's copy" and seen["submission"]["flagged"]
    assert seen["version"]["credited_words"] == 400 and not seen["version"]["counts"]


def test_the_authors_view_names_no_other_paper_and_shows_only_her_own_words():
    """The blank-filling probe: a paper with gaps where someone else's words were reads
    back only its own words, the kind of text they matched and its share."""
    victim, prober, editor = (
        UserFactory(username="victim"),
        UserFactory(),
        EditorFactory(),
    )
    secret = prose(43, 300)
    source = checked(victim, "An unpublished secret", secret)
    words = secret.split()
    for gap in range(5, 300, 7):
        words[gap] = "blank"
    probe = checked(prober, "Probe", " ".join(words))

    body = client_for(prober).get(report_url(probe)).json()
    assert body["view"] == "author" and body["flagged"]
    assert body["sources"] == [
        {
            "label": "Text 1",
            "kind": "submission",
            "kind_label": "another submission",
            "counts": True,
            "share": pytest.approx(body["score"]),
            "published": None,
        }
    ]
    text = str(body)
    for secret_fact in ("An unpublished secret", str(source.pk), "victim"):
        assert secret_fact not in text
    shown = " ".join(p["text"] for p in body["passages"])
    assert set(shown.split()) <= set(" ".join(words).split())  # only the prober's own words
    missing = set(secret.split()) - set(" ".join(words).split())
    assert missing and not missing & set(text.replace("'", " ").split())

    full = client_for(editor).get(report_url(probe)).json()
    assert full["view"] == "editor"
    (seen,) = full["sources"]
    assert seen["title"] == "An unpublished secret" and seen["author"] == "victim"
    assert seen["submission_id"] == str(source.pk) and not seen["flagged"]
    assert any(set(p["source_text"].split()) & missing for p in seen["passages"])


def test_a_papers_earlier_versions_are_listed_once():
    author = UserFactory()
    first, second = prose(44, 200), prose(45, 200)
    paper = checked(author, "Three versions", first)
    submission_version_add(submission=paper, author=author, text=f"{first} {second}")
    check_run(submission_id=str(paper.pk))
    paper.refresh_from_db()
    submission_version_add(
        submission=paper, author=author, text=f"{first} {second} {prose(46, 50)}"
    )
    report = check_run(submission_id=str(paper.pk)).report
    (earlier,) = report.sources.all()
    assert earlier.kind == "version" and earlier.primary_words == 400
    assert {p.source_version for p in earlier.passages.all()} == {1, 2}
    assert report.score == 0 and report.versions_score == pytest.approx(400 / 450)


def test_editors_rescore_with_exclusions_and_sources_and_the_original_is_kept():
    author, other, editor = UserFactory(), UserFactory(), EditorFactory(username="ed")
    cited = prose(47, 60)
    source = checked(other, "Cited work", f"{cited} {prose(48, 100)}")
    paper = checked(author, "Citing", f"{prose(49, 140)} «{cited}» {prose(50, 100)}")
    office = client_for(editor)
    original = office.get(report_url(paper)).json()
    assert original["score"] == 0 and original["excluded_words"] == 60
    assert original["settings"]["exclude_quotes"] is True

    counted = office.post(
        report_url(paper, "rescore/"),
        {"exclude_quotes": False, "reason": "not a real quote"},
        format="json",
    )
    assert counted.status_code == 201, counted.content
    body = counted.json()
    assert body["score"] == pytest.approx(60 / 300) and body["flagged"]
    assert [(h["made_by"], h["in_force"]) for h in body["history"]] == [(None, False), ("ed", True)]
    assert body["history"][1]["reason"] == "not a real quote"
    assert body["history"][1]["settings"]["exclude_quotes"] is False
    # The author reads the report in force; the check's own report is untouched.
    assert client_for(author).get(report_url(paper)).json()["flagged"]
    first = Report.objects.get(submission_id=paper.pk, original__isnull=True)
    assert first.score == 0 and first.settings["exclude_quotes"] is True
    assert client_for(author).get(f"/api/submissions/{paper.pk}/").json()["plagiarism"]["flagged"]

    left_out = office.post(
        report_url(paper, "rescore/"), {"excluded_sources": [str(source.pk)]}, format="json"
    ).json()
    assert left_out["score"] == 0 and left_out["sources"] == []
    assert left_out["settings"] == {
        "exclude_quotes": False,  # kept from the re-score in force
        "exclude_block_quotes": True,
        "exclude_references": True,
        "excluded_sources": [str(source.pk)],
    }
    assert len(left_out["history"]) == 3

    bad = office.post(
        report_url(paper, "rescore/"),
        {"excluded_sources": ["00000000-0000-0000-0000-000000000000"]},
        format="json",
    )
    assert bad.status_code == 400 and "Not a source" in str(bad.json())
    unknown = office.post(report_url(paper, "rescore/"), {"colour": "red"}, format="json")
    assert unknown.status_code == 400
    refused = client_for(author).post(report_url(paper, "rescore/"), {}, format="json")
    assert refused.status_code == 404


def test_the_pdf_has_the_summary_the_sources_and_every_passage():
    author, other, editor = UserFactory(), UserFactory(), EditorFactory()
    shared = "Ψυχή and " + prose(51, 80)  # outside Latin-1: the font must carry it
    checked(other, "Η πηγή: the source", f"{shared} {prose(52, 60)}")
    paper = checked(author, "The PDF paper", f"{prose(53, 60)} {shared}")
    response = client_for(editor).get(report_url(paper, "pdf/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"similarity-report-{paper.pk}-v1.pdf" in response["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for expected in (
        "Similarity report",
        "The PDF paper",
        "Η πηγή: the source",
        "Flagged: a passage of 50 or more identical words",
    ):
        assert expected in flat
    assert " ".join(shared.split()[:12]) in flat  # the passage, on both sides
    assert flat.count("Ψυχή") >= 2
    assert client_for(author).get(report_url(paper, "pdf/")).status_code == 404
    office = Client()
    office.force_login(editor)
    admin_pdf = office.get(f"/admin/plagiarism/report/submission/{paper.pk}/pdf/")
    assert admin_pdf.status_code == 200 and admin_pdf.content.startswith(b"%PDF")


def test_editors_rescore_from_the_admin_page_and_see_who_did_it():
    author, other = UserFactory(), UserFactory()
    editor = EditorFactory(username="chief")
    cited = prose(54, 60)
    checked(other, "Quoted source", cited)
    paper = checked(author, "Quoting", f"{prose(55, 100)} “{cited}” {prose(56, 100)}")
    office = Client()
    office.force_login(editor)
    page_url = f"/admin/plagiarism/report/submission/{paper.pk}/"
    page = office.get(page_url).content.decode()
    assert 'name="exclude_quotes" checked' in page and "Download as PDF" in page
    response = office.post(
        page_url, {"exclude_block_quotes": "on", "exclude_references": "on", "reason": "check"}
    )
    assert response.status_code == 302
    page = office.get(page_url).content.decode()
    assert "Re-scored: 23.1% similar, flagged" in page
    assert "chief" in page and "in force" in page and "the check" in page
    # The source the re-score found (the check's own report had none) is named, and can
    # be left out next time.
    assert "<strong>Quoted source</strong>" in page and 'name="leave_out"' in page
    assert Report.objects.filter(submission_id=paper.pk).count() == 2
