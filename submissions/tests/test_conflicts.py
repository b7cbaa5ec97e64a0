"""Conflicts of interest are codes with a sentence for the editor: logic branches on codes."""

import pytest

from accounts.services import profile_update
from reviews.tests.factories import ReviewerFactory, paper_under_review
from submissions.conflicts import Candidate, ConflictCode, conflicts_of
from submissions.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def codes(paper, user, *, declared=False) -> list[ConflictCode]:
    found = conflicts_of(submission=paper, candidate=Candidate(user, user.email), declared=declared)
    assert all(conflict.message for conflict in found)  # every code has its sentence
    return [conflict.code for conflict in found]


def test_each_kind_of_conflict_has_its_code():
    author = UserFactory(email="ada@cs.uni-a.edu")
    paper = paper_under_review(author, coauthors=[("Grace Hopper", "grace@navy.example", "NRL")])
    assert codes(paper, author) == [ConflictCode.AUTHOR]  # and nothing else: it would repeat
    assert codes(paper, UserFactory(email="alan@uni-a.edu")) == [ConflictCode.EMAIL_DOMAIN]
    stranger = ReviewerFactory()
    assert codes(paper, stranger) == []
    assert codes(paper, stranger, declared=True) == [ConflictCode.DECLARED]
    colleague = ReviewerFactory()
    paper_under_review(colleague, seed=2, coauthors=[("Grace Hopper", "grace@navy.example", "NRL")])
    assert codes(paper, colleague) == [ConflictCode.COAUTHOR]
    labmate = ReviewerFactory()
    profile_update(user=labmate, affiliation="nrl")
    assert codes(paper, labmate) == [ConflictCode.AFFILIATION]
