"""Aligning a paper with a candidate source into passages that survive small edits."""

import itertools
from collections import defaultdict

from plagiarism.engine.model import Config, Document, Passage


# -- 3. alignment -------------------------------------------------------------------------------
def align(
    paper: Document,
    source: Document,
    source_id: str,
    config: Config = Config(),
    source_version: int = 0,
) -> list[Passage]:
    """Passages of ``paper`` found in ``source``: matching k-grams chained with small gaps."""
    passages = []
    for chain in _chains(paper, source, config):
        passage = _passage(chain, paper, source, source_id, config, source_version)
        if passage is not None:
            passages.append(passage)
    return _drop_contained(passages)


def _chains(paper: Document, source: Document, config: Config) -> list[list[tuple[int, int]]]:
    """Seeds (i, j) where the paper's k-gram i is the source's k-gram j (counted words only),
    chained: each seed joins the open chain it continues most closely, within the gap."""
    k = config.k
    positions: dict[int, list[int]] = defaultdict(list)
    for j, gram in enumerate(source.grams):
        if all(source.counted[j : j + k]):
            positions[gram].append(j)
    chains: list[list[tuple[int, int]]] = []  # each: seeds (i, j), increasing in both
    open_chains: list[list[tuple[int, int]]] = []
    reach = k + config.gap
    for i, gram in enumerate(paper.grams):
        found = positions.get(gram)
        if not found or len(found) > config.max_positions_per_gram:
            continue
        if not all(paper.counted[i : i + k]):
            continue
        open_chains = [c for c in open_chains if i - c[-1][0] <= reach]
        for j in found:
            best = _closest(open_chains, i, j, reach)
            if best is not None:
                best.append((i, j))
            else:
                chain = [(i, j)]
                chains.append(chain)
                open_chains.append(chain)
    return chains


def _closest(chains: list[list[tuple[int, int]]], i: int, j: int, reach: int):
    """The chain that seed (i, j) continues with the smallest step, or None."""
    best = None
    for chain in chains:
        li, lj = chain[-1]
        if (
            0 < i - li <= reach
            and 0 < j - lj <= reach
            and (best is None or (i - li) + (j - lj) < (i - best[-1][0]) + (j - best[-1][1]))
        ):
            best = chain
    return best


def _passage(chain, paper: Document, source: Document, source_id, config, version):
    """The passage a chain spans, or None when it has fewer than ``min_words`` counted."""
    k = config.k
    (qi, sj), (qe, se) = chain[0], chain[-1]
    run = longest = 1
    for (i0, j0), (i1, j1) in itertools.pairwise(chain):
        run = run + 1 if (i1 - i0, j1 - j0) == (1, 1) else 1
        longest = max(longest, run)
    first, last = qi, qe + k - 1
    words = sum(paper.counted[first : last + 1])
    if words < config.min_words:
        return None
    return Passage(
        source_id=source_id,
        start=paper.tokens[first].start,
        end=paper.tokens[last].end,
        source_start=source.tokens[sj].start,
        source_end=source.tokens[se + k - 1].end,
        words=words,
        source_version=version,
        verbatim=longest + k - 1,
    )


def _drop_contained(passages: list[Passage]) -> list[Passage]:
    """A passage inside a longer one of the same source adds nothing but noise."""
    kept: list[Passage] = []
    for p in sorted(passages, key=lambda p: (p.start, -(p.end - p.start))):
        if kept and kept[-1].start <= p.start and p.end <= kept[-1].end:
            continue
        kept.append(p)
    return kept
