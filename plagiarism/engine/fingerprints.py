"""Fingerprints (winnowing: every shared run of ``k + w - 1`` words shares one) and sketches
(min-hash keys of windows of words: a candidate search that survives reordered, swapped and
replaced words)."""

import hashlib
from collections.abc import Sequence

import numpy as np

from plagiarism.engine.model import Config, Document
from plagiarism.engine.tokens import counted_words


# -- 2. winnowing -------------------------------------------------------------------------------
def winnow(grams: Sequence[int], window: int) -> list[tuple[int, int]]:
    """(hash, position) of the fingerprints winnowing selects: in every window of
    ``window`` consecutive hashes, the smallest (the rightmost one on ties), each once."""
    if not grams:
        return []
    if len(grams) <= window:
        position = min(range(len(grams)), key=lambda i: (grams[i], -i))
        return [(grams[position], position)]
    windows = np.lib.stride_tricks.sliding_window_view(np.array(grams, dtype=np.int64), window)
    # The rightmost smallest: argmin finds the first, so look at each window reversed.
    best = np.arange(len(windows)) + (window - 1 - windows[:, ::-1].argmin(axis=1))
    best = best[np.concatenate(([True], best[1:] != best[:-1]))].tolist()
    return [(grams[i], i) for i in best]


def fingerprint(document: Document, config: Config = Config()) -> list[tuple[int, int]]:
    """The winnowed fingerprints of the k-grams made only of counted words."""
    k = config.k
    usable = [
        gram if all(document.counted[i : i + k]) else None for i, gram in enumerate(document.grams)
    ]
    selected: list[tuple[int, int]] = []
    run_start = None
    for i, gram in enumerate([*usable, None]):
        if gram is not None and run_start is None:
            run_start = i
        elif gram is None and run_start is not None:
            run = document.grams[run_start:i]
            selected += [(h, run_start + p) for h, p in winnow(run, config.window)]
            run_start = None
    return selected


# -- 2b. sketches: a candidate search that survives reordered, swapped and replaced words ---
SKETCH_WINDOW = 24  # content words per window
SKETCH_STRIDE = 12
SKETCH_BANDS = 2  # LSH bands per window, of SKETCH_ROWS min-hashes each
SKETCH_ROWS = 2
_PRIME = (1 << 61) - 1
_MIX = 0x9E3779B97F4A7C15  # combines a band's min-hashes into one signed 64-bit key
_MASK = (1 << 64) - 1
_SEEDS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") | 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big"),
    )
    for i in range(SKETCH_BANDS * SKETCH_ROWS)
]


def _sliding_minima(values: list[int], width: int, stride: int = 1) -> list[int]:
    """The minimum of every ``stride``-th window of ``width`` consecutive values (values
    below 2**64); of all of them when there are fewer than ``width``."""
    if len(values) < width:
        return [min(values)] if values else []
    windows = np.lib.stride_tricks.sliding_window_view(np.array(values, dtype=np.uint64), width)
    return windows[::stride].min(axis=1).tolist()


_MINHASHES: dict[str, tuple[int, ...]] = {}  # a word's min-hash values, one per seed
_MINHASHES_AT_MOST = 500_000  # words remembered (about 150 MB at most), then forgotten


def _minhash_rows(words: list[str]) -> list[list[int]]:
    """For each seed, the words' min-hash values in order. A word's values never change, and
    a vocabulary's common words come back in every text: each is computed once."""
    known = _MINHASHES
    if len(known) > _MINHASHES_AT_MOST:
        known.clear()
    for word in set(words).difference(known):
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        known[word] = tuple((a * h + b) % _PRIME for a, b in _SEEDS)
    values = [known[w] for w in words]
    return [list(row) for row in zip(*values, strict=True)] if values else [[] for _ in _SEEDS]


def sketch_at(document: Document, stride: int = SKETCH_STRIDE) -> list[tuple[int, int]]:
    """(key, position) of the MinHash keys of the paper's windows of content words, the
    position being the window's first counted word. Windows are word *sets*: two windows
    that share most of their words share a key with high probability (LSH: ``SKETCH_BANDS``
    bands of ``SKETCH_ROWS`` min-hashes), however the words were reordered or swapped.
    The index keeps the windows every ``stride`` words; a check takes ``stride=1``, so that
    one of its windows lines up with each indexed one wherever a passage starts. Words of
    three letters or fewer are left out: they are everywhere. Linear in the text's length."""
    counted = counted_words(document)
    where = [n for n, w in enumerate(counted) if len(w) > 3]
    if not where:
        return []
    rows = _minhash_rows([counted[n] for n in where])
    per_seed = [_sliding_minima(row, SKETCH_WINDOW, stride) for row in rows]
    keys: list[tuple[int, int]] = []
    previous = None
    for window, mins in enumerate(zip(*per_seed, strict=True)):
        if mins == previous:
            continue  # neighbouring windows mostly share their minima: keep the first
        previous = mins
        for band in range(SKETCH_BANDS):
            key = band
            for row in mins[band * SKETCH_ROWS : (band + 1) * SKETCH_ROWS]:
                key = (key * _MIX + row) & _MASK
            keys.append((key - (1 << 64) if key >> 63 else key, where[window * stride]))
    return keys


def sketch(document: Document, stride: int = SKETCH_STRIDE) -> list[int]:
    """The distinct keys of ``sketch_at``: what the index stores and the search asks for."""
    return sorted({key for key, _ in sketch_at(document, stride)})


def region_of(
    paper: Document,
    source: Document,
    covered: set[int],
    paper_sketch: list[tuple[int, int]] | None = None,
) -> tuple[list[str], float]:
    """The part of the paper that relates to ``source`` (counted words, and the share of
    them the passages cover): the stretch around the windows whose sketches the two share
    and the passages' words. A long paper that took one section from a source is judged on
    that section, not diluted by the rest; a short one is judged whole."""
    words = counted_words(paper)
    theirs = counted_words(source)
    if not words:
        return words, 0.0
    if len(words) <= 2 * len(theirs):
        first, last = 0, len(words)  # about the source's size: judged whole
    else:
        mine = paper_sketch if paper_sketch is not None else sketch_at(paper, stride=1)
        shared_keys = {key for key, _ in sketch_at(source)}
        position = paper.counted_position
        hits = sorted(
            [at for key, at in mine if key in shared_keys]
            + [position[t] for t in covered if t in position]
        )
        if not hits:
            return words, 0.0
        # The stretch around the hits' median, no longer than the source, and no shorter
        # than a few windows.
        middle, reach = hits[len(hits) // 2], len(theirs)
        near = [h for h in hits if abs(h - middle) <= reach]
        first, last = near[0], min(near[-1] + SKETCH_WINDOW, len(words))
        if last - first < 4 * SKETCH_WINDOW:
            first = max(0, min(first, last - 4 * SKETCH_WINDOW))
            last = min(len(words), first + 4 * SKETCH_WINDOW)
    region = words[first:last]
    position = paper.counted_position
    inside = sum(1 for t in covered if first <= position.get(t, -1) < last)
    return region, inside / len(region) if region else 0.0
