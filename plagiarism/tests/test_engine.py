"""The engine alone: normalisation, the winnowing guarantee, alignment, scores, exclusions."""

import random

import pytest

from plagiarism.engine import (
    Config,
    MemoryCorpus,
    align,
    check,
    fingerprint,
    prepare,
    tokenize,
    winnow,
)

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
    assert check(paper, corpus, config=Config(threshold=0.25)).flagged
    assert not check(paper, corpus, config=Config(threshold=0.35)).flagged


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
