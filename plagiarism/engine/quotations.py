"""What is not counted: quotations (every common style of mark), block quotations and the
references section."""

import re
from collections import defaultdict

from plagiarism.engine.model import Config

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
