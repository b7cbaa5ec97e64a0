"""A verdict per source: copied, lightly revised, heavily revised or unrelated.

The passages say *where* a paper and a source agree; the verdict weighs *how much* of the
paper the source explains, from finer signals than runs of identical words:

- ``unigram``, ``bigram``, ``trigram``: containment of the paper's word n-grams in the
  source's (the share of the paper's distinct n-grams the source also has), which survive
  dropped, swapped and reordered words far better than runs of six;
- ``lcs``: the longest common subsequence of the two word sequences over the paper's
  length, an alignment ratio that rewards kept order (bit-parallel, so long texts stay
  cheap; both texts are cut to ``MAX_WORDS``);
- ``coverage``: the share of the paper the engine's passages cover;
- ``source_bigram`` and ``lcs_source``: the same seen from the source (the share of its word
  pairs the paper uses, the common subsequence over the source's length): how much of the
  source was taken.

A multinomial logistic model over the standardised signals gives each class a probability;
the verdict is "unrelated" unless the other three together reach ``PLAGIARISED_AT``.
Its coefficients are fitted offline on public data (``python -m plagiarism.fit_verdict``,
the Clough & Stevenson corpus of short answers) and shipped below as constants: nothing is
learned at run time. ``drivers`` names the signals that pushed the verdict away from
"unrelated" the most. Pure Python, no Django: the engine calls it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

FEATURES = ("unigram", "bigram", "trigram", "lcs", "coverage", "source_bigram", "lcs_source")
CLASSES = ("unrelated", "heavy", "light", "copied")
LABELS = {
    "unrelated": "unrelated",
    "heavy": "heavily revised",
    "light": "lightly revised",
    "copied": "copied",
}
SIGNAL_NAMES = {
    "unigram": "shared words",
    "bigram": "shared word pairs",
    "trigram": "shared word triples",
    "lcs": "words in the same order",
    "coverage": "matched passages",
    "source_bigram": "share of the source used",
    "lcs_source": "the source's words in order",
}
MAX_WORDS = 20_000  # of each text, for the signals: bounds the alignment's cost

# Fitted by plagiarism/fit_verdict.py on 2026-11-28 (95 answers, 5 tasks; see its output in
# bench/RESULTS.md). Rows follow CLASSES, columns FEATURES, on standardised signals.
MEANS = (0.6008, 0.369, 0.281, 0.4506, 0.3078, 0.2456, 0.2974)
SCALES = (0.2245, 0.3017, 0.3127, 0.2557, 0.3606, 0.2403, 0.2264)
WEIGHTS = (
    (-0.9919, -0.6372, -0.6174, -0.6053, -0.7525, -0.765, -0.8714),
    (1.335, 0.1525, -0.4223, 0.1817, -0.6838, 0.3983, 0.2668),
    (0.5241, -0.1486, -0.6744, 0.7811, 1.004, -0.3435, 0.8798),
    (-0.8672, 0.6332, 1.714, -0.3574, 0.4326, 0.7101, -0.2752),
)
INTERCEPTS = (-1.88, 0.8019, 0.6034, 0.4742)
# The probability of "made from the source" (any class but unrelated) at which the verdict
# says so: chosen by leave-one-task-out over the same answers.
PLAGIARISED_AT = 0.3343


@dataclass(frozen=True)
class Verdict:
    label: str  # one of CLASSES
    probabilities: dict[str, float]
    signals: dict[str, float]
    drivers: list[str]  # the signals that drove it, strongest first

    @property
    def plagiarised(self) -> float:
        """The probability that the paper was made from the source (any class but unrelated)."""
        return 1.0 - self.probabilities["unrelated"]

    @property
    def words(self) -> str:
        return LABELS[self.label]

    def as_evidence(self) -> dict:
        return {
            "verdict": self.label,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "drivers": self.drivers,
        }


def lcs_length(a: Sequence, b: Sequence) -> int:
    """Length of the longest common subsequence of ``a`` and ``b``: Hyyrö's bit-parallel
    algorithm, one big-integer step per item of ``a`` (O(len(a) * len(b) / 64) words)."""
    if not a or not b:
        return 0
    masks: dict = {}
    for i, item in enumerate(b):
        masks[item] = masks.get(item, 0) | (1 << i)
    full = (1 << len(b)) - 1
    v = full
    for item in a:
        u = v & masks.get(item, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - v.bit_count()


def _grams(words: Sequence[str], n: int) -> set:
    return set(zip(*(words[i:] for i in range(n)), strict=False))


def _contained(mine: set, theirs: set) -> float:
    return len(mine & theirs) / len(mine) if mine else 0.0


def signals(paper: Sequence[str], source: Sequence[str], coverage: float) -> dict[str, float]:
    """The verdict's inputs for one paper and one source, from their normalised words."""
    paper, source = paper[:MAX_WORDS], source[:MAX_WORDS]
    ids: dict[str, int] = {}
    a = [ids.setdefault(w, len(ids)) for w in paper]
    b = [ids.setdefault(w, len(ids)) for w in source]
    common = lcs_length(a, b)
    mine = {n: _grams(paper, n) for n in (1, 2, 3)}  # each made once, not per signal
    theirs = {n: _grams(source, n) for n in (1, 2, 3)}
    return {
        "unigram": _contained(mine[1], theirs[1]),
        "bigram": _contained(mine[2], theirs[2]),
        "trigram": _contained(mine[3], theirs[3]),
        "lcs": common / len(a) if a else 0.0,
        "coverage": coverage,
        "source_bigram": _contained(theirs[2], mine[2]),
        "lcs_source": common / len(b) if b else 0.0,
    }


def label_for(probabilities: dict[str, float], plagiarised_at: float) -> str:
    """Unrelated below the threshold on the probability of any other class; above it, the
    likeliest of the others."""
    if 1.0 - probabilities["unrelated"] < plagiarised_at:
        return "unrelated"
    return max(CLASSES[1:], key=probabilities.get)


def judge(signal: dict[str, float]) -> Verdict:
    x = [(signal[name] - m) / s for name, m, s in zip(FEATURES, MEANS, SCALES, strict=True)]
    logits = [
        b + sum(w * v for w, v in zip(row, x, strict=True))
        for row, b in zip(WEIGHTS, INTERCEPTS, strict=True)
    ]
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]
    total = sum(exps)
    probabilities = {c: e / total for c, e in zip(CLASSES, exps, strict=True)}
    label = label_for(probabilities, PLAGIARISED_AT)
    drivers: list[str] = []
    if label != "unrelated":
        chosen, unrelated = WEIGHTS[CLASSES.index(label)], WEIGHTS[0]
        pushes = {name: (chosen[j] - unrelated[j]) * x[j] for j, name in enumerate(FEATURES)}
        drivers = [
            f"{SIGNAL_NAMES[name]} {signal[name]:.0%}"
            for name, push in sorted(pushes.items(), key=lambda item: -item[1])
            if push > 0
        ][:2]
    return Verdict(label=label, probabilities=probabilities, signals=signal, drivers=drivers)
