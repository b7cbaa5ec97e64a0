"""The engine alone: normalisation, the winnowing guarantee, alignment, scores, exclusions."""

import random

import pytest

from plagiarism import engine
from plagiarism.engine import (
    Config,
    MemoryCorpus,
    MemorySource,
    SourceKind,
    align,
    check,
    fingerprint,
    prepare,
    quotation_spans,
    tokenize,
    winnow,
)
from plagiarism.verdict import lcs_length

VOCABULARY = [f"w{n}" for n in range(5000)]


def random_words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(VOCABULARY) for _ in range(count)]


def sentence(rng: random.Random, count: int) -> str:
    return " ".join(random_words(rng, count))


def test_tokens_are_normalised_and_keep_their_offsets_in_the_original():
    text = "  The ﬁrst RÉSUMÉ,\tcafé—naïve!  "
    tokens = tokenize(text)
    assert [t.word for t in tokens] == ["the", "first", "résumé", "café", "naïve"]
    for token in tokens:
        original = text[token.start : token.end]
        assert original.casefold().replace("ﬁ", "fi") == token.word


def test_winnowing_picks_the_minimum_of_every_window():
    grams = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]
    selected = winnow(grams, 4)
    for start in range(len(grams) - 3):
        window = range(start, start + 4)
        assert any(
            position in window and grams[position] == min(grams[i] for i in window)
            for _, position in selected
        )
    assert [h for h, _ in selected] == [17, 17, 8, 39, 17]


@pytest.mark.parametrize("seed", range(25))
def test_any_shared_run_of_the_guarantee_length_shares_a_fingerprint(seed):
    rng = random.Random(seed)
    config = Config()
    shared = random_words(rng, config.guarantee)
    a = random_words(rng, rng.randint(0, 300)) + shared + random_words(rng, rng.randint(0, 300))
    b = random_words(rng, rng.randint(0, 300)) + shared + random_words(rng, rng.randint(0, 300))
    prints_a = {h for h, _ in fingerprint(prepare(" ".join(a)), config)}
    prints_b = {h for h, _ in fingerprint(prepare(" ".join(b)), config)}
    assert prints_a & prints_b


def test_a_copied_passage_is_found_with_its_offsets_on_both_sides():
    rng = random.Random(1)
    copied = sentence(rng, 40)
    paper = f"{sentence(rng, 50)} {copied} {sentence(rng, 50)}"
    source = f"{sentence(rng, 30)} {copied} {sentence(rng, 30)}"
    (passage,) = align(prepare(paper), prepare(source), "s")
    assert paper[passage.start : passage.end] == copied
    assert source[passage.source_start : passage.source_end] == copied
    assert passage.words == 40


def test_a_lightly_edited_copy_is_still_one_passage():
    rng = random.Random(2)
    original = random_words(rng, 60)
    edited = list(original)
    for n in range(5, 60, 12):  # one word in twelve replaced
        edited[n] = "changed"
    edited.insert(30, "inserted")
    (passage,) = align(prepare(" ".join(edited)), prepare(" ".join(original)), "s")
    assert passage.words >= 55


def test_reordered_paragraphs_are_found_as_separate_passages():
    rng = random.Random(3)
    first, second = sentence(rng, 30), sentence(rng, 30)
    passages = align(prepare(f"{second}\n\n{first}"), prepare(f"{first}\n\n{second}"), "s")
    assert sorted(p.words for p in passages) == [30, 30]


def test_matches_shorter_than_the_minimum_are_not_reported():
    rng = random.Random(4)
    short = sentence(rng, 7)
    paper = f"{sentence(rng, 40)} {short} {sentence(rng, 40)}"
    source = f"{sentence(rng, 40)} {short} {sentence(rng, 40)}"
    assert align(prepare(paper), prepare(source), "s", Config(min_words=8)) == []
    assert len(align(prepare(paper), prepare(source), "s", Config(min_words=7))) == 1


def corpus_with(*sources: tuple[str, str, object]) -> MemoryCorpus:
    corpus = MemoryCorpus()
    for source_id, text, author in sources:
        corpus.add(source_id, text, author)
    return corpus


