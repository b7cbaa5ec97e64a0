"""Accuracy of the plagiarism check: the Clough & Stevenson corpus, and planted passages.

    .venv/bin/python bench/plagiarism_accuracy.py --corpus ../shared/data/clough-stevenson

1. Clough & Stevenson (95 answers to 5 tasks, each cut, light, heavy or non against its
   task's original), leave-one-task-out: the verdict model (``plagiarism/verdict.py``'s
   form, 4 x 8 coefficients plus 7 means and 7 scales) is fitted with
   ``plagiarism.fit_verdict`` on the other four tasks' answers only (its threshold by a
   leave-one-task-out inside those four), then the held-out
   task's answers are checked with the engine as the product runs it, with that model.
   Two protocols, side by side:
   - *originals*: each answer against the five originals only (the corpus's question). The
     named source is the original the verdict finds most likely the answer was made from.
   - *whole pool*: each answer against everything submitted before it (the originals, then
     every earlier answer, in file order), through the engine's candidate search
     (fingerprints and sketches), as a live system would check it.
   Binary: flagged (the product's rule: the share of others' words at or above the
   threshold, a verdict other than unrelated for a source the paper was made from, or a long
   verbatim passage). Four classes: the verdict of the source the engine implicates most.
   The engine's own score bands (cut points fitted inside the folds) are printed beside it.
2. Planted passages: long synthetic papers (``bench/plagiarism_speed.py``'s Zipf corpus),
   each with one passage from a known document, verbatim, lightly edited (a word in ten
   replaced) or heavily edited (neighbouring words swapped, a word in four replaced), plus
   clean papers; recall of the planted sources and precision of the sources implicated,
   with the engine and the shipped model.
"""

import argparse
import itertools
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from plagiarism import engine, verdict  # noqa: E402
from plagiarism.fit_verdict import (  # noqa: E402
    fit,
    fit_threshold,
    pair_signals,
    predict,
    read_corpus,
)

CLASSES = list(verdict.CLASSES)  # unrelated, heavy, light, copied


def fold_judge(fitted, plagiarised_at: float):
    """A ``judge`` for the engine from a model and threshold fitted on one fold."""

    def judge(signal: dict[str, float]) -> verdict.Verdict:
        probabilities = predict(fitted, signal)
        label = verdict.label_for(probabilities, plagiarised_at)
        return verdict.Verdict(label, probabilities, signal, [])

    return judge


def top_implicated(report: engine.Report) -> engine.SourceMatch | None:
    judged = [m for m in report.sources if m.implicates and m.verdict is not None]
    return max(judged, key=lambda m: m.verdict.plagiarised, default=None)


def binary_figures(rows: list[tuple[bool, bool]]) -> str:
    tp = sum(p and t for p, t in rows)
    fp = sum(p and not t for p, t in rows)
    fn = sum(t and not p for p, t in rows)
    tn = sum(not p and not t for p, t in rows)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return (
        f"accuracy {(tp + tn) / len(rows):.3f}  precision {precision:.3f}  recall {recall:.3f}  "
        f"F1 {f1:.3f}  (TP {tp} FN {fn} FP {fp} TN {tn})"
    )


def midpoints(values: list[float]) -> list[float]:
    ordered = sorted(set(values))
    return [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(ordered)] + [1.01]


def fit_bands(rows: list[tuple[float, str]]) -> tuple[float, float, float]:
    points = midpoints([s for s, _ in rows])
    return max(
        itertools.combinations(points, 3),
        key=lambda cuts: sum(CLASSES[sum(s >= c for c in cuts)] == label for s, label in rows),
    )


