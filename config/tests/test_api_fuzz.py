"""The API against generated hostile input: schemathesis, run as integrations run it (its
CLI, over HTTP, against the schema the live server publishes), with every check: as an editor
in every phase (examples, coverage, fuzzing, stateful), as an author in every phase but
coverage. Coverage is schemathesis' deterministic walk of each schema's boundaries (half the
run's time): it exercises the serializers' validation, the same code for either role; what
differs for an author (which operations refuse them, what they may read back) is what the
fuzzing and stateful phases reach. ``API_FUZZ_EVERY_PHASE=1`` (as ``bench/api_fuzz.py`` runs it)
puts the author through coverage as well.

Passing means: never a 5xx; every status code, content type, header and body as the schema
documents it; every body the schema allows is taken (but where ``config/fuzz/
schemathesis.toml`` names a rule no schema can state); every body it forbids is refused;
authentication is enforced; what was created can be read back. ``API_FUZZ_EXAMPLES`` sets the
cases per operation (``bench/api_fuzz.py`` runs more); ``API_FUZZ_WORKERS`` how many requests
schemathesis keeps in flight (2: the same cases in 85 s instead of 120 s on this machine, the
suite's longest test); ``API_FUZZ_LOG`` receives the summary.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness import ROOT, client_for
from submissions.tests.factories import EditorFactory, UserFactory

CONFIG = ROOT / "config" / "fuzz" / "schemathesis.toml"
PHASES = {
    "editor": "examples,coverage,fuzzing,stateful",
    "author": "examples,fuzzing,stateful",
}
AT_LEAST = {"editor": 1000, "author": 400}  # cases: a run that generates few has tested little
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture
def relaxed_limits(settings):
    """The fuzz sends thousands of requests: the rate limits and quotas (tested elsewhere)
    must not turn its cases into 429s."""
    settings.SUBMISSION_UPLOAD_RATE = "1000000/minute"
    settings.SUBMISSION_PAPERS_PER_DAY = 0
    settings.SUBMISSION_QUOTA_BYTES = 0
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": {"auth": "1000000/minute"}
    }


@pytest.mark.parametrize("role", ["author", "editor"])
def test_the_api_passes_every_check_in_every_phase(live_api, relaxed_limits, role):
    user = EditorFactory() if role == "editor" else UserFactory()
    token = client_for(user)._credentials["HTTP_AUTHORIZATION"]
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_api.url}/api/schema/?format=json",
        "--checks",
        "all",
        "--phases",
        PHASES["editor" if os.environ.get("API_FUZZ_EVERY_PHASE") else role],
        "--header",
        f"Authorization: {token}",
        "--max-examples",
        os.environ.get("API_FUZZ_EXAMPLES", "10"),
        "--workers",
        os.environ.get("API_FUZZ_WORKERS", "2"),
        "--request-timeout",
        "30",
        "--no-color",
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    if log := os.environ.get("API_FUZZ_LOG"):
        with open(log, "a") as out:
            out.write(f"== {role}\n{output}\n")
    assert result.returncode == 0, output[-6000:]
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert cases and int(cases[1]) == int(cases[2]) > AT_LEAST[role], output[-2000:]
