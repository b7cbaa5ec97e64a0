"""The similarity engine: pure Python, no Django, so it can be tested and benchmarked alone.

1. ``tokenize``: words (Unicode ``\\w+``), NFKC-normalised and case-folded, each keeping its
   character offsets in the original text.
2. ``fingerprint``: hashes of word k-grams, selected by winnowing (Schleimer, Wilkerson and
   Aiken, 2003). With k-grams and a window of w hashes, every run of at least
   ``k + w - 1`` words shared by two texts shares at least one selected fingerprint: the
   guarantee. The index stores only the selected fingerprints.
3. ``find_candidates`` (in the index) → ``align``: for each candidate source, all k-grams of
   both texts are compared and matching k-grams are chained into passages, tolerating small
   gaps on both sides, so lightly edited copies come out as one passage.
4. ``score``: the share of the paper's counted words covered by passages (each word once,
   however many sources match it), a score per source, and a flag above a threshold.

Exclusions: quoted passages, the references section, passages shorter than ``min_words``,
and sources by the same author (reported separately as self-overlap).
"""

import bisect
import hashlib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

ALGORITHM_VERSION = "winnow-k3w4-g4"
WORD_RE = re.compile(r"\w+", re.UNICODE)
REFERENCES_RE = re.compile(
    r"^[ \t#*]*(?:\d+\.?\s*)?(references|bibliography|works cited|literature cited)[ \t:*]*$",
    re.IGNORECASE | re.MULTILINE,
)
QUOTE_PAIRS = {"“": "”", '"': '"', "«": "»", "„": "“"}
QUOTE_OPEN_RE = re.compile("[" + "".join(QUOTE_PAIRS) + "]")


@dataclass(frozen=True)
class Config:
    k: int = 3  # words per fingerprinted n-gram (chosen by bench/plagiarism_accuracy.py)
    window: int = 4  # winnowing window, in hashes: guarantee k + window - 1 words
    gap: int = 4  # words that may differ between two chained matches, on either side
    min_words: int = 8  # shorter passages are not reported
    threshold: float = 0.10  # flagged at or above (cross-validated: 0.095-0.126 by task)
    exclude_quotes: bool = True
    exclude_references: bool = True
    max_candidates: int = 50
    min_shared: int = 2  # fingerprints a source must share (about 10 words) to be aligned
    max_df: int = 20  # fingerprints in more sources than this are common phrases: ignored
    max_positions_per_gram: int = 64  # k-grams repeated more often than this are boilerplate
    max_words: int = 0  # a check considers only the paper's first max_words words (0: all)

    @property
    def guarantee(self) -> int:
        return self.k + self.window - 1


class Token(NamedTuple):  # a tuple: a paper has thousands, made on every check
    word: str  # normalised
    start: int  # character offsets in the original text
    end: int


@dataclass
class Document:
    """A text prepared for matching: tokens, which ones count, and k-gram hashes."""

    text: str
    tokens: list[Token]
    counted: list[bool]  # False for quoted or reference-section words
    grams: list[int]  # hash of the k-gram starting at each token (len = tokens - k + 1)

    @property
    def counted_words(self) -> int:
        return sum(self.counted)

    @cached_property
    def starts(self) -> list[int]:
        """The tokens' start offsets, in order: a character offset finds its token by bisection."""
        return [token.start for token in self.tokens]


@dataclass(frozen=True)
class Passage:
    source_id: str
    start: int  # character offsets in the paper
    end: int
    source_start: int  # character offsets in the source
    source_end: int
    words: int  # words of the paper the passage covers


@dataclass
class SourceMatch:
    source_id: str
    score: float  # share of the paper's counted words this source covers
    words: int
    passages: list[Passage] = field(default_factory=list)
    self_overlap: bool = False
    primary_words: int = 0  # of those, words no earlier source covers: the ranking key


@dataclass
class Report:
    score: float
    flagged: bool
    counted_words: int
    sources: list[SourceMatch]
    self_overlap: list[SourceMatch]
    algorithm_version: str = ALGORITHM_VERSION
    words_limit: int | None = None  # set when the paper was longer and cut to this many words


class Source(Protocol):
    id: str
    text: str
    author_id: object
    order: object  # when it entered the corpus: words shared by several go to the earliest


DIAGONAL_BAND = 40  # words: hits of one copied passage stay within this of each other


class Corpus(Protocol):
    """What the engine needs of an index: candidates by shared fingerprints, and texts.

    ``candidates`` ranks sources by their best diagonal: the most shared fingerprints whose
    position in the source minus the position in the paper falls in one band of
    ``DIAGONAL_BAND`` words. A copied passage puts all its hits on one diagonal; phrases two
    unrelated texts happen to share scatter. Fingerprints held by more than ``max_df``
    sources are ignored."""

    def candidates(
        self, fingerprints: Sequence[tuple[int, int]], limit: int, min_shared: int
    ) -> list[tuple[str, int]]: ...

    def sources(self, ids: Sequence[str]) -> list[Source]: ...