def clough(path: Path, config: engine.Config) -> None:
    originals, answers = read_corpus(path)
    tasks = sorted(originals)
    signals = [pair_signals(a.text, originals[a.task], config) for a in answers]
    results: dict[str, list] = {"originals": [], "whole pool": []}
    band_rows = []
    for task in tasks:
        train = [(s, a.label) for s, a in zip(signals, answers, strict=True) if a.task != task]
        others = [(a, s) for s, a in zip(signals, answers, strict=True) if a.task != task]
        threshold = fit_threshold([a for a, _ in others], [s for _, s in others])
        judge = fold_judge(fit(train), threshold)
        train_scores = []
        # originals only
        only = engine.MemoryCorpus(config=config)
        for t, text in originals.items():
            only.add(f"orig_{t}", text)
        # the whole pool, in file order
        pool = engine.MemoryCorpus(config=config)
        for t, text in originals.items():
            pool.add(f"orig_{t}", text)
        for answer in answers:
            whole = engine.check(
                answer.text, pool, author_id=answer.file, config=config, judge=judge
            )
            pool.add(answer.file, answer.text, author_id=answer.file)
            if answer.task != task:
                train_scores.append((whole.score, answer.label))
                continue
            direct = {
                t: judge(pair_signals(answer.text, text, config)) for t, text in originals.items()
            }
            named, best = max(direct.items(), key=lambda item: item[1].plagiarised)
            alone = engine.check(
                answer.text,
                only,
                author_id=answer.file,
                config=replace_config(config, max_candidates=5),
                judge=judge,
            )
            flagged = alone.flagged or best.label != "unrelated"
            results["originals"].append((answer, flagged, best.label, f"orig_{named}", alone.score))
            top = top_implicated(whole)
            results["whole pool"].append(
                (
                    answer,
                    whole.flagged,
                    top.verdict.label if top else "unrelated",
                    top.source_id if top else None,
                    whole.score,
                )
            )
        band_rows.append((task, fit_bands(train_scores)))
    cuts = dict(band_rows)
    print("Clough & Stevenson, leave-one-task-out (model fitted inside each fold):")
    for protocol, rows in results.items():
        truth = [a.label != "unrelated" for a, *_ in rows]
        print(f"  [{protocol}]")
        pairs = list(zip([r[1] for r in rows], truth, strict=True))
        print(f"    binary (flagged):  {binary_figures(pairs)}")
        four = sum(label == a.label for a, _, label, *_ in rows)
        print(f"    four classes (verdict): accuracy {four / len(rows):.3f}")
        bands = sum(
            CLASSES[sum(score >= c for c in cuts[a.task])] == a.label for a, *_, score in rows
        )
        print(
            f"    four classes (the engine's score bands, fitted in folds): {bands / len(rows):.3f}"
        )
        confusion = Counter((a.label, label) for a, _, label, *_ in rows)
        print("    confusion (rows: truth; columns: " + " ".join(CLASSES) + ")")
        for t in CLASSES:
            print(f"      {t:>9}: " + " ".join(f"{confusion[t, p]:5d}" for p in CLASSES))
        plagiarised = [r for r in rows if r[0].label != "unrelated"]
        right = sum(r[3] == f"orig_{r[0].task}" for r in plagiarised)
        same_task = sum(
            r[3] is not None
            and r[3] != f"orig_{r[0].task}"
            and r[3].endswith(f"task{r[0].task}.txt")
            for r in plagiarised
        )
        print(
            f"    named source: the right original for {right} of {len(plagiarised)} plagiarised "
            f"answers; another answer to the same task for {same_task}"
        )
        wrong = [
            f"{r[0].file} ({r[0].label}, named {r[3]})"
            for r in plagiarised
            if r[3] != f"orig_{r[0].task}"
        ]
        missed = [
            f"{a.file} ({a.label})"
            for a, flagged, *_ in rows
            if not flagged and a.label != "unrelated"
        ]
        print(f"    not flagged: {', '.join(missed) or 'none'}")
        print(f"    not naming the original: {', '.join(wrong) or 'none'}")
    print(
        "  parameters fitted per fold: 32 model coefficients (4 classes x 7 signals + intercept), "
        "14 for standardising and the verdict's threshold (by leave-one-task-out inside the "
        "fold's four tasks); the engine's settings (k, window, gap, threshold, "
        "verbatim rule) are the shipped ones, not tuned here; the choice of the 7 signals "
        "(of 11 tried) was made looking at these folds' figures, so they flatter it a little"
    )


def replace_config(config: engine.Config, **changes) -> engine.Config:
    from dataclasses import replace

    return replace(config, **changes)


def planted(config: engine.Config, documents: int, papers: int, seed: int) -> None:
    from plagiarism_speed import DOC_WORDS, PAPER_WORDS, Zipf

    rng, zipf = random.Random(seed), Zipf(seed)
    corpus = engine.MemoryCorpus(config=config)
    docs = []
    for n, text in enumerate(zipf.texts(documents, DOC_WORDS)):
        corpus.add(f"doc{n}", text, author_id=f"a{n}")
        docs.append(text.split())
    kinds = ["verbatim", "light", "heavy", "clean"]
    found = Counter()
    flagged = Counter()
    implicated_right = implicated_wrong = 0
    for n in range(papers):
        kind = kinds[n % 4]
        words = zipf.texts(1, PAPER_WORDS)[0].split()
        source = None
        if kind != "clean":
            source = rng.randrange(documents)
            at = rng.randrange(0, DOC_WORDS - 300)
            passage = list(docs[source][at : at + 300])
            if kind == "light":
                for i in range(5, len(passage), 10):
                    passage[i] = f"edit{rng.randrange(10**6)}"
            if kind == "heavy":
                for i in range(0, len(passage) - 1, 2):
                    passage[i], passage[i + 1] = passage[i + 1], passage[i]
                passage = [
                    w if rng.random() > 0.25 else f"edit{rng.randrange(10**6)}" for w in passage
                ]
            where = rng.randrange(0, len(words))
            words[where:where] = passage
        report = engine.check(" ".join(words), corpus, author_id="me", config=config)
        implicated = {
            m.source_id
            for m in report.sources
            if m.implicates and (m.primary_words or (m.verdict and m.verdict.plagiarised >= 0.5))
        }
        if source is not None and f"doc{source}" in implicated:
            found[kind] += 1
        implicated_right += int(source is not None and f"doc{source}" in implicated)
        implicated_wrong += len(implicated - {f"doc{source}"})
        flagged[kind] += report.flagged
    each = papers // 4
    print(
        f"Planted passages of 300 words in {PAPER_WORDS}-word papers, {documents} indexed "
        f"documents of {DOC_WORDS} words, {each} papers per kind (seed {seed}):"
    )
    for kind in kinds[:3]:
        print(
            f"  {kind:>8}: source found {found[kind]}/{each} (recall {found[kind] / each:.3f}), "
            f"paper flagged {flagged[kind]}/{each}"
        )
    print(f"     clean: flagged {flagged['clean']}/{each}")
    total = implicated_right + implicated_wrong
    print(
        f"  precision of the sources implicated: {implicated_right}/{total} "
        f"({implicated_right / total if total else 0:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--papers", type=int, default=80)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/plagiarism_accuracy.py --corpus {args.corpus} "
        f"--documents {args.documents} --papers {args.papers} --seed {args.seed}"
    )
    config = engine.Config()
    print(
        f"engine {engine.ALGORITHM_VERSION}: k={config.k} window={config.window} gap={config.gap} "
        f"min_words={config.min_words} threshold={config.threshold} "
        f"verbatim_words={config.verbatim_words}"
    )
    clough(args.corpus, config)
    planted(config, args.documents, args.papers, args.seed)


if __name__ == "__main__":
    main()
