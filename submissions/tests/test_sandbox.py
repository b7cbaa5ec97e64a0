"""Bounded cost per upload: extraction runs in a pool of worker processes, within limits.

Each refusal is a 413 (over a cap) or 422 (over a time limit) that says which limit, comes
within a few seconds, and leaves nothing behind; the pool serves the next upload.
"""

import time

import pytest

from harness.hostile import pdf_bomb
from submissions.models import Submission
from submissions.tests.factories import PARAGRAPH, pdf_bytes
from submissions.tests.test_api import LIST, assert_nothing_left, upload

pytestmark = pytest.mark.django_db


def test_a_pdf_that_takes_too_long_to_read_is_refused_in_time_and_the_pool_recovers(
    api, media_root, settings
):
    settings.SUBMISSION_EXTRACT_SECONDS = 1
    bomb = pdf_bomb(300_000)  # ~30 KB that inflates to 11 MB of text operators
    assert len(bomb) < 100_000
    started = time.monotonic()
    response = upload(api, "bomb.pdf", bomb)
    elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert response.json()["file"] == ["reading the file took longer than the limit of 1 s"]
    # The limit, plus the pool's start on first use; never the ~10 s the file would take.
    assert elapsed < 1 + settings.SUBMISSION_EXTRACT_QUEUE_SECONDS + 3
    assert_nothing_left(media_root)

    response = upload(api, "honest.pdf", pdf_bytes([PARAGRAPH]))  # a fresh worker reads it
    assert response.status_code == 201, response.json()


def test_a_pdf_over_the_page_cap_is_refused_saying_so(api, media_root, settings):
    settings.SUBMISSION_MAX_PAGES = 2
    response = upload(api, "long.pdf", pdf_bytes([PARAGRAPH] * 3))
    assert response.status_code == 413
    assert response.json()["file"] == ["the PDF has 3 pages, more than the limit of 2"]
    assert_nothing_left(media_root)


def test_a_pdf_that_inflates_past_the_cap_is_refused_saying_so(api, media_root, settings):
    settings.SUBMISSION_MAX_DECOMPRESSED_BYTES = 1024 * 1024
    response = upload(api, "inflates.pdf", pdf_bomb(50_000))  # 1.8 MB inflated
    assert response.status_code == 413
    assert response.json()["file"] == [
        "the PDF's pages expand to more than 1 MB of content: refused"
    ]
    assert_nothing_left(media_root)


def test_a_paper_over_the_word_cap_is_refused_saying_so(api, media_root, settings):
    settings.SUBMISSION_MAX_WORDS = 50
    text = " ".join(f"word{i}" for i in range(120))
    response = api.post(LIST, {"title": "Wordy", "text": text}, format="json")
    assert response.status_code == 413
    assert response.json()["text"] == ["the paper has 120 words, more than the limit of 50"]
    response = upload(api, "wordy.txt", text.encode())
    assert response.status_code == 413
    assert_nothing_left(media_root)


def test_characters_postgresql_cannot_store_are_stripped_not_a_500(api, media_root):
    text = "A paper\u0000 about NUL\u0001 bytes and \u0007bells in plain text, twelve words."
    response = upload(api, "utf16.txt", text.encode("utf-16"))
    assert response.status_code == 201, response.json()
    stored = Submission.objects.get().text
    assert stored == "A paper about NUL bytes and bells in plain text, twelve words."


@pytest.fixture
def fresh_pool():
    """A pool made with this test's settings, and a fresh one with the defaults after."""
    from submissions.sandbox import pool_close

    pool_close()
    yield
    pool_close()


def test_a_file_that_needs_more_memory_than_the_limit_is_refused_saying_so(
    api, media_root, settings, fresh_pool
):
    settings.SUBMISSION_EXTRACT_MEMORY_MB = 300
    # 16 MB of Windows-1252: decoding and detecting its encoding need far more than that.
    response = upload(api, "big.txt", ("caf\xe9 " * 3_200_000).encode("cp1252"))
    assert response.status_code == 422
    assert response.json()["file"] == [
        "reading the file needs more memory than the limit of 300 MB"
    ]
    assert_nothing_left(media_root)
    response = upload(api, "honest.pdf", pdf_bytes([PARAGRAPH]))  # the same worker goes on
    assert response.status_code == 201, response.json()
