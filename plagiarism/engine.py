"""The similarity engine: Python and numpy, no Django, so it can be tested and benchmarked alone.

1. ``tokenize``: words (Unicode ``\\w+``), NFKC-normalised and case-folded, each keeping its
   character offsets in the original text.
2. ``fingerprint``: hashes of word k-grams, selected by winnowing (Schleimer, Wilkerson and
   Aiken, 2003). With k-grams and a window of w hashes, every run of at least
   ``k + w - 1`` words shared by two texts shares at least one selected fingerprint: the
   guarantee. The index stores only the selected fingerprints.
3. ``find_candidates`` (in the index) → ``align``: for each candidate source, all k-grams of
   both texts are compared and matching k-grams are chained into passages, tolerating small
   gaps on both sides, so lightly edited copies come out as one passage.
4. ``score``: every matched word is credited to the earliest text that holds it (oldest
   source first), whoever wrote it: another author's paper, published work, the author's own
   earlier paper or an earlier version of this one. Only words credited to other people's
   texts count towards the score and the flag; self-overlap and earlier versions are
   reported apart. So a paper copied later by someone else is never flagged for that copy.

Exclusions: quoted passages, the references section and passages shorter than
``min_words``.
"""

import bisect
import enum
import hashlib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

import numpy as np

from plagiarism.verdict import Verdict, judge, signals

ALGORITHM_VERSION = "winnow-k3w4-g4-v2"  # v2: attribution, quotation styles, sketches, verdicts
WORD_RE = re.compile(r"\w+", re.UNICODE)
REFERENCES_RE = re.compile(
    r"^[ \t#*]*(?:\d+\.?\s*)?(references|bibliography|works cited|literature cited)[ \t:*]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Each opening mark and the marks that may close it: English, German, French, Swiss,
# Scandinavian and straight quotes, double and single.
QUOTES = {
    '"': '"',
    "“": "”",
    "„": "“”",
    "”": "”",
    "«": "»",
    "»": "«",
    "‹": "›",
    "›": "‹",
    "'": "'",
    "‘": "’",
    "‚": "‘’",
}
QUOTE_MARKS = "".join(sorted(set(QUOTES) | set("".join(QUOTES.values()))))
QUOTE_MARK_RE = re.compile(f"[{re.escape(QUOTE_MARKS)}]")
# Marks that also serve as apostrophes or closing marks: they open a quotation only after a
# space (or the start, or an opening bracket) and before a non-space.
AMBIGUOUS_OPENERS = set("\"'”»›")
# Marks that are apostrophes inside words (don't, l'homme, typographic too): they close only after a
# non-space and before a non-letter.
APOSTROPHES = set("'’")
OPENING_CONTEXT = set(" \t\n\r\u00a0([{<—–-/") | set(QUOTE_MARKS)
MAX_QUOTATION = 2000  # characters: a longer "quotation" is an unclosed mark, not a citation
PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t\r\u00a0]*\n")
BLOCK_QUOTE_MARK_RE = re.compile(r"[ \t]*>")


