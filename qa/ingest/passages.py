"""Split cleaned documents into passages of whole sentences, roughly 40–180 words each.

Paragraphs are the natural unit: a paragraph that fits is one passage; a longer one is cut
between sentences into near-equal parts; short blocks (headings, list items) are merged with
their neighbours. A numbered paragraph ("7. Member States ...") passes its number to every
passage cut from it.

>>> from qa.ingest.clean import clean_text
>>> ct = clean_text("Heading\\n\\n1. Mr. Smith spoke. He was brief.\\n\\n2. Ms. Jones agreed.")
>>> [(p.text, p.para) for p in split_passages("d", "d.txt", 2014, ct, min_words=4)]
[('Heading 1. Mr. Smith spoke. He was brief.', '1'), ('2. Ms. Jones agreed.', '2')]
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from qa.ingest.clean import CleanText, paragraphs
from qa.records import Passage

# Words after which a period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "drs", "h.e", "st", "no", "nos", "vol", "para", "paras", "art",
    "e.g", "i.e", "cf", "etc", "vs", "jr", "sr", "prof", "u.n", "u.s", "a.m", "p.m", "tel",
    "op", "fig", "ref", "rev", "gen", "amb", "approx",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_NUMBER = re.compile(r"^(\d{1,3})\.\s")


Headings = tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    words: int
    para: str | None
    heading: str = ""


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans within ``text[start:end]``; abbreviations and initials do not split.

    >>> t = "H.E. Mr. Ban Ki-moon spoke. Ms. Isabelle F. Picco opened it. 3. Next"
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['H.E. Mr. Ban Ki-moon spoke.', 'Ms. Isabelle F. Picco opened it.', '3. Next']
    >>> sentence_spans("Write to the Branch (Ms. Ann Bee, tel. 5). Then go.")
    [(0, 42), (43, 51)]
    >>> t = "It met on 8 September 2014. Mr. Dieng spoke. See Fig. 3. It grew."
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['It met on 8 September 2014.', 'Mr. Dieng spoke.', 'See Fig. 3.', 'It grew.']
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        before = text[pos : m.start()].split()
        last = before[-1].lower().lstrip("([\"“‘'").rstrip(".") if before else ""
        # A number ends a sentence ("…on 8 September 2014. Mr. Dieng said…") unless it opens
        # the span: a paragraph's own number ("3. Next").
        enumerator = last.isdigit() and len(before) == 1
        if not before or last in _ABBREVIATIONS or _is_initial(last) or enumerator:
            continue
        spans.append((pos, m.end()))
        pos = m.end()
        while pos < end and text[pos].isspace():
            pos += 1
    if pos < end and text[pos:end].strip():
        spans.append((pos, end))
    return spans


# A paragraph's own number ("12. States endorsed…", "Summary 6. 69 States…") states nothing.
_ENUMERATOR = re.compile(r"^\W*(?:[A-Z][a-z]+\s+)?\d{1,3}\.\s+(?=\S)")


def without_enumerator(sentence: str) -> str:
    """The sentence without a leading paragraph number (a verbatim tail of it).

    >>> without_enumerator("Summary 6. 69 Member States intervened.")
    '69 Member States intervened.'
    >>> without_enumerator("69 Member States intervened.")
    '69 Member States intervened.'
    """
    return _ENUMERATOR.sub("", sentence, count=1)


def _is_initial(word: str) -> bool:
    """'F' in 'Isabelle F. Picco' or 'U.N' — single letters separated by periods."""
    return all(len(part) == 1 and part.isalpha() for part in word.split(".") if part)


def _split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut one over-long span into near-equal runs of whole sentences (lines, words if need be)."""
    pieces: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, start, end):
        if len(text[s:e].split()) <= max_words:
            pieces.append((s, e))
            continue
        for m in re.finditer(r"[^\n]+", text[s:e]):  # a long "sentence": a table or a list
            pieces.extend(_words_chunks(text, s + m.start(), s + m.end(), max_words))
    total = sum(len(text[s:e].split()) for s, e in pieces)
    parts = max(1, math.ceil(total / max_words))
    target = total / parts
    groups: list[tuple[int, int]] = []
    cur_start: int | None = None
    cur_end, cur_words = start, 0
    for s, e in pieces:
        w = len(text[s:e].split())
        if cur_start is not None and (
            cur_words + w > max_words or (cur_words >= target and len(groups) < parts - 1)
        ):
            groups.append((cur_start, cur_end))
            cur_start, cur_words = None, 0
        if cur_start is None:
            cur_start = s
        cur_end, cur_words = e, cur_words + w
    if cur_start is not None:
        groups.append((cur_start, cur_end))
    return groups