# -- 1. tokens ----------------------------------------------------------------------------------
def normalise(word: str) -> str:
    return word.lower() if word.isascii() else unicodedata.normalize("NFKC", word).casefold()


def tokenize(text: str) -> list[Token]:
    return [Token(normalise(m.group()), *m.span()) for m in WORD_RE.finditer(text)]


def excluded_spans(text: str, config: Config) -> list[tuple[int, int]]:
    """Character spans whose words do not count: quotations and the references section.

    One pass over the openings, each finding its closing mark and checking for a paragraph
    break in between by bisection over positions found once: O(n log n) in the text's
    length, however many quotation marks it holds (a text of thousands of tiny or unclosed
    quotations costs no more than prose).
    """
    spans: list[tuple[int, int]] = []
    if config.exclude_references:
        headings = list(REFERENCES_RE.finditer(text))
        # Only a heading in the last half of the text: "references" early on is prose.
        if headings and headings[-1].start() > len(text) / 2:
            spans.append((headings[-1].start(), len(text)))
    if config.exclude_quotes:
        closings = {
            close: [m.start() for m in re.finditer(re.escape(close), text)]
            for close in set(QUOTE_PAIRS.values())
        }
        breaks = [m.start() for m in re.finditer("\n\n", text)]
        after = 0
        for opening in QUOTE_OPEN_RE.finditer(text):
            i = opening.start()
            if i < after:
                continue  # inside the quotation just closed
            positions = closings[QUOTE_PAIRS[text[i]]]
            n = bisect.bisect_right(positions, i)
            if n == len(positions):
                continue  # never closed
            j = positions[n]
            b = bisect.bisect_right(breaks, i)
            paragraph_break = b < len(breaks) and breaks[b] + 1 < j
            if j - i <= 2000 and not paragraph_break:
                spans.append((i, j + 1))
                after = j + 1
    return spans


