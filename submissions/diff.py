"""What changed between two versions of a paper, as passages added, removed and changed.

The texts are cut into passages (sentences, and paragraphs at blank lines) and the two
sequences of passages are compared (``difflib``, whitespace ignored): a passage rewritten is
"changed", with its old and new text; one only in the new version "added"; one only in the
old "removed". Offsets are characters in each version's text.

The cost is bounded by ``difflib``'s junk heuristic: in long texts a passage repeated many
times (1% of the passages or more) is not used to align, so a paper of thousands of
identical lines compares in milliseconds (as one change) instead of quadratic time.
"""

import difflib
import re
from dataclasses import dataclass

# A passage ends after ., ! or ? followed by space, or at a blank line.
PASSAGE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        return " ".join(self.text.split())


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    old_start: int | None
    old_end: int | None
    old_text: str
    new_start: int | None
    new_end: int | None
    new_text: str


def passages(text: str) -> list[Passage]:
    out, start = [], 0
    for gap in PASSAGE_END.finditer(text):
        if text[start : gap.start()].strip():
            out.append(Passage(start, gap.start(), text[start : gap.start()]))
        start = gap.end()
    if text[start:].strip():
        out.append(Passage(start, len(text.rstrip()), text[start:].rstrip()))
    return out


def _span(items: list[Passage], text: str) -> tuple[int | None, int | None, str]:
    if not items:
        return None, None, ""
    return items[0].start, items[-1].end, text[items[0].start : items[-1].end]


def version_diff(old: str, new: str) -> list[Change]:
    """The changes from ``old`` to ``new``, in the order they appear."""
    before, after = passages(old), passages(new)
    matcher = difflib.SequenceMatcher(None, [p.key for p in before], [p.key for p in after])
    changes = []
    kinds = {"replace": "changed", "delete": "removed", "insert": "added"}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_start, old_end, old_text = _span(before[i1:i2], old)
        new_start, new_end, new_text = _span(after[j1:j2], new)
        changes.append(
            Change(kinds[tag], old_start, old_end, old_text, new_start, new_end, new_text)
        )
    return changes
