"""Checking a paper: candidates, alignment, attribution of every matched word to the earliest
text holding it, verdicts and the report; and an in-memory corpus for tests and benchmarks."""

import bisect
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from plagiarism.engine.alignment import align
from plagiarism.engine.fingerprints import fingerprint, region_of, sketch, sketch_at
from plagiarism.engine.model import (
    Config,
    Corpus,
    Document,
    Passage,
    Report,
    Source,
    SourceKind,
    SourceMatch,
)
from plagiarism.engine.ranking import best_stretches
from plagiarism.engine.tokens import WORD_RE, counted_words, prepare
from plagiarism.verdict import Verdict, judge, signals


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
    text, words_limit = _within_limit(text, config)
    paper = prepare(text, config)
    found = _candidates(paper, corpus, set(exclude_ids), config)
    texts = [(s, kind_of(s, author_id)) for s in corpus.sources(found.ids)]
    texts += [(v, SourceKind.VERSION) for v in earlier_versions]
    # Oldest first: a word found in an original and in a later copy of it is the original's.
    texts.sort(key=lambda pair: pair[0].order)
    credit = _Attribution()
    for source, kind in texts:
        credit.add(paper, source, kind, found, arrived=arrived, config=config, judge=judge)
    return _report(paper, credit, config, words_limit)


def _within_limit(text: str, config: Config) -> tuple[str, int | None]:
    """The text up to ``config.max_words`` words, and the limit when it was cut there."""
    if not config.max_words:
        return text, None
    words = list(itertools.islice(WORD_RE.finditer(text), config.max_words + 1))
    if len(words) <= config.max_words:
        return text, None
    return text[: words[config.max_words - 1].end()], config.max_words


@dataclass
class _Candidates:
    ids: list[str]  # to align, best first
    judged: set[str]  # to give a verdict
    by_sets: set[str]  # found by their word sets (a heavy revision shares few passages)
    sketch: list[tuple[int, int]]  # the paper's sketch at every window


def _candidates(paper: Document, corpus: Corpus, excluded: set[str], config: Config):
    """The best candidates by runs of words (fingerprints), and by word sets (sketches)."""
    prints = fingerprint(paper, config)
    ranked = corpus.candidates(prints, config.max_candidates + len(excluded), config.min_shared)
    ids = [source_id for source_id, _ in ranked if source_id not in excluded]
    ids = ids[: config.max_candidates]
    found = _Candidates(ids, set(ids[: config.verdict_sources]), set(), sketch_at(paper, stride=1))
    if config.sketch_candidates:
        by_sets = corpus.similar(
            sorted({key for key, _ in found.sketch}),
            config.sketch_candidates + len(excluded) + len(ids),
            config.min_sketch_hits,
        )
        more = [i for i, _ in by_sets if i not in excluded and i not in ids]
        found.ids += more[: config.sketch_candidates]
        found.by_sets = {i for i, _ in by_sets[: config.sketch_candidates]}
        found.judged |= found.by_sets
    return found


class _Attribution:
    """Every matched word credited to the earliest text holding it, source by source (a
    source's versions are one source)."""

    def __init__(self) -> None:
        self.attributed: set[int] = set()  # words credited to some text already
        self.counted: dict[SourceKind, set[int]] = defaultdict(set)
        self.found: dict[tuple[str, SourceKind], dict] = {}

    def add(self, paper, source, kind, candidates: _Candidates, *, arrived, config, judge):
        version = getattr(source, "version", 0)
        document = prepare(source.text, config)
        passages = align(paper, document, source.id, config, version)
        covered = covered_tokens(paper, passages)
        later = arrived is not None and source.order > arrived
        verdict = None
        # A candidate sharing no passage is judged only if its word sets matched.
        if (
            source.id in candidates.judged
            and kind != SourceKind.VERSION
            and (passages or source.id in candidates.by_sets)
        ):
            region, coverage = region_of(paper, document, covered, candidates.sketch)
            verdict = judge(signals(region, counted_words(document), coverage))
        if not passages and (verdict is None or verdict.label == "unrelated"):
            return
        credited = set() if later else covered - self.attributed
        self.attributed |= credited
        self.counted[kind] |= credited
        entry = self.found.setdefault(
            (source.id, kind),
            {"covered": set(), "credited": set(), "passages": [], "by": {}, "later": later},
        )
        entry["verdict"] = verdict or entry.get("verdict")
        entry["covered"] |= covered
        entry["credited"] |= credited
        entry["passages"] += passages
        entry["by"][version] = entry["by"].get(version, 0) + len(covered)

    def matches(self, share: Callable[[set[int]], float]) -> list[SourceMatch]:
        return [
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
            for (source_id, kind), entry in self.found.items()
        ]


def _report(paper: Document, credit: _Attribution, config: Config, words_limit) -> Report:
    total = paper.counted_words

    def share(tokens: set[int]) -> float:
        return len(tokens) / total if total else 0.0

    matches = credit.matches(share)

    def of(*kinds: SourceKind) -> list[SourceMatch]:
        chosen = (m for m in matches if m.kind in kinds)
        return sorted(chosen, key=lambda match: (-match.primary_words, -match.score))

    counted = credit.counted
    score = share(counted[SourceKind.OTHER] | counted[SourceKind.PUBLISHED])
    reasons = _flag_reasons(score, matches, config)
    return Report(
        score=score,
        flagged=bool(reasons),
        flag_reasons=reasons,
        counted_words=total,
        sources=of(SourceKind.OTHER, SourceKind.PUBLISHED),
        self_overlap=of(SourceKind.OWN),
        earlier_versions=of(SourceKind.VERSION),
        excluded_words=len(paper.tokens) - total,
        own_score=share(counted[SourceKind.OWN]),
        versions_score=share(counted[SourceKind.VERSION]),
        words_limit=words_limit,
    )


def _flag_reasons(score: float, matches: list[SourceMatch], config: Config) -> list[str]:
    """Flagged by the share of words, by a source the model judges the paper was made from
    (a heavy revision shares few passages), or by one long verbatim passage."""
    implicated = [m for m in matches if m.implicates]
    reasons = []
    if score >= config.threshold:
        reasons.append(f"{score:.0%} of the words are other people's")
    if any(m.verdict and m.verdict.label != "unrelated" for m in implicated):
        reasons.append("a source the paper was made from, by its verdict")
    if any(m.verbatim >= config.verbatim_words and m.primary_words for m in implicated):
        reasons.append(f"a passage of {config.verbatim_words} or more identical words")
    return reasons


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
