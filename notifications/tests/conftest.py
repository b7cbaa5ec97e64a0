import pytest
from rest_framework.test import APIClient

from submissions.tests.conftest import client_for
from submissions.tests.factories import UserFactory


@pytest.fixture
def author(db):
    return UserFactory()


@pytest.fixture
def other_author(db):
    return UserFactory()


@pytest.fixture
def api(author) -> APIClient:
    return client_for(author)
