"""The API fuzz at benchmark size: schemathesis generates cases from the project's OpenAPI
schema for every operation, as an author and as an editor, and checks every response
(no 5xx, status code, content type, headers and body as documented).

    .venv/bin/python bench/api_fuzz.py [--examples 60]

Runs ``config/tests/test_api_fuzz.py`` (the same test ``make test`` runs with 10 examples per
operation) with more examples, and prints how many cases ran, by status class. Exits non-zero
if any check failed. Needs PostgreSQL and Redis up (``ops/services.sh start``).
"""

import argparse
import collections
import os
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
        env = os.environ | {"API_FUZZ_EXAMPLES": str(args.examples), "API_FUZZ_LOG": str(log)}
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
        lines = log.read_text().splitlines() if log.exists() else []
    statuses = collections.Counter(line.rsplit(" ", 1)[1][0] + "xx" for line in lines)
    operations = {line.rsplit(" ", 1)[0] for line in lines}
    print(
        f"{len(lines)} cases over {len(operations)} operations (author and editor): "
        + ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
        + f"; 5xx responses: {statuses.get('5xx', 0)}"
    )
    print(f"pytest: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else '?'}")
    if result.returncode != 0:
        print(result.stdout[-4000:], file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
