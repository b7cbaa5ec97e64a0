"""Words and what is made of them: tokens with their offsets, counted or not, word k-gram
hashes, and a text prepared for checking or for the index."""

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

from plagiarism.engine.model import Config, Document, Token
from plagiarism.engine.quotations import excluded_spans

WORD_RE = re.compile(r"\w+", re.UNICODE)


# -- 1. tokens ----------------------------------------------------------------------------------
def normalise(word: str) -> str:
    return word.lower() if word.isascii() else unicodedata.normalize("NFKC", word).casefold()


def tokenize(text: str) -> list[Token]:
    make = tuple.__new__  # Token(...) through its __new__ costs a third of a paper's tokens
    if text.isascii():  # lower-cased whole, offsets unchanged: what normalise does per word
        return [make(Token, (m.group(), *m.span())) for m in WORD_RE.finditer(text.lower())]
    return [make(Token, (normalise(m.group()), *m.span())) for m in WORD_RE.finditer(text)]


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
