"""Each vocabulary is spelled once: the status and answer codes live in ``contracts.codes``,
and product code, templates and SQL take them from there."""

import ast
import re
from pathlib import Path

from django.conf import settings

from contracts.codes import InvitationAnswer, Status

ROOT = Path(settings.BASE_DIR)
APPS = ("accounts", "analytics", "config", "contracts", "notifications", "outbox")
APPS += ("plagiarism", "reviews", "submissions", "web")
CODES = {status.value for status in Status} | {answer.value for answer in InvitationAnswer}
QUOTED = re.compile(r"""["'](""" + "|".join(sorted(CODES)) + r""")["']""")


def product_files(*suffixes: str):
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            skipped = {"tests", "migrations"} & set(path.parts)
            if path.suffix in suffixes and not skipped:
                yield path


def literals(path: Path) -> list[str]:
    """Where a module spells a code itself: a string constant that is a code, or SQL text
    quoting one. Not counted: dictionary keys (names: a template's variable, a field), and
    words written beside a code taken from its enum (``{Status.ACCEPTED: "accepted"}``, a
    choice ``(InvitationAnswer.ACCEPTED.value, "accepted")``), which may read like one."""
    tree = ast.parse(path.read_text())
    words = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            words |= {id(key) for key in node.keys}
            words |= {
                id(value)
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Attribute)
            }
        elif (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 2
            and isinstance(node.elts[0], ast.Attribute)
        ):
            words.add(id(node.elts[1]))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in words:
            continue
        if node.value in CODES or QUOTED.search(node.value):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    return found


def test_no_product_module_spells_a_status_or_answer_code_but_contracts():
    found = [
        hit
        for path in product_files(".py")
        if path != ROOT / "contracts" / "codes.py"
        for hit in literals(path)
    ]
    assert found == []


def test_no_template_compares_with_a_spelled_out_code():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}"
        for path in product_files(".html", ".txt")
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if "{%" in line and QUOTED.search(line)
    ]
    assert found == []


def test_the_check_finds_a_spelled_out_status(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        'filter(status="under_review")\n'
        "SQL = \"SELECT 1 WHERE decision = 'rejected'\"\n"
        'CONTEXT = {"accepted": 1}\n'
        'WORDS = {Status.ACCEPTED: "accepted"}\n'
        'CHOICES = [("withdrawn", "withdrawn")]\n'
    )
    hits = sorted(hit.split(": ", 1)[1] for hit in literals_at(module))
    assert hits == [
        "\"SELECT 1 WHERE decision = 'rejected'\"",
        "'under_review'",
        "'withdrawn'",
        "'withdrawn'",
    ]


def literals_at(path: Path) -> list[str]:
    """``literals`` for a file outside the project (the check's own test)."""
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return literals(path)
    finally:
        ROOT = saved
