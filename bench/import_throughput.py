"""How fast a back catalogue is imported from JSON Lines (``manage.py plagiarism_import``).

    .venv/bin/python bench/import_throughput.py [--papers 10000] [--words 1500] [--workers 2]

Writes a JSON Lines file of synthetic papers (words drawn from a Zipf-distributed
vocabulary of 50,000, as ``bench/plagiarism_speed.py`` makes its corpus; not timed), then
imports it into a fresh benchmark database with the command operators run, and prints the
rate in papers per second: the whole command (reading, preparing on every core, writing,
merging into main), and the merge alone. Then the index's size per paper, and a second run
of the same file (the idempotent no-op an interrupted import's resume starts with). Needs the
services up.
"""

import argparse
import io
import itertools
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from common import bench_environment

VOCABULARY = 50_000


def write_catalogue(path: Path, papers: int, words: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(VOCABULARY)]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
    with path.open("w") as out:
        for n in range(papers):
            text = " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=words))
            record = {
                "id": f"bench-{n}",
                "title": f"Published paper {n}",
                "authors": ["A. Author", "B. Author"],
                "year": 2000 + n % 25,
                "doi": f"10.5555/bench.{n}",
                "text": text,
            }
            out.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/import_throughput.py --papers {args.papers} "
        f"--words {args.words} --workers {args.workers}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalogue.jsonl"
        started = time.perf_counter()
        write_catalogue(path, args.papers, args.words)
        print(
            f"wrote {args.papers:,} papers of {args.words:,} words "
            f"({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        with bench_environment("bench_import"):
            from django.core.management import call_command

            from plagiarism import index

            merges: list[float] = []
            merge = index.merge

            def timed_merge(**kwargs):
                begun = time.perf_counter()
                try:
                    return merge(**kwargs)
                finally:
                    merges.append(time.perf_counter() - begun)

            index.merge = timed_merge
            out = io.StringIO()
            me, children = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
            cpu = [resource.getrusage(who) for who in (me, children)]
            started = time.perf_counter()
            call_command(
                "plagiarism_import", str(path), workers=args.workers, stdout=out, stderr=sys.stderr
            )
            elapsed = time.perf_counter() - started
            spent = [
                (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                for before, after in zip(
                    cpu, [resource.getrusage(who) for who in (me, children)], strict=True
                )
            ]
            summary = out.getvalue().strip().splitlines()[-1]
            sizes = index.index_bytes()
            total = sizes["main"] + sizes["documents"]
            print(
                f"import: {args.papers / elapsed:,.0f} papers/s ({elapsed:.1f} s for "
                f"{args.papers:,}; of which the merge {merges[0]:.1f} s) with "
                f"{args.workers} workers; index {total / args.papers / 1024:.1f} KiB/paper "
                f"(main {sizes['main'] / args.papers / 1024:.1f}, documents' table "
                f"{sizes['documents'] / args.papers / 1024:.2f})",
                flush=True,
            )
            print(
                f"  CPU: the command's own process {spent[0] / args.papers * 1000:.1f} ms/paper "
                f"(reading, writing, merging), its workers {spent[1] / args.papers * 1000:.1f} "
                "ms/paper (preparing)"
            )
            print(f"  {summary}")
            out = io.StringIO()
            started = time.perf_counter()
            call_command("plagiarism_import", str(path), workers=args.workers, stdout=out)
            print(
                f"the same file again: {time.perf_counter() - started:.1f} s "
                f"({out.getvalue().strip().splitlines()[-1]})",
                flush=True,
            )


if __name__ == "__main__":
    main()
