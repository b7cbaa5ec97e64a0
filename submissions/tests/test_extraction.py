"""Extraction from files the tests make themselves: PDF, DOCX, text in several encodings."""

import re

import pytest

from submissions.extraction import ExtractionError, extract
from submissions.tests.factories import (
    PARAGRAPH,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    plain_zip_bytes,
    zip_bomb_docx_bytes,
)


def test_a_multi_page_pdf_yields_the_text_of_every_page():
    result = extract(
        pdf_bytes(["First page: alpha.", "Second page: beta.", "Third: gamma."]), "p.pdf"
    )
    assert result.file_type == "pdf"
    for word in ("alpha", "beta", "gamma"):
        assert word in result.text
    assert result.text.index("alpha") < result.text.index("beta") < result.text.index("gamma")
    assert result.word_count == 8


def test_a_docx_yields_its_paragraphs():
    result = extract(docx_bytes(["Introduction", PARAGRAPH]), "paper.docx")
    assert result.file_type == "docx"
    assert result.text.startswith("Introduction")
    assert "fingerprints of word sequences" in result.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_text_files_are_decoded_whatever_their_encoding(encoding):
    text = "Café society and naïve “quoted” claims – a résumé of the façade. " * 5
    result = extract(text.encode(encoding), "paper.txt")
    assert result.text == text.strip()


def test_windows_1252_curly_quotes_are_not_taken_for_control_characters():
    text = "The solution doesn’t affect the others: it works ‘bottom-up’ — and “well”. " * 2
    assert extract(text.encode("cp1252"), "answer.txt").text == text.strip()


def test_central_european_text_is_left_to_the_detector():
    text = "Zażółć gęślą jaźń. Łódź jest dużym miastem w środkowej Polsce, nad rzeką. " * 4
    decoded = extract(text.encode("cp1250"), "polski.txt").text
    assert "ł" in decoded and "³" not in decoded


def test_markdown_is_taken_as_text():
    result = extract(b"# Title\n\nSome *emphasis* here.", "paper.md")
    assert result.file_type == "md" and "emphasis" in result.text


def test_the_same_words_give_the_same_hash_across_formats():
    assert (
        extract(PARAGRAPH.encode(), "a.txt").content_hash
        == extract(docx_bytes([PARAGRAPH]), "a.docx").content_hash
    )


@pytest.mark.parametrize(
    ("data", "name", "message", "kind"),
    [
        (b"", "empty.txt", "the file is empty", "content"),
        (PARAGRAPH.encode(), "paper.pdf", "is not a PDF", "type"),
        (pdf_bytes([PARAGRAPH]), "paper.txt", "is not text", "type"),
        (pdf_bytes([PARAGRAPH]), "paper.docx", "is not a DOCX", "type"),
        (b"%PDF-1.7\n1 0 obj garbage", "broken.pdf", "the PDF is corrupt", "content"),
        (b"PK\x03\x04 not really a zip", "broken.docx", "the DOCX is corrupt", "content"),
        (plain_zip_bytes(), "paper.docx", "not a DOCX document", "type"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image.txt", "binary, not text", "type"),
        (PARAGRAPH.encode(), "paper.exe", "unsupported file type '.exe'", "type"),
        (PARAGRAPH.encode(), "noextension", "unsupported file type '(no extension)'", "type"),
        (b"   \n\t  ", "blank.txt", "no text could be extracted", "content"),
        (pdf_bytes([""]), "blank.pdf", "no text could be extracted", "content"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, name, message, kind):
    with pytest.raises(ExtractionError, match=re.escape(message)) as refused:
        extract(data, name)
    assert refused.value.kind == kind


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(ExtractionError, match="the PDF is encrypted"):
        extract(encrypted_pdf_bytes(), "locked.pdf")


def test_a_zip_bomb_posing_as_docx_is_refused_before_it_is_expanded():
    bomb = zip_bomb_docx_bytes()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ExtractionError, match="zip bomb"):
        extract(bomb, "bomb.docx")