@dataclass(frozen=True)
class Config:
    k: int = 3  # words per fingerprinted n-gram (chosen by bench/plagiarism_accuracy.py)
    window: int = 4  # winnowing window, in hashes: guarantee k + window - 1 words
    gap: int = 4  # words that may differ between two chained matches, on either side
    min_words: int = 8  # shorter passages are not reported
    threshold: float = 0.10  # flagged at or above (cross-validated: 0.095-0.126 by task)
    exclude_quotes: bool = True
    exclude_block_quotes: bool = True
    exclude_references: bool = True
    max_candidates: int = 50
    min_shared: int = 2  # fingerprints a source must share (about 10 words) to be aligned
    max_df: int = 20  # fingerprints in more sources than this are common phrases: ignored
    max_positions_per_gram: int = 64  # k-grams repeated more often than this are boilerplate
    max_words: int = 0  # a check considers only the paper's first max_words words (0: all)
    verdict_sources: int = 10  # the top candidates get a verdict (plagiarism.verdict)
    sketch_candidates: int = 10  # sources found by word sets alone (heavy revisions) added
    min_sketch_hits: int = 3  # sketch keys a source must share with the paper
    verbatim_words: int = 50  # a run of this many identical words flags the paper, whatever else

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
    words: list[str] = field(default_factory=list)  # the tokens' normalised words

    @property
    def counted_words(self) -> int:
        return sum(self.counted)

    @cached_property
    def counted_words_list(self) -> list[str]:
        """The counted words, normalised, in order: made once, read for every source."""
        words = self.words or [t.word for t in self.tokens]
        return [word for word, counted in zip(words, self.counted, strict=True) if counted]

    @cached_property
    def counted_position(self) -> dict[int, int]:
        """Each counted token's index among the counted words, by its index among tokens."""
        return {t: n for n, t in enumerate(n for n, c in enumerate(self.counted) if c)}

    @cached_property
    def starts(self) -> list[int]:
        """The tokens' start offsets, in order: a character offset finds its token by bisection."""
        return [token.start for token in self.tokens]


class SourceKind(enum.StrEnum):
    """Whose text a source is, seen from the paper checked. Only the first two count."""

    OTHER = "submission", "another submission"
    PUBLISHED = "published", "published work"
    OWN = "own", "your earlier paper"
    VERSION = "version", "an earlier version"

    def __new__(cls, value: str, label: str) -> "SourceKind":
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @property
    def counts(self) -> bool:
        return self in (SourceKind.OTHER, SourceKind.PUBLISHED)


@dataclass(frozen=True)
class Passage:
    source_id: str
    start: int  # character offsets in the paper
    end: int
    source_start: int  # character offsets in the source
    source_end: int
    words: int  # words of the paper the passage covers
    source_version: int = 0  # the version of the source it was found in (0: not versioned)
    verbatim: int = 0  # the longest run of identical words in it


@dataclass
class SourceMatch:
    source_id: str
    score: float  # share of the paper's counted words this source covers
    words: int
    passages: list[Passage] = field(default_factory=list)
    kind: SourceKind = SourceKind.OTHER
    primary_words: int = 0  # of those, words credited to it (no earlier text holds them)
    share: float = 0.0  # share of the paper's counted words credited to it
    source_version: int = 0  # the version the most words were found in
    verdict: "Verdict | None" = None  # for the top candidates (Config.verdict_sources)
    later: bool = False  # it arrived after the paper: a copy of it, credited nothing

    @property
    def verbatim(self) -> int:
        return max((p.verbatim for p in self.passages), default=0)

    @property
    def implicates(self) -> bool:
        """Whether this source's verdict or a long verbatim passage can flag the paper: other
        people's earlier text, which earlier texts do not explain (most of the words it holds
        are credited to it)."""
        return (
            self.kind.counts
            and not self.later
            and (self.words == 0 or 2 * self.primary_words >= self.words)
        )

    @property
    def self_overlap(self) -> bool:
        return self.kind == SourceKind.OWN


@dataclass
class Report:
    score: float  # the share of counted words credited to other people's texts
    flagged: bool
    counted_words: int
    sources: list[SourceMatch]  # other people's texts, most credited words first
    self_overlap: list[SourceMatch]  # the author's own earlier papers
    earlier_versions: list[SourceMatch] = field(default_factory=list)  # at most one
    excluded_words: int = 0  # words not counted: quotations, block quotations, references
    flag_reasons: list[str] = field(default_factory=list)  # why it is flagged, if it is
    own_score: float = 0.0  # share credited to the author's own earlier papers
    versions_score: float = 0.0  # share credited to earlier versions of this paper
    algorithm_version: str = ALGORITHM_VERSION
    words_limit: int | None = None  # set when the paper was longer and cut to this many words

    @property
    def matches(self) -> list[SourceMatch]:
        return [*self.sources, *self.self_overlap, *self.earlier_versions]


