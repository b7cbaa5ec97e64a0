"""The engine's data: its configuration, tokens, prepared documents, passages, matches, the
report, and what it asks of a corpus."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

from plagiarism.verdict import Verdict

ALGORITHM_VERSION = "winnow-k3w4-g4-v2"  # v2: attribution, quotation styles, sketches, verdicts


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
