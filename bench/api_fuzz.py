"""The API fuzz at benchmark size: schemathesis (its CLI, over HTTP, against the live server's
OpenAPI schema) with every check and every phase (examples, coverage, fuzzing, stateful), as
an author and as an editor.

    .venv/bin/python bench/api_fuzz.py [--examples 60]

Runs ``config/tests/test_api_fuzz.py`` (the same test ``make test`` runs with 10 examples per
operation, and the author without the coverage phase) with more examples and every phase for
both roles, and prints how many cases ran and how many failed, per role.
Exits non-zero if any check failed. Needs PostgreSQL and Redis up (``ops/services.sh start``).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=60, help="cases per operation and role")
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/api_fuzz.py --examples {args.examples}")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "cases.log"
        env = os.environ | {
            "API_FUZZ_EXAMPLES": str(args.examples),
            "API_FUZZ_LOG": str(log),
            "API_FUZZ_EVERY_PHASE": "1",  # make test spares the author the coverage phase
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "config/tests/test_api_fuzz.py",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        text = log.read_text() if log.exists() else ""
    for role, summary in re.findall(r"== (\w+)\n.*?Test cases:\n\s*([^\n]+)", text, re.S):
        print(f"{role}: {summary}")
    operations = re.search(r"Operations:\s+(\d+) selected", text)
    print(f"operations: {operations[1] if operations else '?'}; checks: all; phases: all four")
    print(f"pytest: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else '?'}")
    if result.returncode != 0:
        print(result.stdout[-4000:], file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
