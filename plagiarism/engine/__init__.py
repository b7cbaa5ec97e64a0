"""The similarity engine: Python and numpy, no Django, so it can be tested and benchmarked alone.
Its parts: ``model`` (configuration, documents, passages, the report), ``tokens``, ``quotations``
(what is not counted), ``fingerprints`` (winnowing and sketches), ``ranking`` (candidates by
their best stretch), ``alignment`` and ``check`` (attribution, verdicts, the report).

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

from plagiarism.engine.alignment import (
    align,
)
from plagiarism.engine.check import (
    MemoryCorpus,
    MemorySource,
    check,
    covered_tokens,
    kind_of,
)
from plagiarism.engine.fingerprints import (
    SKETCH_BANDS,
    SKETCH_ROWS,
    SKETCH_STRIDE,
    SKETCH_WINDOW,
    fingerprint,
    region_of,
    sketch,
    sketch_at,
    winnow,
)
from plagiarism.engine.model import (
    ALGORITHM_VERSION,
    Config,
    Corpus,
    Document,
    Passage,
    Report,
    Source,
    SourceKind,
    SourceMatch,
    Token,
)
from plagiarism.engine.quotations import (
    AMBIGUOUS_OPENERS,
    APOSTROPHES,
    BLOCK_QUOTE_MARK_RE,
    MAX_QUOTATION,
    OPENING_CONTEXT,
    PARAGRAPH_BREAK_RE,
    QUOTE_MARK_RE,
    QUOTE_MARKS,
    QUOTES,
    REFERENCES_RE,
    block_quotation_spans,
    excluded_spans,
    quotation_spans,
)
from plagiarism.engine.ranking import (
    DIAGONAL_BAND,
    best_stretches,
)
from plagiarism.engine.tokens import (
    WORD_RE,
    counted_words,
    gram_hash,
    normalise,
    prepare,
    prepare_for_index,
    tokenize,
)

__all__ = [
    "ALGORITHM_VERSION",
    "AMBIGUOUS_OPENERS",
    "APOSTROPHES",
    "BLOCK_QUOTE_MARK_RE",
    "DIAGONAL_BAND",
    "MAX_QUOTATION",
    "OPENING_CONTEXT",
    "PARAGRAPH_BREAK_RE",
    "QUOTES",
    "QUOTE_MARKS",
    "QUOTE_MARK_RE",
    "REFERENCES_RE",
    "SKETCH_BANDS",
    "SKETCH_ROWS",
    "SKETCH_STRIDE",
    "SKETCH_WINDOW",
    "WORD_RE",
    "Config",
    "Corpus",
    "Document",
    "MemoryCorpus",
    "MemorySource",
    "Passage",
    "Report",
    "Source",
    "SourceKind",
    "SourceMatch",
    "Token",
    "align",
    "best_stretches",
    "block_quotation_spans",
    "check",
    "counted_words",
    "covered_tokens",
    "excluded_spans",
    "fingerprint",
    "gram_hash",
    "kind_of",
    "normalise",
    "prepare",
    "prepare_for_index",
    "quotation_spans",
    "region_of",
    "sketch",
    "sketch_at",
    "tokenize",
    "winnow",
]
