"""Accuracy of the plagiarism engine on the Clough & Stevenson corpus of short answers.

    .venv/bin/python bench/plagiarism_accuracy.py --corpus ../shared/data/clough-stevenson

The five originals are indexed first, then each of the 95 answers is checked against the
whole corpus (the originals and every answer before it, as a live system would have them)
with the engine code the plagiarism task runs; files are decoded as the upload path decodes
them. Thresholds (binary) and score bands (four classes) are chosen by leave-one-task-out
cross-validation: the answers of each task are scored with cut points fitted on the other
four tasks only.
"""

import argparse
import csv
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plagiarism.engine import Config, MemoryCorpus, check  # noqa: E402
from submissions.extraction import decode_text  # noqa: E402

CLASSES = ["non", "heavy", "light", "cut"]


def midpoints(values: list[float]) -> list[float]:
    ordered = sorted(set(values))
    return [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(ordered)] + [1.01]


def fit_threshold(rows: list[tuple[float, str]]) -> float:
    def correct(t: float) -> int:
        return sum((score >= t) == (label != "non") for score, label in rows)

    return max(midpoints([s for s, _ in rows]), key=lambda t: (correct(t), -abs(t - 0.15)))


def band(score: float, cuts: tuple[float, float, float]) -> str:
    return CLASSES[sum(score >= c for c in cuts)]


def fit_bands(rows: list[tuple[float, str]]) -> tuple[float, float, float]:
    points = midpoints([s for s, _ in rows])
    best, best_correct = (0.1, 0.3, 0.6), -1
    for cuts in itertools.combinations(points, 3):
        correct = sum(band(score, cuts) == label for score, label in rows)
        if correct > best_correct:
            best, best_correct = cuts, correct
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, type=Path)
    defaults = Config()
    for name in ("k", "window", "gap", "min_words"):
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name)
        )
    args = parser.parse_args()
    config = Config(k=args.k, window=args.window, gap=args.gap, min_words=args.min_words)
    print(
        f"command: .venv/bin/python bench/plagiarism_accuracy.py --corpus {args.corpus} "
        f"--k {args.k} --window {args.window} --gap {args.gap} --min-words {args.min_words}"
    )
    print(
        f"engine: k={config.k} window={config.window} (guarantee {config.guarantee} words) "
        f"gap={config.gap} min_words={config.min_words}"
    )

    files = list(csv.DictReader((args.corpus / "file_information.csv").open()))
    corpus = MemoryCorpus(config=config)
    for row in files:
        if row["Category"] == "orig":
            text = decode_text((args.corpus / row["File"]).read_bytes())
            corpus.add(f"orig_task{row['Task']}", text)
    results = []  # (task, label, score, top source, right source)
    for row in files:
        if row["Category"] == "orig":
            continue
        text = decode_text((args.corpus / row["File"]).read_bytes())
        report = check(text, corpus, config=config)
        top = report.sources[0].source_id if report.sources else None
        results.append((row["Task"], row["Category"], report.score, top, f"orig_task{row['Task']}"))
        corpus.add(row["File"], text)  # later answers are checked against it too

    tasks = sorted({task for task, *_ in results})
    binary, four = {}, {}
    for task in tasks:
        train = [(score, label) for t, label, score, *_ in results if t != task]
        threshold, cuts = fit_threshold(train), fit_bands(train)
        print(
            f"  task {task}: threshold {threshold:.3f}, bands {', '.join(f'{c:.3f}' for c in cuts)}"
            " (fitted on the other tasks)"
        )
        for i, (t, _label, score, *_rest) in enumerate(results):
            if t == task:
                binary[i] = score >= threshold
                four[i] = band(score, cuts)

    tp = sum(binary[i] and r[1] != "non" for i, r in enumerate(results))
    fp = sum(binary[i] and r[1] == "non" for i, r in enumerate(results))
    fn = sum(not binary[i] and r[1] != "non" for i, r in enumerate(results))
    tn = sum(not binary[i] and r[1] == "non" for i, r in enumerate(results))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(
        f"binary (plagiarised = cut, light, heavy): accuracy {(tp + tn) / len(results):.3f}  "
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"
    )
    print(f"confusion: TP {tp}  FN {fn}  FP {fp}  TN {tn}")
    four_correct = sum(four[i] == r[1] for i, r in enumerate(results))
    print(f"four-class accuracy (score bands): {four_correct / len(results):.3f}")
    print("four-class confusion (rows: truth, columns: predicted " + " ".join(CLASSES) + "):")
    for truth in CLASSES:
        counts = [
            sum(r[1] == truth and four[i] == p for i, r in enumerate(results)) for p in CLASSES
        ]
        print(f"  {truth:>5}: " + " ".join(f"{c:5d}" for c in counts))
    plagiarised = [r for r in results if r[1] != "non"]
    right = sum(r[3] == r[4] for r in plagiarised)
    print(f"right top source: {right} of {len(plagiarised)} plagiarised answers")
    for task, label, score, top, want in plagiarised:
        if top != want:
            print(f"  missed: task {task} ({label}), score {score:.2f}, top source {top}")


if __name__ == "__main__":
    main()
