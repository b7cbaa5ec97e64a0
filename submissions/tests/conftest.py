import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads of each test land in a folder of its own, so leftovers can be counted."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
