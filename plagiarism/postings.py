"""The compact index's postings, pure (no Django: the import's worker processes make them).

A text's *terms* are its winnowed fingerprints and its sketch keys folded to 32 bits; a
bucket row holds the postings of the terms whose top ``bits`` bits are its number: each
term's low 16 bits and its document, documents sorted and stored as steps from the row's
``base`` (``uint16``, or ``uint32`` in a ``wide`` row). See ``plagiarism.index``.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from plagiarism import engine

POSTINGS_PER_BUCKET = 64
MIN_BITS, MAX_BITS = 16, 26  # at least 16: a bucket and its 16 low bits give the whole term


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-d array. ``np.unique`` gives the same, but since
    numpy 2.3 it hashes first: ten times slower on the hundred thousand integers of one
    check's postings (a third of a check's time at 100,000 documents)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def member(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Which ``values`` are in ``ordered`` (sorted, distinct): ``np.isin`` by binary search,
    without sorting both again."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(ordered, values).clip(max=len(ordered) - 1)
    return ordered[at] == values


def fold_each(hashes: Iterable[int]) -> np.ndarray:
    """Signed 64-bit hashes folded to 32-bit terms, in order."""
    values = np.fromiter(hashes, dtype=np.int64).view(np.uint64)
    return ((values >> np.uint64(32)) ^ values).astype(np.uint32)


def fold(hashes: Iterable[int]) -> np.ndarray:
    """Signed 64-bit hashes folded to distinct sorted 32-bit terms (what the index keeps)."""
    return distinct(fold_each(hashes))


@dataclass(frozen=True)
class Terms:
    """What the index keeps of one text."""

    prints: np.ndarray  # uint32, sorted, distinct
    sketch: np.ndarray

    @classmethod
    def of(cls, document: engine.Document, config: engine.Config) -> "Terms":
        return cls(
            prints=fold(h for h, _ in engine.fingerprint(document, config)),
            sketch=fold(engine.sketch(document)),
        )

    @classmethod
    def of_text(cls, text: str, config: engine.Config) -> "Terms":
        return cls.of(engine.prepare_for_index(text, config), config)

    def pending(self) -> dict[str, bytes]:
        return {"pending_prints": self.prints.tobytes(), "pending_sketch": self.sketch.tobytes()}


def unpack(data: bytes | memoryview | None) -> np.ndarray:
    return np.frombuffer(bytes(data or b""), dtype=np.uint32)


# -- encoding one bucket row ---------------------------------------------------------------------
def encode_rows(
    terms: np.ndarray, docs: np.ndarray, bits: int
) -> Iterator[tuple[int, int, bool, bytes, bytes]]:
    """Postings (``terms[i]`` held by ``docs[i]``) as bucket rows (bucket, base, wide, keys,
    steps), every row's arrays made at once."""
    if not len(terms):
        return
    buckets = (terms >> np.uint32(32 - bits)).astype(np.int64)
    order = np.lexsort((docs, buckets))
    buckets, docs = buckets[order], docs[order]
    keys = (terms[order] & np.uint32(0xFFFF)).astype(np.uint16).tobytes()
    starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    ends = np.append(starts[1:], len(buckets))
    steps = np.diff(docs, prepend=docs[0])
    steps[starts] = 0  # each row's first document is its base
    wide = np.maximum.reduceat(steps, starts) > 0xFFFF
    narrow_bytes = steps.astype(np.uint16).tobytes()
    wide_bytes = steps.astype(np.uint32).tobytes() if wide.any() else b""
    for bucket, base, is_wide, start, end in zip(
        buckets[starts].tolist(),
        docs[starts].tolist(),
        wide.tolist(),
        starts.tolist(),
        ends.tolist(),
        strict=True,
    ):
        steps_of = wide_bytes[4 * start : 4 * end] if is_wide else narrow_bytes[2 * start : 2 * end]
        yield bucket, base, is_wide, keys[2 * start : 2 * end], steps_of


def decode(rows: Sequence[tuple], bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(terms, documents) of bucket rows (kind, bucket, base, wide, keys, docs)."""
    if not rows:
        return np.empty(0, np.uint32), np.empty(0, np.int64)
    return decode_packed(
        Packed(
            buckets=[r[1] for r in rows],
            bases=[r[2] for r in rows],
            wides=[r[3] for r in rows],
            lengths=[len(r[4]) // 2 for r in rows],
            keys=b"".join(bytes(r[4]) for r in rows),
            narrow=b"".join(bytes(r[5]) for r in rows if not r[3]),
            wide=b"".join(bytes(r[5]) for r in rows if r[3]),
        ),
        bits,
    )


@dataclass(frozen=True)
class Packed:
    """Bucket rows in bucket order, their arrays joined: the keys of all, the steps of the
    narrow rows and of the wide rows (each in the same order). What one query returns."""

    buckets: Sequence[int]
    bases: Sequence[int]
    wides: Sequence[bool]
    lengths: Sequence[int]  # postings per row
    keys: bytes
    narrow: bytes
    wide: bytes


def decode_packed(packed: Packed, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(terms, documents) of packed bucket rows, every row at once."""
    keys = np.frombuffer(packed.keys, dtype=np.uint16)
    if not len(keys):
        return np.empty(0, np.uint32), np.empty(0, np.int64)
    buckets = np.asarray(packed.buckets, dtype=np.int64)
    lengths = np.asarray(packed.lengths, dtype=np.int64)
    steps = np.empty(len(keys), dtype=np.int64)
    in_wide = np.repeat(np.asarray(packed.wides, dtype=bool), lengths)
    steps[~in_wide] = np.frombuffer(packed.narrow, dtype=np.uint16)
    steps[in_wide] = np.frombuffer(packed.wide, dtype=np.uint32)
    starts = np.cumsum(lengths) - lengths
    running = np.cumsum(steps)
    # Each row's documents: its base plus the running sum of its own steps.
    before = np.repeat(running[starts] - steps[starts], lengths)
    docs = np.repeat(np.asarray(packed.bases, dtype=np.int64), lengths) + running - before
    low = 32 - bits
    terms = (np.repeat(buckets, lengths) << low) | (keys.astype(np.int64) & ((1 << low) - 1))
    return terms.astype(np.uint32), docs


def bits_for(postings: int) -> int:
    wanted = math.ceil(math.log2(max(1, postings) / POSTINGS_PER_BUCKET)) if postings else 0
    return min(MAX_BITS, max(MIN_BITS, wanted))
