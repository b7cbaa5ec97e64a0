"""Ranking candidate sources by their best stretch of the paper: a copied passage puts its
shared fingerprints close together; phrases two unrelated texts happen to share scatter."""

import numpy as np

DIAGONAL_BAND = 40  # words: hits of one copied passage stay within this of each other


def best_stretches(
    pair_terms: np.ndarray,
    pair_docs: np.ndarray,
    terms: np.ndarray,
    positions: np.ndarray,
    band: int = DIAGONAL_BAND,
) -> tuple[np.ndarray, np.ndarray]:
    """(documents, hits): for each document holding some of the paper's terms (the pairs
    (term, document), distinct), the most distinct terms it shares that the paper has within
    two neighbouring bands of ``band`` words (``terms[i]`` is at word ``positions[i]``)."""
    if not len(pair_terms):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.argsort(terms, kind="stable")
    sorted_terms, sorted_bands = terms[order], positions[order] // band
    first = np.searchsorted(sorted_terms, pair_terms, side="left")
    last = np.searchsorted(sorted_terms, pair_terms, side="right")
    counts = last - first  # a term the paper has more than once: each of its places
    index = np.repeat(first, counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    docs, bands, held = np.repeat(pair_docs, counts), sorted_bands[index], pair_terms.repeat(counts)
    # A term counts once per band; each band's hits are added to the next band's.
    cells = np.unique(np.stack([docs, bands, held.astype(np.int64)]), axis=1)
    keys, hits = np.unique(cells[0] * (1 << 32) + cells[1], return_counts=True)
    following = np.searchsorted(keys, keys + 1)
    found = following < len(keys)
    pairs = hits.copy()
    pairs[found] += np.where(keys[following[found]] == keys[found] + 1, hits[following[found]], 0)
    owners = keys >> 32
    documents, starts = np.unique(owners, return_index=True)
    return documents, np.maximum.reduceat(pairs, starts)
