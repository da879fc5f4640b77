"""A small, dependency-free Markdown reader: headings become section titles, pipe tables and fenced code blocks
become ``kind="table"`` sections, inline markup is removed (``**x**`` -> ``x``, ``[text](url)`` -> ``text``).

Fenced code blocks are kept (as ``kind="table"``, titled "<heading> (algorithm)") rather than dropped: in
clinical guidelines they hold decision algorithms whose branches carry recommendation classes ("Rec 18,
Conditional"); as table sections they are searchable but never quoted as prose by the answer composer.

Section titles: an H1 is the document title (and titles the text under it); an H2 titles what follows it; deeper
headings are prefixed with their parent ("Stroke Risk Assessment: Recommendations for Oral Anticoagulation").
"""

from __future__ import annotations

import re

from curbside.corpus.models import SourceSection

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(```+|~~~+)")
TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")   # a Markdown table's rule line
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET = re.compile(r"^([-*+•])\s+")
_ORDERED = re.compile(r"^(\d{1,3}[.)])\s+")
_HR = re.compile(r"^(?:\*\s*){3,}$|^(?:-\s*){3,}$|^(?:_\s*){3,}$")

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_CODE = re.compile(r"`+([^`]+)`+")
_HTML_TAG = re.compile(r"</?(?:br|p|div|span|b|i|em|strong|sup|sub|u|small|a)\b[^>]*>", re.I)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def inline(text: str) -> str:
    """Remove inline Markdown markup, keeping the words (and every number) as written."""
    if not any(c in text for c in "*_[`<!"):
        return text.strip()
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _REF_LINK.sub(lambda m: m.group(1), text)
    text = _CODE.sub(lambda m: m.group(1), text)
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    text = _ITALIC.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub(" ", text)
    return " ".join(text.split())


def _table_row(line: str) -> str:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = [inline(c.replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", s)]
    return " | ".join(cells)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for i in range(1, min(len(lines), 60)):
        if lines[i].strip() in ("---", "..."):
            meta = {}
            for ln in lines[1:i]:
                k, sep, v = ln.partition(":")
                if sep:
                    meta[k.strip().lower()] = v.strip().strip("\"'")
            return meta, lines[i + 1:]
    return {}, lines


def parse_markdown(text: str, *, page: int | None = None) -> tuple[str, list[SourceSection], dict[str, str]]:
    """Parse Markdown into (first H1 or front-matter title, sections, front matter)."""
    meta, lines = _front_matter(_HTML_COMMENT.sub("", text).split("\n"))
    doc_title = meta.get("title", "")
    sections: list[SourceSection] = []
    stack: list[tuple[int, str]] = []          # open headings (level, text)
    paras: list[str] = []                       # finished paragraphs of the current text section
    para: list[str] = []                        # lines of the paragraph being read

    def title() -> str:
        below_h1 = [t for lvl, t in stack if lvl > 1]
        if not below_h1:
            return stack[0][1] if stack else ""
        return ": ".join(below_h1[-2:])

    def end_para() -> None:
        if para:
            paras.append("\n".join(para))
            para.clear()

    def flush() -> None:
        end_para()
        if paras:
            sections.append(SourceSection("\n\n".join(paras), title=title(), page=page))
            paras.clear()

    def open_heading(level: int, text_: str) -> None:
        nonlocal doc_title
        flush()
        text_ = inline(text_)
        if level == 1 and not doc_title:
            doc_title = text_
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text_))

    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        fence = _FENCE.match(line)
        if fence:
            flush()
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                body.append(lines[i].rstrip())
                i += 1
            i += 1
            code = "\n".join(body).strip("\n")
            if code.strip():
                t = title()
                sections.append(SourceSection(code, title=f"{t} (algorithm)" if t else "Algorithm", kind="table",
                                              page=page))
            continue
        m = _HEADING.match(line)
        if m:
            open_heading(len(m.group(1)), m.group(2))
            i += 1
            continue
        if line.startswith("|") or (" | " in line and i + 1 < len(lines) and TABLE_SEP.match(lines[i + 1].strip())):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip() and ("|" in lines[i]):
                if not TABLE_SEP.match(lines[i].strip()):
                    rows.append(_table_row(lines[i]))
                i += 1
            if rows:
                sections.append(SourceSection("\n".join(rows), title=title(), kind="table", page=page))
            continue
        if not line:
            end_para()
            i += 1
            continue
        if len(para) == 1 and _SETEXT.match(line) and not _BULLET.match(para[0]):
            heading_text = para.pop()
            open_heading(1 if line.startswith("=") else 2, heading_text)
            i += 1
            continue
        if _HR.match(line):
            end_para()
            i += 1
            continue
        if line.startswith(">"):
            line = line.lstrip("> ").strip()
            if not line:
                end_para()
                i += 1
                continue
        b, o = _BULLET.match(line), _ORDERED.match(line)
        if b:
            para.append("- " + inline(line[b.end():]))
        elif o:
            para.append(f"{o.group(1)} " + inline(line[o.end():]))
        elif para:
            para[-1] += " " + inline(line)      # soft line break inside a paragraph or list item
        else:
            para.append(inline(line))
        i += 1
    flush()
    return doc_title, sections, meta