def test_the_score_counts_each_word_once_and_credits_the_earliest_source():
    rng = random.Random(5)
    copied = sentence(rng, 50)
    paper = f"{copied} {sentence(rng, 50)}"
    corpus = corpus_with(
        ("original", f"{sentence(rng, 20)} {copied}", 1),
        ("later copy", f"{copied} {sentence(rng, 20)}", 2),
    )
    report = check(paper, corpus, author_id=3)
    assert report.score == pytest.approx(0.5)
    assert [s.source_id for s in report.sources] == ["original", "later copy"]
    assert [s.score for s in report.sources] == [pytest.approx(0.5)] * 2
    assert report.sources[0].primary_words == 50 and report.sources[1].primary_words == 0


def test_the_flag_follows_the_threshold():
    rng = random.Random(6)
    copied = sentence(rng, 30)
    corpus = corpus_with(("s", copied, 1))
    paper = f"{copied} {sentence(rng, 70)}"
    by_score_only = {"verdict_sources": 0, "verbatim_words": 10_000}
    assert check(paper, corpus, config=Config(threshold=0.25, **by_score_only)).flagged
    assert not check(paper, corpus, config=Config(threshold=0.35, **by_score_only)).flagged


def test_quoted_passages_are_excluded():
    rng = random.Random(7)
    quoted = sentence(rng, 30)
    corpus = corpus_with(("s", quoted, 1))
    report = check(f"{sentence(rng, 40)} “{quoted}” {sentence(rng, 40)}", corpus)
    assert report.score == 0 and report.sources == []
    assert report.counted_words == 80
    unquoted = check(f"{sentence(rng, 40)} {quoted} {sentence(rng, 40)}", corpus)
    assert unquoted.score == pytest.approx(30 / 110)


def test_the_references_section_is_excluded():
    rng = random.Random(8)
    reference = sentence(rng, 30)
    corpus = corpus_with(("s", reference, 1))
    paper = f"{sentence(rng, 200)}\n\nReferences\n\n{reference}\n"
    report = check(paper, corpus)
    assert report.score == 0 and report.counted_words == 200
    kept = check(paper, corpus, config=Config(exclude_references=False))
    assert kept.score > 0


def test_the_authors_own_earlier_paper_is_self_overlap_not_plagiarism():
    rng = random.Random(9)
    reused = sentence(rng, 40)
    corpus = corpus_with(("mine", reused, 42))
    report = check(f"{reused} {sentence(rng, 40)}", corpus, author_id=42)
    assert report.score == 0 and report.sources == []
    assert [s.source_id for s in report.self_overlap] == ["mine"]
    assert report.self_overlap[0].score == pytest.approx(0.5)


def test_a_paper_is_not_its_own_source():
    text = sentence(random.Random(10), 60)
    corpus = corpus_with(("itself", text, 1))
    assert check(text, corpus, exclude_ids=["itself"]).sources == []


def test_the_earliest_text_owns_its_words_even_when_it_is_the_authors_own():
    """The victim scenario: A's paper, B's later copy of it, A's revision. A's words belong
    to A's earlier version, so B's copy claims none of them and A is not flagged."""
    rng = random.Random(11)
    original = sentence(rng, 200)
    corpus = MemoryCorpus()
    corpus.add("A", original, author_id="a")  # A's first version, in the index
    corpus.add("B", f"{original} {sentence(rng, 20)}", author_id="b")  # B's copy, later
    revised = f"{original} {sentence(rng, 60)}"
    first = MemorySource("A", original, "a", order=-1, version=1)
    report = check(revised, corpus, author_id="a", exclude_ids=["A"], earlier_versions=[first])
    assert report.score == 0 and not report.flagged
    (later_copy,) = report.sources
    assert later_copy.source_id == "B" and later_copy.primary_words == 0  # listed, not counted
    (versions,) = report.earlier_versions
    assert versions.kind == SourceKind.VERSION and versions.primary_words == 200
    assert report.versions_score == pytest.approx(200 / 260)
    # B, checked against A, is flagged with A as its source.
    of_b = check(f"{original} {sentence(rng, 20)}", corpus, author_id="b", exclude_ids=["B"])
    assert of_b.flagged and of_b.sources[0].source_id == "A"
    assert of_b.sources[0].share == pytest.approx(200 / 220)


