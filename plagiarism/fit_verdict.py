"""Fit the verdict model's coefficients (``plagiarism/verdict.py``) on the Clough & Stevenson
corpus of short answers, and print them as the constants to ship.

    .venv/bin/python -m plagiarism.fit_verdict --corpus ../shared/data/clough-stevenson

Each of the 95 answers is paired with its task's original; the signals are computed with
the engine's own tokens and passages; a multinomial logistic regression (scikit-learn,
standardised inputs, L2 with C=1) is fitted to the four classes. 4 x (7 + 1) = 32
coefficients, plus 7 means and 7 scales, and the threshold on the probability of "made from
the source" (chosen by leave-one-task-out). ``bench/plagiarism_accuracy.py`` fits the same
model inside each leave-one-task-out fold to measure it honestly. scikit-learn is needed
here only: the product evaluates the shipped constants in pure Python.
"""

import argparse
import csv
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plagiarism import engine, verdict  # noqa: E402
from submissions.extraction import decode_text  # noqa: E402

# The corpus's labels, and the verdict's classes they mean.
CLASS_OF = {"non": "unrelated", "heavy": "heavy", "light": "light", "cut": "copied"}


@dataclass(frozen=True)
class Answer:
    file: str
    task: str
    label: str  # a verdict class
    text: str


def read_corpus(path: Path) -> tuple[dict[str, str], list[Answer]]:
    """The originals by task, and the answers, decoded as uploads are."""
    originals, answers = {}, []
    for row in csv.DictReader((path / "file_information.csv").open()):
        text = decode_text((path / row["File"]).read_bytes())
        if row["Category"] == "orig":
            originals[row["Task"]] = text
        else:
            answers.append(Answer(row["File"], row["Task"], CLASS_OF[row["Category"]], text))
    return originals, answers


def pair_signals(paper: str, source: str, config: engine.Config) -> dict[str, float]:
    """The signals exactly as the engine computes them for one paper and one source."""
    mine, theirs = engine.prepare(paper, config), engine.prepare(source, config)
    passages = engine.align(mine, theirs, "source", config)
    region, coverage = engine.region_of(mine, theirs, engine.covered_tokens(mine, passages))
    return verdict.signals(region, engine.counted_words(theirs), coverage)


def fit(rows: list[tuple[dict[str, float], str]]):
    """A fitted (scaler, model) pair over signal dicts and class labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = [[signal[name] for name in verdict.FEATURES] for signal, _ in rows]
    y = [verdict.CLASSES.index(label) for _, label in rows]
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(scaler.transform(x), y)
    return scaler, model


def fit_threshold(answers: list[Answer], signals: list[dict[str, float]]) -> float:
    """The probability of "made from the source" at which the verdict says so: the cut that
    classifies the most answers right when each task's answers are scored by a model fitted
    on the other tasks (leave-one-task-out)."""
    scored = []
    for task in sorted({a.task for a in answers}):
        fitted = fit(
            [(s, a.label) for s, a in zip(signals, answers, strict=True) if a.task != task]
        )
        scored += [
            (1 - predict(fitted, s)["unrelated"], a.label != "unrelated")
            for s, a in zip(signals, answers, strict=True)
            if a.task == task
        ]
    values = sorted({p for p, _ in scored})
    cuts = [0.5] + [(a + b) / 2 for a, b in itertools.pairwise(values)]
    return max(
        cuts, key=lambda cut: (sum((p >= cut) == truth for p, truth in scored), -abs(cut - 0.5))
    )


def predict(fitted, signal: dict[str, float]) -> dict[str, float]:
    scaler, model = fitted
    x = scaler.transform([[signal[name] for name in verdict.FEATURES]])
    return {
        verdict.CLASSES[c]: float(p)
        for c, p in zip(model.classes_, model.predict_proba(x)[0], strict=True)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, type=Path)
    args = parser.parse_args()
    config = engine.Config()
    originals, answers = read_corpus(args.corpus)
    signals = [pair_signals(a.text, originals[a.task], config) for a in answers]
    rows = list(zip(signals, [a.label for a in answers], strict=True))
    scaler, model = fit(rows)
    order = [list(model.classes_).index(c) for c in range(len(verdict.CLASSES))]

    def numbers(values) -> str:
        return ", ".join(f"{v:.4g}" for v in values)

    print(f"# {len(rows)} answers, {len({a.task for a in answers})} tasks")
    print(f"MEANS = ({numbers(scaler.mean_)})")
    print(f"SCALES = ({numbers(scaler.scale_)})")
    print("WEIGHTS = (")
    for i in order:
        print(f"    ({numbers(model.coef_[i])}),")
    print(")")
    print(f"INTERCEPTS = ({numbers(model.intercept_[i] for i in order)})")
    print(f"PLAGIARISED_AT = {fit_threshold(answers, signals):.4g}")


if __name__ == "__main__":
    main()
