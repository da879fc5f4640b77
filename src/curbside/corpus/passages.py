"""Turn a SourceDocument into a Document's normalised text and its Passages (with exact character offsets).

A passage is a run of whole sentences inside one section, about `target` characters long, never crossing a
section boundary; tables and recommendations stay whole when they fit. Every passage satisfies
``document.text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from curbside.corpus.models import Passage, SourceDocument

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# sentence ends: . ! ? followed by space + capital/digit/quote/bracket; not after common abbreviations
_SENT_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]?\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
# "Recommendation IA . Tamoxifen ...", "Grade 1B. Give ...": a numbered label is not a sentence of its own
_LABEL_BEFORE = re.compile(r"(?:^|\n)\s*(?:Recommendation|Grade|Level|Class|Statement)\s+[0-9IVX]{1,4}[A-Da-d]?\s?\.$")
_CAP_WORD = re.compile(r"[A-Z][a-z]")
_LIST_MARKER = re.compile(r"[-*\u2022\u2013\u25cf\u25aa]\s+")
_NO_SPLIT_BEFORE = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|vs|Dr|Fig|Figs|No|approx|ca|cf|Ref|St|Mr|Mrs|Ms|Jr|Sr|Inc|Ltd|Co|Eq|ed|eds|vol|p|pp|min|max|mg|kg|ml|mL|U|h|hr|wk|mo|yr)\.)$",
)


def normalise_block(text: str) -> str:
    """NFC, unify spaces, trim each line, keep paragraph breaks (blank lines) but no more than one."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets) inside text[start:end]; newlines that end a line-item also split."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for para in _paragraph_spans(text, start, end):
        s = para[0]
        for m in _SENT_END.finditer(text, para[0], para[1]):
            cut = m.start()
            if _NO_SPLIT_BEFORE.search(text[max(s, cut - 12):cut]) or _LABEL_BEFORE.search(text[max(s, cut - 24):cut]):
                continue
            piece = (s, cut)
            if text[piece[0]:piece[1]].strip():
                spans.append(_trim(text, *piece))
            s = m.end()
        if text[s:para[1]].strip():
            spans.append(_trim(text, s, para[1]))
    return spans


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split on blank lines and on single newlines that start a list item or follow a line without end punctuation
    that is short (a heading or table row)."""
    out: list[tuple[int, int]] = []
    s = start
    i = text.find("\n", start, end)
    while i != -1:
        prev = text[s:i].rstrip()
        nxt = text[i + 1:i + 3]
        breaks = (
            text[i + 1:i + 2] == "\n"
            or nxt[:1] in ("-", "*", "\u2022", "|")
            or (prev[-1:] in (".", ":", ";", "!", "?") )
            or len(prev) < 60
            # "...(Strong recommendation, low-quality evidence)\nRecommendation 2 ...": a closing bracket then
            # a capitalised word (not an acronym, which a wrapped line may well start with) ends the item
            or (prev[-1:] in (")", "]") and _CAP_WORD.match(text, i + 1) is not None)
        )
        if breaks:
            if prev.strip():
                out.append((s, i))
            s = i + 1
        i = text.find("\n", i + 1, end)
    if text[s:end].strip():
        out.append((s, end))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \n\t":
        s += 1
    m = _LIST_MARKER.match(text, s, e)       # "- First-line: ..." -> the sentence starts at "First-line"
    if m and m.end() < e:
        s = m.end()
    while e > s and text[e - 1] in " \n\t":
        e -= 1
    return s, e


def build_text_and_passages(
    doc: SourceDocument, document_id: str, target: int = 900, hard_max: int = 1600
) -> tuple[str, list[Passage]]:
    """Concatenate the sections (title line, blank line, body) into one normalised text, then cut passages."""
    parts: list[str] = []
    spans: list[tuple[int, int, str, str, int | None]] = []  # body start, end, section title, kind, page
    pos = 0
    for sec in doc.sections:
        body = normalise_block(sec.text)
        if not body:
            continue
        title = normalise_block(sec.title).replace("\n", " ")
        chunk = (title + "\n" if title else "") + body
        if parts:
            parts.append("\n\n")
            pos += 2
        body_start = pos + (len(title) + 1 if title else 0)
        parts.append(chunk)
        pos += len(chunk)
        spans.append((body_start, pos, title, sec.kind, sec.page))
    text = "".join(parts)
    passages: list[Passage] = []
    for body_start, body_end, title, kind, page in spans:
        for s, e in _cut(text, body_start, body_end, kind, target, hard_max):
            passages.append(Passage(
                id=f"{document_id}#{len(passages)}", document_id=document_id, ordinal=len(passages),
                text=text[s:e], start=s, end=e, section=title, kind=kind, page=page,
            ))
    return text, passages


def _cut(text: str, start: int, end: int, kind: str, target: int, hard_max: int) -> list[tuple[int, int]]:
    if end - start <= hard_max if kind in ("table", "recommendation") else end - start <= target * 1.3:
        return [_trim(text, start, end)]
    sents = sentence_spans(text, start, end)
    out: list[tuple[int, int]] = []
    cur_s: int | None = None
    cur_e = start
    for s, e in sents:
        while e - s > hard_max:  # a monster "sentence" (flattened table): cut at a space
            cut = text.rfind(" ", s, s + hard_max)
            cut = cut if cut > s else s + hard_max
            if cur_s is not None:
                out.append((cur_s, cur_e))
                cur_s = None
            out.append(_trim(text, s, cut))
            s = cut
            while s < e and text[s] == " ":
                s += 1
        if cur_s is None:
            cur_s, cur_e = s, e
        elif e - cur_s > target:
            out.append((cur_s, cur_e))
            cur_s, cur_e = s, e
        else:
            cur_e = e
    if cur_s is not None:
        out.append((cur_s, cur_e))
    return [(s, e) for s, e in out if e > s]


def content_hash(title: str, text: str) -> str:
    norm = re.sub(r"\s+", " ", (title + "\n" + text).lower()).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()
