"""The layout the architecture notes describe, held against the code: the plumbing and the
contracts know no domain app, and every product function fits on a screen."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAIN = {"accounts", "analytics", "notifications", "plagiarism", "reviews", "submissions", "web"}
PRODUCT = (*sorted(DOMAIN), "config", "contracts", "outbox")
LONGEST = 60  # lines


def modules(*apps: str):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not {"tests", "migrations"} & set(path.parts):
                yield path


def imported_apps(path: Path) -> set[str]:
    apps = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            apps.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            apps |= {alias.name.split(".")[0] for alias in node.names}
    return apps


def test_the_plumbing_and_the_contracts_import_no_domain_app():
    found = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & DOMAIN)
        for path in modules("outbox", "contracts")
        if imported_apps(path) & DOMAIN
    }
    assert found == {}


def test_no_product_function_is_longer_than_a_screen():
    found = []
    for path in modules(*PRODUCT):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert found == []


def test_the_submissions_domain_knows_nothing_of_plagiarism():
    """Plagiarism is built on submissions: the check's summary joins a paper's data at the
    edge where both are shown (the API's serializers and views, the admin, the site)."""
    edge = {"apis.py", "serializers.py", "admin.py"}
    found = sorted(
        str(path.relative_to(ROOT))
        for path in modules("submissions")
        if path.name not in edge and "plagiarism" in imported_apps(path)
    )
    assert found == []
