"""Importing a back catalogue of published works, and reports that name them."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from harness import client_for
from outbox.models import OutboxEvent
from plagiarism import catalogue
from plagiarism.models import IndexDoc, IndexState, PublishedWork
from plagiarism.tests.factories import prose
from plagiarism.tests.test_reports import checked, report_url
from submissions.tests.factories import EditorFactory, UserFactory, docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def work(n: int, **fields) -> dict:
    made = {"id": f"jcl-{n}", "title": f"On engines, part {n}", "text": prose(900 + n, 400)}
    return made | fields


def jsonl(path, records) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return str(path)


def test_a_json_lines_import_skips_duplicates_refuses_with_reasons_and_resumes(
    tmp_path, monkeypatch
):
    (tmp_path / "paper.txt").write_text(prose(950, 300))
    records = [
        work(
            1, authors=["Ada Lovelace", "C. Babbage"], year=1843, doi="https://doi.org/10.1000/a.1"
        ),
        work(2, url="https://journal.example/2"),
        {"id": "jcl-3", "title": "A file", "file": "paper.txt", "year": "2001"},
        work(4, text=work(1)["text"]),  # the same text as jcl-1, under another id
        work(5, doi="not-a-doi"),
        work(6, year=3024),
        {"id": "jcl-7", "title": "Neither text nor file"},
        "{not json",
        work(8, text="\x00\x01 "),  # nothing left once unstorable characters are gone
    ]
    path = jsonl(tmp_path / "catalogue.jsonl", records)

    # Interrupted (Ctrl-C) while writing its second batch of one work: the batch being
    # written is written before it stops, and what was written stays written.
    written = catalogue.write
    calls = []

    def interrupted(batch, **kwargs):
        calls.append(batch)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return written(batch, **kwargs)

    monkeypatch.setattr(catalogue, "write", interrupted)
    with pytest.raises(CommandError, match="stopped: 2 works imported so far"):
        run("plagiarism_import", path, "--batch", "1", "--workers", "2")
    assert PublishedWork.objects.count() == 2
    monkeypatch.setattr(catalogue, "write", written)

    output = run("plagiarism_import", path, "--workers", "2")
    summary = "imported 1, skipped 2 already imported and 1 duplicates (same text), refused 5"
    assert summary in output
    assert "line 4 (id jcl-4): the same text as jcl-1" in output
    assert "line 5 (id jcl-5): doi 'not-a-doi' is not a DOI" in output
    assert "line 6 (id jcl-6): year 3024 is not a plausible year" in output
    assert "line 7 (id jcl-7): give either text or file" in output
    assert "line 8: not JSON" in output
    assert "line 9 (id jcl-8): no text" in output
    first = PublishedWork.objects.get(external_id="jcl-1")
    assert first.authors == "Ada Lovelace; C. Babbage"
    assert (first.year, first.doi) == (1843, "10.1000/a.1")
    assert PublishedWork.objects.get(external_id="jcl-3").year == 2001
    assert set(PublishedWork.objects.values_list("external_id", flat=True)) == {
        "jcl-1",
        "jcl-2",
        "jcl-3",
    }
    # Indexed and merged: no document is left staged or pending.
    assert IndexDoc.objects.filter(work__isnull=False).count() == 3
    assert not IndexDoc.objects.filter(pending_prints__isnull=False).exists()
    assert not OutboxEvent.objects.exists()  # sources, not submissions: nobody is told

    merged_at = IndexState.objects.get().merged_at
    again = run("plagiarism_import", path)
    assert "imported 0, skipped 3 already imported" in again
    assert "index unchanged (nothing to merge)" in again  # a resumed no-op rewrites nothing
    assert IndexState.objects.get().merged_at == merged_at
    assert PublishedWork.objects.count() == 3


def test_a_directory_import_reads_pdf_docx_and_text_and_refuses_other_files(tmp_path):
    folder = tmp_path / "proceedings"
    (folder / "2019").mkdir(parents=True)
    (folder / "2019" / "fast_engines.pdf").write_bytes(pdf_bytes([prose(960, 120)]))
    (folder / "2019" / "slow-engines.docx").write_bytes(docx_bytes([prose(961, 200)]))
    (folder / "notes.txt").write_text(prose(962, 150))
    (folder / "copy of notes.txt").write_text(prose(962, 150))
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a real pdf")

    output = run("plagiarism_import", str(folder), "--workers", "2")
    assert "imported 3," in output and "1 duplicates" in output and "refused 2" in output
    assert "refused: cover.png: not a PDF, DOCX or text file" in output
    assert "refused: broken.pdf:" in output
    titles = set(PublishedWork.objects.values_list("title", flat=True))
    assert titles >= {"fast engines", "slow-engines"}
    assert PublishedWork.objects.get(external_id="2019/fast_engines.pdf").words == 120


def test_removal_takes_works_out_of_the_index(tmp_path):
    path = jsonl(tmp_path / "c.jsonl", [work(1), work(2)])
    run("plagiarism_import", path)
    author = UserFactory()
    copied = PublishedWork.objects.get(external_id="jcl-1").text
    before = checked(author, "Before", copied)
    assert before.pk  # flagged against the work
    output = run("plagiarism_import", "--remove", jsonl(tmp_path / "r.jsonl", [work(1)]))
    assert "removed 1 works, 0 not found" in output
    assert not PublishedWork.objects.filter(external_id="jcl-1").exists()
    assert not IndexDoc.objects.filter(work__external_id="jcl-1").exists()
    after = checked(UserFactory(), "After", copied)
    body = client_for(EditorFactory()).get(report_url(after)).json()
    # Only the first paper now holds that text; the work no longer does.
    assert [s["kind"] for s in body["sources"]] == ["submission"]
    assert body["sources"][0]["submission_id"] == str(before.pk)
    # The earlier report names the removed work as such, and does not fail.
    earlier = client_for(EditorFactory()).get(report_url(before)).json()
    assert earlier["sources"][0]["published"]["title"] == "(removed from the catalogue)"


def test_a_report_names_a_published_source_to_editors_and_to_the_author(tmp_path):
    path = jsonl(
        tmp_path / "c.jsonl",
        [work(1, authors=["Grace Hopper"], year=1952, doi="10.1000/hopper.1952")],
    )
    run("plagiarism_import", path)
    copied = " ".join(PublishedWork.objects.get().text.split()[:200])
    author = UserFactory()
    paper = checked(author, "My compiler", f"{prose(970, 200)} {copied}")

    mine = client_for(author).get(report_url(paper)).json()
    assert mine["view"] == "author" and mine["flagged"]
    (source,) = mine["sources"]
    assert source["kind"] == "published" and source["counts"]
    assert source["published"] == {
        "title": "On engines, part 1",
        "authors": "Grace Hopper",
        "year": 1952,
        "doi": "10.1000/hopper.1952",
        "url": "",
        "citation": "Grace Hopper (1952) “On engines, part 1”, doi:10.1000/hopper.1952",
    }
    site = Client()
    site.force_login(author)
    page = site.get(f"/papers/{paper.pk}/report/")
    assert page.status_code == 200 and "Grace Hopper (1952)" in page.content.decode()

    editor = client_for(EditorFactory())
    full = editor.get(report_url(paper)).json()
    (seen,) = full["sources"]
    assert seen["title"] == "On engines, part 1" and seen["author"] == "Grace Hopper"
    assert seen["published"]["doi"] == "10.1000/hopper.1952"
    assert seen["passages"] and seen["passages"][0]["source_text"].split()[:5] == copied.split()[:5]
    office = Client()
    office.force_login(EditorFactory())
    side = office.get(f"/admin/plagiarism/report/submission/{paper.pk}/")
    assert side.status_code == 200 and "doi:10.1000/hopper.1952" in side.content.decode()
    assert editor.get(f"/api/submissions/{paper.pk}/report/pdf/").status_code == 200


def test_works_are_listed_in_the_admin_with_search(tmp_path):
    run(
        "plagiarism_import",
        jsonl(tmp_path / "c.jsonl", [work(1, authors="Emmy Noether"), work(2, doi="10.1000/z")]),
    )
    editor = Client()
    editor.force_login(EditorFactory())
    listed = editor.get("/admin/plagiarism/publishedwork/?q=noether").content.decode()
    assert "On engines, part 1" in listed and "On engines, part 2" not in listed
    by_doi = editor.get("/admin/plagiarism/publishedwork/?q=10.1000/z").content.decode()
    assert "On engines, part 2" in by_doi and "On engines, part 1" not in by_doi
    one = PublishedWork.objects.get(external_id="jcl-1")
    assert editor.get(f"/admin/plagiarism/publishedwork/{one.pk}/change/").status_code == 200
    author = Client()
    author.force_login(UserFactory())
    assert author.get("/admin/plagiarism/publishedwork/").status_code == 302  # to the login


def test_an_import_of_a_missing_path_is_one_readable_line():
    with pytest.raises(CommandError, match="no such file or directory"):
        run("plagiarism_import", "/nonexistent/catalogue.jsonl")


def test_a_line_too_long_is_refused_without_being_held(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "MAX_LINE_BYTES", 5000)
    path = jsonl(tmp_path / "c.jsonl", [work(1, text=prose(990, 2000)), work(2)])
    output = run("plagiarism_import", path)
    assert "refused: line 1: longer than 5,000 bytes" in output
    assert "imported 1," in output
    assert list(PublishedWork.objects.values_list("external_id", flat=True)) == ["jcl-2"]