def test_the_authors_own_earlier_paper_claims_its_words_before_a_later_copy():
    rng = random.Random(12)
    reused = sentence(rng, 80)
    corpus = MemoryCorpus()
    corpus.add("mine", reused, author_id=1)
    corpus.add("their copy", reused, author_id=2)
    report = check(f"{reused} {sentence(rng, 80)}", corpus, author_id=1)
    assert report.score == 0 and report.own_score == pytest.approx(0.5)
    assert report.sources[0].primary_words == 0


def test_a_sources_versions_are_one_source():
    rng = random.Random(13)
    kept, added = sentence(rng, 60), sentence(rng, 60)
    versions = [
        MemorySource("P", kept, "a", order=0, version=1),
        MemorySource("P", f"{kept} {added}", "a", order=1, version=2),
    ]
    report = check(f"{kept} {added}", MemoryCorpus(), author_id="a", earlier_versions=versions)
    (one,) = report.earlier_versions
    assert one.words == 120 and one.primary_words == 120
    assert {p.source_version for p in one.passages} == {1, 2}
    assert one.source_version == 2  # where most of its words are


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("“", "”"),  # English double
        ('"', '"'),  # straight double
        ("‘", "’"),  # English single
        ("'", "'"),  # straight single
        ("«", "»"),  # French guillemets
        ("« ", " »"),  # French, spaced
        ("»", "«"),  # German and Danish guillemets
        ("‹", "›"),
        ("„", "“"),  # German low-high double
        ("‚", "‘"),  # German low-high single
        ("”", "”"),  # Swedish
    ],
)
def test_every_quotation_style_is_excluded(opening, closing):
    rng = random.Random(14)
    quoted = sentence(rng, 30)
    corpus = corpus_with(("s", quoted, 1))
    report = check(f"{sentence(rng, 40)} {opening}{quoted}{closing} {sentence(rng, 40)}", corpus)
    assert report.counted_words == 80 and report.score == 0


def test_apostrophes_neither_open_nor_close_a_quotation():
    text = "The authors' results don't differ: l’homme isn’t 'quoted here' at all."
    quoted = [text[a:b] for a, b in quotation_spans(text)]
    assert quoted == ["'quoted here'"]
    # An apostrophe inside a quotation does not end it.
    inner = "say ‘it isn’t so’ now"
    assert [inner[a:b] for a, b in quotation_spans(inner)] == ["‘it isn’t so’"]


def test_indented_and_marked_block_quotations_are_excluded():
    rng = random.Random(15)
    quoted = sentence(rng, 30)
    corpus = corpus_with(("s", quoted, 1))
    body = f"{sentence(rng, 20)}\n{sentence(rng, 20)}\n"
    indented = f"{body}\n    {quoted[:100]}\n    {quoted[100:]}\n\n{body}"
    assert check(indented, corpus).score == 0
    marked = f"{body}> {quoted}\n{body}"
    assert check(marked, corpus).score == 0
    # Text indented throughout is the body, not a quotation.
    everything = "\n".join(f"    {line}" for line in f"{body}{quoted}\n{body}".splitlines())
    assert check(everything, corpus).score > 0
    kept = check(marked, corpus, config=Config(exclude_block_quotes=False))
    assert kept.score > 0


def test_a_text_that_arrived_after_the_paper_claims_none_of_its_words():
    """Checked again (a new algorithm, an editor's re-score), a paper meets the copies made
    of it since: they are listed, and credited nothing."""
    rng = random.Random(16)
    paper = sentence(rng, 100)
    corpus = MemoryCorpus()
    corpus.add("paper", paper, author_id=1)
    corpus.add("a later copy", paper, author_id=2)
    report = check(paper, corpus, author_id=1, exclude_ids=["paper"], arrived=0)
    assert report.score == 0 and not report.flagged
    assert report.sources[0].source_id == "a later copy" and report.sources[0].primary_words == 0
    assert check(paper, corpus, author_id=1, exclude_ids=["paper"]).flagged  # without the rule