def _counted(tokens: Sequence[Token], spans: list[tuple[int, int]]) -> list[bool]:
    """Whether each token lies outside every span: the spans merged, then one pass."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    counted = [True] * len(tokens)
    s = 0
    for n, token in enumerate(tokens):
        while s < len(merged) and merged[s][1] <= token.start:
            s += 1
        if s < len(merged) and merged[s][0] <= token.start:
            counted[n] = False
    return counted


def gram_hash(words: Iterable[str]) -> int:
    """A stable signed 64-bit hash (it fits PostgreSQL's bigint)."""
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def prepare(text: str, config: Config = Config()) -> Document:
    tokens = tokenize(text)
    counted = _counted(tokens, excluded_spans(text, config))
    words = [t.word for t in tokens]
    grams = [gram_hash(words[i : i + config.k]) for i in range(len(words) - config.k + 1)]
    return Document(text=text, tokens=tokens, counted=counted, grams=grams)


# -- 2. winnowing -------------------------------------------------------------------------------
def winnow(grams: Sequence[int], window: int) -> list[tuple[int, int]]:
    """(hash, position) of the fingerprints winnowing selects: in every window of
    ``window`` consecutive hashes, the smallest (the rightmost one on ties), each once."""
    if not grams:
        return []
    if len(grams) <= window:
        position = min(range(len(grams)), key=lambda i: (grams[i], -i))
        return [(grams[position], position)]
    selected: list[tuple[int, int]] = []
    last = -1
    for start in range(len(grams) - window + 1):
        best = start
        for i in range(start + 1, start + window):
            if grams[i] <= grams[best]:
                best = i
        if best != last:
            selected.append((grams[best], best))
            last = best
    return selected


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


# -- 3. alignment -------------------------------------------------------------------------------
def align(
    paper: Document,
    source: Document,
    source_id: str,
    config: Config = Config(),
) -> list[Passage]:
    """Passages of ``paper`` found in ``source``: matching k-grams chained with small gaps."""
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
            best = None
            for chain in open_chains:
                li, lj = chain[-1]
                if (
                    0 < i - li <= reach
                    and 0 < j - lj <= reach
                    and (
                        best is None or (i - li) + (j - lj) < (i - best[-1][0]) + (j - best[-1][1])
                    )
                ):
                    best = chain
            if best is not None:
                best.append((i, j))
            else:
                chain = [(i, j)]
                chains.append(chain)
                open_chains.append(chain)
    passages = []
    for chain in chains:
        (qi, sj), (qe, se) = chain[0], chain[-1]
        first, last = qi, qe + k - 1
        words = sum(paper.counted[first : last + 1])
        if words < config.min_words:
            continue
        passages.append(
            Passage(
                source_id=source_id,
                start=paper.tokens[first].start,
                end=paper.tokens[last].end,
                source_start=source.tokens[sj].start,
                source_end=source.tokens[se + k - 1].end,
                words=words,
            )
        )
    return _drop_contained(passages)


def _drop_contained(passages: list[Passage]) -> list[Passage]:
    """A passage inside a longer one of the same source adds nothing but noise."""
    kept: list[Passage] = []
    for p in sorted(passages, key=lambda p: (p.start, -(p.end - p.start))):
        if kept and kept[-1].start <= p.start and p.end <= kept[-1].end:
            continue
        kept.append(p)
    return kept


# -- 4. the report ------------------------------------------------------------------------------
def covered_tokens(document: Document, passages: Iterable[Passage]) -> set[int]:
    """Indexes of the counted words of ``document`` inside any of ``passages``."""
    covered: set[int] = set()
    starts, counted = document.starts, document.counted
    for passage in passages:
        first = bisect.bisect_left(starts, passage.start)
        last = bisect.bisect_left(starts, passage.end)  # tokens starting before the end
        covered.update(n for n in range(first, last) if counted[n])
    return covered


def check(
    text: str,
    corpus: Corpus,
    *,
    author_id: object = None,
    exclude_ids: Iterable[str] = (),
    config: Config = Config(),
) -> Report:
    """Compare ``text`` with the corpus and report what it shares with which sources."""
    words_limit = None
    if config.max_words:
        words = list(itertools.islice(WORD_RE.finditer(text), config.max_words + 1))
        if len(words) > config.max_words:
            text, words_limit = text[: words[config.max_words - 1].end()], config.max_words
    paper = prepare(text, config)
    total = paper.counted_words
    prints = fingerprint(paper, config)
    excluded = set(exclude_ids)
    ranked = corpus.candidates(prints, config.max_candidates + len(excluded), config.min_shared)
    ids = [source_id for source_id, _ in ranked if source_id not in excluded]
    ids = ids[: config.max_candidates]
    matches: list[SourceMatch] = []
    attributed: set[int] = set()
    # Oldest first: a passage found in an original and in a later copy of it is the original's.
    for source in sorted(corpus.sources(ids), key=lambda source: source.order):
        passages = align(paper, prepare(source.text, config), source.id, config)
        if not passages:
            continue
        covered = covered_tokens(paper, passages)
        own_work = author_id is not None and source.author_id == author_id
        primary = covered - attributed
        if not own_work:
            attributed |= covered
        matches.append(
            SourceMatch(
                source_id=source.id,
                score=len(covered) / total if total else 0.0,
                words=len(covered),
                passages=passages,
                self_overlap=own_work,
                primary_words=len(primary),
            )
        )

    def rank(match: SourceMatch) -> tuple[int, float]:
        return (-match.primary_words, -match.score)

    others = sorted((m for m in matches if not m.self_overlap), key=rank)
    own = sorted((m for m in matches if m.self_overlap), key=rank)
    score = len(attributed) / total if total else 0.0
    return Report(
        score=score,
        flagged=score >= config.threshold,
        counted_words=total,
        sources=others,
        self_overlap=own,
        words_limit=words_limit,
    )


@dataclass
class MemoryCorpus:
    """An in-memory index with the same behaviour as the PostgreSQL one, for tests and
    benchmarks of the engine alone."""

    config: Config = field(default_factory=Config)
    postings: dict[int, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    documents: dict[str, "MemorySource"] = field(default_factory=dict)

    def add(self, source_id: str, text: str, author_id: object = None) -> None:
        self.documents[source_id] = MemorySource(source_id, text, author_id, len(self.documents))
        for gram, position in fingerprint(prepare(text, self.config), self.config):
            self.postings[gram].append((source_id, position))

    def candidates(
        self, fingerprints: Sequence[tuple[int, int]], limit: int, min_shared: int
    ) -> list[tuple[str, int]]:
        bands: dict[tuple[str, int], int] = defaultdict(int)
        for gram, paper_position in fingerprints:
            holders = self.postings.get(gram, ())
            if len({source_id for source_id, _ in holders}) > self.config.max_df:
                continue
            for source_id, position in holders:
                bands[source_id, (position - paper_position) // DIAGONAL_BAND] += 1
        best: dict[str, int] = defaultdict(int)
        for (source_id, _), hits in bands.items():
            best[source_id] = max(best[source_id], hits)
        ranked = sorted(best.items(), key=lambda item: -item[1])
        return [(source_id, hits) for source_id, hits in ranked if hits >= min_shared][:limit]

    def sources(self, ids: Sequence[str]) -> list["MemorySource"]:
        return [self.documents[i] for i in ids]


@dataclass(frozen=True)
class MemorySource:
    id: str
    text: str
    author_id: object = None
    order: int = 0
