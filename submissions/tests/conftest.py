import pytest
from rest_framework.test import APIClient

from submissions.tests.factories import EditorFactory, UserFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads of each test land in a folder of its own, so leftovers can be counted."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def author(db):
    return UserFactory()


@pytest.fixture
def other_author(db):
    return UserFactory()


@pytest.fixture
def editor(db):
    return EditorFactory()


def client_for(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def api(author) -> APIClient:
    return client_for(author)