def test_a_heavy_revision_is_judged_and_flagged_though_it_shares_few_passages():
    """Every word pair swapped and one word in four replaced: few runs of identical words
    survive, the share of words in passages stays under the threshold, the verdict sees it."""
    rng = random.Random(17)
    original = [f"w{rng.randrange(400)}" for _ in range(200)]
    revised = []
    for i in range(0, 200, 2):
        pair = original[i : i + 2][::-1]
        revised += [w if rng.random() > 0.25 else f"x{rng.randrange(10**6)}" for w in pair]
    corpus = corpus_with(("original", " ".join(original), 1))
    report = check(" ".join(revised), corpus, author_id=2, config=Config(min_shared=1))
    (source,) = report.sources
    assert report.score < 0.10
    assert source.verdict.label in {"heavy", "light"} and source.verdict.plagiarised > 0.5
    assert report.flagged and "by its verdict" in report.flag_reasons[-1]
    assert source.verdict.drivers  # which signals drove it
    unrelated = check(sentence(rng, 200), corpus, author_id=2, config=Config(min_shared=1))
    assert not unrelated.flagged


def test_a_long_verbatim_passage_flags_a_long_paper_whatever_its_share():
    rng = random.Random(18)
    copied = sentence(rng, 60)
    corpus = corpus_with(("s", f"{sentence(rng, 300)} {copied} {sentence(rng, 300)}", 1))
    report = check(f"{sentence(rng, 1000)} {copied} {sentence(rng, 1000)}", corpus, author_id=2)
    assert report.score < 0.05 and report.flagged
    assert report.sources[0].verbatim == 60
    assert report.flag_reasons == ["a passage of 50 or more identical words"]


def test_the_bit_parallel_lcs_agrees_with_dynamic_programming():
    rng = random.Random(19)

    def slow(a, b):
        table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                table[i + 1][j + 1] = (
                    table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
                )
        return table[-1][-1]

    for _ in range(200):
        a = [rng.randrange(5) for _ in range(rng.randrange(0, 40))]
        b = [rng.randrange(5) for _ in range(rng.randrange(0, 40))]
        assert lcs_length(a, b) == slow(a, b)


def test_the_verdict_says_made_from_the_source_from_its_threshold_up():
    from plagiarism.verdict import label_for

    leaning = {"unrelated": 0.6, "heavy": 0.25, "light": 0.1, "copied": 0.05}
    assert label_for(leaning, plagiarised_at=0.5) == "unrelated"
    assert label_for(leaning, plagiarised_at=0.4) == "heavy"  # 0.4 of "made from it"
    assert label_for({**leaning, "unrelated": 0.7, "heavy": 0.15}, plagiarised_at=0.4) == (
        "unrelated"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Plain words, then more words: the quick brown fox jumps over the lazy dog again.",
        "Straße, ÉCOLE and naïve ﬁnance: “quoted words are excluded here” and not elsewhere.",
        "Some prose of the paper itself. " * 40 + "\n\nReferences\n\n[1] A. Author. A title. 2020.",
        "",
    ],
)
def test_the_index_prepares_a_text_as_the_check_does(text):
    """The index prepares its texts without token offsets: the same words, counted words,
    k-grams, fingerprints and sketch as the check's full preparation, or the two would not
    find each other."""
    full, lean = engine.prepare(text), engine.prepare_for_index(text)
    assert lean.words == [t.word for t in full.tokens]
    assert (lean.counted, lean.grams) == (full.counted, full.grams)
    assert engine.fingerprint(lean) == engine.fingerprint(full)
    assert engine.sketch(lean) == engine.sketch(full)
    assert not all(full.counted) or "References" not in text