def _words_chunks(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    return [
        (words[i][0], words[min(i + max_words, len(words)) - 1][1])
        for i in range(0, len(words), max_words)
    ]


def _short_sentences(text: str, max_words: int) -> list[tuple[int, int]]:
    """Sentence spans of a passage; an over-long "sentence" (a table, a list run together)
    is cut into clauses (see :func:`clauses`)."""
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if len(text[s:e].split()) <= max_words // 3:
            spans.append((s, e))
        else:
            spans.extend(clauses(text, s, e, max_words // 4))
    return spans


_CLAUSE_END = re.compile(r"[;:,](?=\s)|\s[|•](?=\s)")


def clauses(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut into runs of at most about ``limit`` words, each ending at a
    clause mark (";", ":", ",", a table bar) where one falls in the run's second half, else
    before a word that does not start with a capital: never inside a name.

    >>> t = "Panel: Mr. Adama Dieng, Special Adviser; Dr. Jean Ping, former Chair; and more."
    >>> [t[s:e] for s, e in clauses(t, 0, len(t), 8)]
    ['Panel: Mr. Adama Dieng, Special Adviser;', 'Dr. Jean Ping, former Chair; and more.']
    """
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    words = [(a + start, b + start) for a, b in words]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if len(words) - i <= limit:
            out.append((words[i][0], words[-1][1]))
            break
        window = range(i + limit - 1, i + limit // 2 - 1, -1)
        cut = next((j for j in window if _CLAUSE_END.match(text, words[j][1] - 1)), None)
        if cut is None:
            cut = next((j for j in window if not text[words[j + 1][0]].isupper()), i + limit - 1)
        out.append((words[i][0], words[cut][1]))
        i = cut + 1
    return out


def _heading_spans(ct: CleanText, headings: Headings) -> list[tuple[int, int, int, str]]:
    """(start, end, level, title) of each heading in the cleaned text: the heading's own
    line, so that it becomes the passages' heading path rather than a sentence of theirs."""
    out = []
    for offset, level, title in headings:
        start = bisect.bisect_left(ct.origin, offset)
        if start >= len(ct.text):
            continue
        line_end = ct.text.find("\n", start)
        line_end = len(ct.text) if line_end < 0 else line_end
        line = ct.text[start:line_end]
        squeezed = re.sub(r"\W+", "", title.lower())
        end = line_end if re.sub(r"\W+", "", line.lower()).endswith(squeezed) else start
        out.append((start, end, level, title))
    return out


def _pieces(
    text: str, spans: list[tuple[int, int]], marks: list[tuple[int, int, int, str]]
) -> list[tuple[int, int, tuple[int, str] | None]]:
    """The paragraph spans cut at each heading, each heading's own line marked as such."""
    cuts = sorted(marks)
    out: list[tuple[int, int, tuple[int, str] | None]] = []
    for p_start, p_end in spans:
        pos = p_start
        for h_start, h_end, level, title in cuts:
            if not p_start <= h_start < p_end:
                continue
            if text[pos:h_start].strip():
                out.append((pos, h_start, None))
            out.append((h_start, max(h_start, min(h_end, p_end)), (level, title)))
            pos = max(pos, min(h_end, p_end))
        if text[pos:p_end].strip():
            out.append((pos, p_end, None))
    return out


def split_passages(
    doc_id: str,
    doc: str,
    year: int | None,
    ct: CleanText,
    min_words: int = 40,
    max_words: int = 180,
    headings: Headings = (),
) -> list[Passage]:
    """Passages of one cleaned document, in reading order, with offsets into the original.

    ``headings`` (``(offset in the original, level, title)``, from the reader) give each
    passage its heading path ("Options › --port") and start a new passage: a passage never
    spans two sections, and a heading's own line is context, not a sentence.

    >>> from qa.ingest.clean import clean_text
    >>> ct = clean_text("Intro text here.\\n\\nOptions\\n\\nThe port is 9090. It can change.")
    >>> [(p.text, p.heading) for p in split_passages("d", "d.html", None, ct, 2, 50,
    ...                                               ((18, 2, "Options"),))]
    [('Intro text here.', ''), ('The port is 9090. It can change.', 'Options')]
    """
    text = ct.text
    marks = _heading_spans(ct, headings)
    units: list[_Unit] = []
    path: list[tuple[int, str]] = []
    for p_start, p_end, mark in _pieces(text, paragraphs(ct), marks):
        if mark is not None:
            level, title = mark
            path = [(lv, t) for lv, t in path if lv < level] + [(level, title)]
            continue
        number = _NUMBER.match(text[p_start:p_end])
        para = number.group(1) if number else None
        heading = " › ".join(t for _, t in path)
        for s, e in _split_long(text, p_start, p_end, max_words):
            units.append(_Unit(s, e, len(text[s:e].split()), para, heading))

    groups: list[list[_Unit]] = []
    for unit in units:
        if groups and groups[-1][0].heading == unit.heading:
            words = sum(u.words for u in groups[-1])
            if words < min_words and words + unit.words <= max_words:
                groups[-1].append(unit)
                continue
        groups.append([unit])
    # A short tail joins the passage before it when that fits.
    if len(groups) > 1 and groups[-1][0].heading == groups[-2][0].heading:
        tail = sum(u.words for u in groups[-1])
        if tail < min_words and tail + sum(u.words for u in groups[-2]) <= max_words:
            groups[-2].extend(groups.pop())

    passages: list[Passage] = []
    for ordinal, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        char_start, char_end = ct.original_span(start, end)
        normalised = " ".join(text[start:end].split())
        passages.append(
            Passage(
                id=f"{doc_id}#{ordinal}",
                doc_id=doc_id,
                doc=doc,
                year=year,
                ordinal=ordinal,
                text=normalised,
                char_start=char_start,
                char_end=char_end,
                para=next((u.para for u in group if u.para), None),
                sentences=tuple(_short_sentences(normalised, max_words)),
                heading=group[0].heading,
            )
        )
    return passages