class Source(Protocol):
    id: str
    text: str
    author_id: object
    order: object  # when it entered the corpus: words shared by several go to the earliest
    version: int  # which version of the source the text is (0: not versioned)


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


class Corpus(Protocol):
    """What the engine needs of an index: candidates by shared fingerprints, and texts.

    ``candidates`` ranks sources by their best stretch of the paper (``best_stretches``):
    the most distinct fingerprints they share within ``2 * DIAGONAL_BAND`` words of the
    paper. A copied passage puts its hits close together; phrases two unrelated texts happen
    to share scatter over the paper. (The index keeps no positions in the sources: the
    alignment finds them in the source's text.) Fingerprints held by more than ``max_df``
    sources are ignored."""

    def candidates(
        self, fingerprints: Sequence[tuple[int, int]], limit: int, min_shared: int
    ) -> list[tuple[str, int]]: ...

    def sources(self, ids: Sequence[str]) -> list[Source]: ...

    def similar(self, keys: Sequence[int], limit: int, min_hits: int) -> list[tuple[str, int]]:
        """Sources sharing at least ``min_hits`` of the paper's sketch keys, most first."""
        ...


# -- 1. tokens ----------------------------------------------------------------------------------
def normalise(word: str) -> str:
    return word.lower() if word.isascii() else unicodedata.normalize("NFKC", word).casefold()


def tokenize(text: str) -> list[Token]:
    make = tuple.__new__  # Token(...) through its __new__ costs a third of a paper's tokens
    if text.isascii():  # lower-cased whole, offsets unchanged: what normalise does per word
        return [make(Token, (m.group(), *m.span())) for m in WORD_RE.finditer(text.lower())]
    return [make(Token, (normalise(m.group()), *m.span())) for m in WORD_RE.finditer(text)]


def _can_open(text: str, i: int) -> bool:
    after = text[i + 1 : i + 2]
    if not after or (after.isspace() and text[i] not in "«‹„‚“‘"):
        return False
    if text[i] in AMBIGUOUS_OPENERS:
        return i == 0 or text[i - 1] in OPENING_CONTEXT
    return True


def _can_close(text: str, i: int) -> bool:
    if text[i] in APOSTROPHES:
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        return bool(before) and not before.isspace() and not (after and after.isalnum())
    return True


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of quotations, in order: an opening mark, up to the first mark that
    can close it within ``MAX_QUOTATION`` characters and the same paragraph. Marks inside
    a quotation are part of it. Linear in the text's length: openings are taken in order
    and each set of closing marks is searched with a pointer that only moves forward."""
    marks = [m.start() for m in QUOTE_MARK_RE.finditer(text)]
    closing: dict[str, list[int]] = defaultdict(list)  # closing set -> positions, in order
    for i in marks:
        if _can_close(text, i):
            for closers in {c for c in QUOTES.values() if text[i] in c}:
                closing[closers].append(i)
    pointers: dict[str, int] = defaultdict(int)
    breaks = [m.start() for m in PARAGRAPH_BREAK_RE.finditer(text)]
    next_break = 0
    spans: list[tuple[int, int]] = []
    after = 0
    for i in marks:
        if i < after or text[i] not in QUOTES or not _can_open(text, i):
            continue
        closers = QUOTES[text[i]]
        positions = closing[closers]
        n = pointers[closers]
        while n < len(positions) and positions[n] <= i:
            n += 1
        pointers[closers] = n
        while next_break < len(breaks) and breaks[next_break] < i:
            next_break += 1
        if n == len(positions):
            continue  # never closed
        j = positions[n]
        paragraph_end = breaks[next_break] if next_break < len(breaks) else len(text)
        if j < paragraph_end and j - i <= MAX_QUOTATION:
            spans.append((i, j + 1))
            after = j + 1
    return spans


def block_quotation_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of block quotations: lines marked with ``>``, or indented further
    than the text's usual indentation (the most common one) by four columns or more. One
    pass over the lines."""
    lines: list[tuple[int, int, int, bool]] = []  # start, end, indentation, marked
    indentations: dict[int, int] = defaultdict(int)
    start = 0
    for line in text.splitlines(keepends=True):
        end = start + len(line)
        body = line.lstrip(" \t")
        if body.strip():
            width = len(line[: len(line) - len(body)].expandtabs(4))
            lines.append((start, end, width, BLOCK_QUOTE_MARK_RE.match(line) is not None))
            indentations[width] += 1
        start = end
    if not lines:
        return []
    usual = max(indentations, key=lambda width: (indentations[width], -width))
    spans: list[tuple[int, int]] = []
    for start, end, width, marked in lines:
        if marked or width >= usual + 4:
            if spans and spans[-1][1] >= start - 1:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def excluded_spans(text: str, config: Config) -> list[tuple[int, int]]:
    """Character spans whose words do not count: quotations (every common style of quotation
    mark), block quotations and the references section. Linear in the text's length."""
    spans: list[tuple[int, int]] = []
    if config.exclude_references:
        headings = list(REFERENCES_RE.finditer(text))
        # Only a heading in the last half of the text: "references" early on is prose.
        if headings and headings[-1].start() > len(text) / 2:
            spans.append((headings[-1].start(), len(text)))
    if config.exclude_quotes:
        spans += quotation_spans(text)
    if config.exclude_block_quotes:
        spans += block_quotation_spans(text)
    return spans


def _counted(starts: Sequence[int], spans: list[tuple[int, int]]) -> list[bool]:
    """Whether each token (by its start offset) lies outside every span: the spans merged,
    then one pass."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    counted = [True] * len(starts)
    if not merged:
        return counted
    s = 0
    for n, start in enumerate(starts):
        while s < len(merged) and merged[s][1] <= start:
            s += 1
        if s < len(merged) and merged[s][0] <= start:
            counted[n] = False
    return counted


def gram_hash(words: Iterable[str]) -> int:
    """A stable signed 64-bit hash (it fits PostgreSQL's bigint)."""
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def prepare(text: str, config: Config = Config()) -> Document:
    tokens = tokenize(text)
    counted = _counted([t.start for t in tokens], excluded_spans(text, config))
    words = [t.word for t in tokens]
    return Document(text, tokens, counted, _gram_hashes(words, config.k), words)


def prepare_for_index(text: str, config: Config = Config()) -> Document:
    """``prepare`` without the tokens' offsets, which only the alignment needs: the same
    words, counted flags and k-gram hashes, so the same fingerprints and sketch, in about
    two thirds of the time (an import prepares every paper of a catalogue)."""
    spans = excluded_spans(text, config)
    if text.isascii():
        words = WORD_RE.findall(text.lower())
    else:
        words = [normalise(w) for w in WORD_RE.findall(text)]
    starts = [m.start() for m in WORD_RE.finditer(text)] if spans else [0] * len(words)
    counted = _counted(starts, spans)
    return Document(text, [], counted, _gram_hashes(words, config.k), words)


def _gram_hashes(words: list[str], k: int) -> list[int]:
    """``gram_hash`` of every k-gram, inlined: a paper has thousands."""
    blake, to_int = hashlib.blake2b, int.from_bytes
    return [
        to_int(blake(" ".join(gram).encode(), digest_size=8).digest(), "big", signed=True)
        for gram in zip(*(words[j:] for j in range(k)), strict=False)
    ]


def counted_words(document: Document) -> list[str]:
    """The document's counted words, normalised, in order (the verdict's input)."""
    return document.counted_words_list


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


# -- 3. alignment -------------------------------------------------------------------------------
def align(
    paper: Document,
    source: Document,
    source_id: str,
    config: Config = Config(),
    source_version: int = 0,
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
        run = longest = 1
        for (i0, j0), (i1, j1) in itertools.pairwise(chain):
            run = run + 1 if (i1 - i0, j1 - j0) == (1, 1) else 1
            longest = max(longest, run)
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
                source_version=source_version,
                verbatim=longest + k - 1,
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


def kind_of(source: Source, author_id: object) -> SourceKind:
    if getattr(source, "published", False):
        return SourceKind.PUBLISHED
    if author_id is not None and source.author_id == author_id:
        return SourceKind.OWN
    return SourceKind.OTHER


def check(
    text: str,
    corpus: Corpus,
    *,
    author_id: object = None,
    exclude_ids: Iterable[str] = (),
    earlier_versions: Sequence[Source] = (),
    arrived: object = None,
    config: Config = Config(),
    judge: Callable[[dict[str, float]], Verdict] = judge,
) -> Report:
    """Compare ``text`` with the corpus (and with ``earlier_versions`` of the same paper,
    always, their ``order`` in the corpus's terms) and report what it shares with whom.
    ``arrived``: when the text itself arrived, in the same terms; texts that arrived later
    (copies of it, found when a paper is checked again) are listed but credited nothing.
    ``judge``: the verdict model (the shipped one; a benchmark passes one fitted per fold)."""
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
    judged = set(ids[: config.verdict_sources])  # the best candidates by runs of words...
    by_sets: set[str] = set()
    paper_sketch = sketch_at(paper, stride=1)  # every window: one lines up with each indexed
    if config.sketch_candidates:
        found_by_sets = corpus.similar(
            sorted({key for key, _ in paper_sketch}),
            config.sketch_candidates + len(excluded) + len(ids),
            config.min_sketch_hits,
        )
        more = [i for i, _ in found_by_sets if i not in excluded and i not in ids]
        ids += more[: config.sketch_candidates]
        by_sets = {i for i, _ in found_by_sets[: config.sketch_candidates]}
        judged |= by_sets  # ...and by word sets
    texts = [(s, kind_of(s, author_id)) for s in corpus.sources(ids)]
    texts += [(v, SourceKind.VERSION) for v in earlier_versions]
    # Oldest first: a word found in an original and in a later copy of it is the original's.
    texts.sort(key=lambda pair: pair[0].order)
    attributed: set[int] = set()  # words credited to some text already
    counted_credit: dict[SourceKind, set[int]] = defaultdict(set)
    found: dict[tuple[str, SourceKind], dict] = {}  # a source's versions are one source
    for source, kind in texts:
        version = getattr(source, "version", 0)
        document = prepare(source.text, config)
        passages = align(paper, document, source.id, config, version)
        covered = covered_tokens(paper, passages)
        later = arrived is not None and source.order > arrived
        verdict = None
        # A candidate sharing no passage is judged only if its word sets matched.
        if (
            source.id in judged
            and kind != SourceKind.VERSION
            and (passages or source.id in by_sets)
        ):
            region, coverage = region_of(paper, document, covered, paper_sketch)
            verdict = judge(signals(region, counted_words(document), coverage))
        if not passages and (verdict is None or verdict.label == "unrelated"):
            continue
        credited = set() if later else covered - attributed
        attributed |= credited
        counted_credit[kind] |= credited
        entry = found.setdefault(
            (source.id, kind),
            {"covered": set(), "credited": set(), "passages": [], "by": {}, "later": later},
        )
        entry["verdict"] = verdict or entry.get("verdict")
        entry["covered"] |= covered
        entry["credited"] |= credited
        entry["passages"] += passages
        entry["by"][version] = entry["by"].get(version, 0) + len(covered)

    def share(tokens: set[int]) -> float:
        return len(tokens) / total if total else 0.0

    matches = [
        SourceMatch(
            source_id=source_id,
            score=share(entry["covered"]),
            words=len(entry["covered"]),
            passages=sorted(entry["passages"], key=lambda p: (p.start, p.source_version)),
            kind=kind,
            primary_words=len(entry["credited"]),
            share=share(entry["credited"]),
            source_version=max(entry["by"], key=entry["by"].get),
            verdict=entry["verdict"],
            later=entry["later"],
        )
        for (source_id, kind), entry in found.items()
    ]

    def rank(match: SourceMatch) -> tuple[int, float]:
        return (-match.primary_words, -match.score)

    def of(*kinds: SourceKind) -> list[SourceMatch]:
        return sorted((m for m in matches if m.kind in kinds), key=rank)

    score = share(counted_credit[SourceKind.OTHER] | counted_credit[SourceKind.PUBLISHED])
    # Flagged by the share of words, by a source the model judges the paper was made from
    # (a heavy revision shares few passages), or by one long verbatim passage.
    implicated = [m for m in matches if m.implicates]
    reasons = []
    if score >= config.threshold:
        reasons.append(f"{score:.0%} of the words are other people's")
    if any(m.verdict and m.verdict.label != "unrelated" for m in implicated):
        reasons.append("a source the paper was made from, by its verdict")
    if any(m.verbatim >= config.verbatim_words and m.primary_words for m in implicated):
        reasons.append(f"a passage of {config.verbatim_words} or more identical words")
    return Report(
        score=score,
        flagged=bool(reasons),
        flag_reasons=reasons,
        counted_words=total,
        sources=of(SourceKind.OTHER, SourceKind.PUBLISHED),
        self_overlap=of(SourceKind.OWN),
        earlier_versions=of(SourceKind.VERSION),
        excluded_words=len(paper.tokens) - total,
        own_score=share(counted_credit[SourceKind.OWN]),
        versions_score=share(counted_credit[SourceKind.VERSION]),
        words_limit=words_limit,
    )


@dataclass
class MemoryCorpus:
    """An in-memory index with the same behaviour as the PostgreSQL one, for tests and
    benchmarks of the engine alone."""

    config: Config = field(default_factory=Config)
    postings: dict[int, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    documents: dict[str, "MemorySource"] = field(default_factory=dict)

    sketches: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, source_id: str, text: str, author_id: object = None) -> None:
        self.documents[source_id] = MemorySource(source_id, text, author_id, len(self.documents))
        document = prepare(text, self.config)
        for gram, position in fingerprint(document, self.config):
            self.postings[gram].append((source_id, position))
        for key in sketch(document):
            self.sketches[key].add(source_id)

    def similar(self, keys: Sequence[int], limit: int, min_hits: int) -> list[tuple[str, int]]:
        hits: dict[str, int] = defaultdict(int)
        for key in keys:
            holders = self.sketches.get(key, ())
            if len(holders) <= self.config.max_df:
                for source_id in holders:
                    hits[source_id] += 1
        ranked = sorted(hits.items(), key=lambda item: -item[1])
        return [(source_id, n) for source_id, n in ranked if n >= min_hits][:limit]

    def candidates(
        self, fingerprints: Sequence[tuple[int, int]], limit: int, min_shared: int
    ) -> list[tuple[str, int]]:
        names = sorted(self.documents)
        number = {name: n for n, name in enumerate(names)}
        pairs = set()
        for gram, _ in fingerprints:
            holders = {source_id for source_id, _ in self.postings.get(gram, ())}
            if len(holders) <= self.config.max_df:
                pairs |= {(gram, number[source_id]) for source_id in holders}
        if not pairs:
            return []
        columns = zip(*pairs, strict=True)
        pair_terms, pair_docs = (np.array(column, dtype=np.int64) for column in columns)
        docs, hits = best_stretches(
            pair_terms,
            pair_docs,
            np.array([gram for gram, _ in fingerprints], dtype=np.int64),
            np.array([position for _, position in fingerprints], dtype=np.int64),
        )
        best = {names[doc]: hit for doc, hit in zip(docs.tolist(), hits.tolist(), strict=True)}
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [(source_id, hits) for source_id, hits in ranked if hits >= min_shared][:limit]

    def sources(self, ids: Sequence[str]) -> list["MemorySource"]:
        return [self.documents[i] for i in ids]


@dataclass(frozen=True)
class MemorySource:
    id: str
    text: str
    author_id: object = None
    order: int = 0
    version: int = 0
