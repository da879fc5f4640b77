"""Evidence units, pass 1: line shapes and elements (lines, with list items joined to their wrapped continuation
lines), and the small text helpers both passes use. See `curbside.answer.units` for what a unit is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from curbside.retrieve.drugs import find_drugs
from curbside.sources.markdown import TABLE_SEP

LOOKBACK = 3000          # characters of document text read before a passage to find its context
LONG_ITEM = 600          # a list item or row longer than this is split into its sentences
SHORT_LEAD_WORDS = 6     # a lead-in / header item of at most this many words is context only (never a unit)
SEP = " \u203a "         # " › "

# ---------------------------------------------------------------------------------------------------------------
# line shapes

_WS = re.compile(r"\s+")
_ARROW = re.compile(r"(?:-->|->|=>|\u2192|\u21d2)\s*")
_BULLET = re.compile(r"[-*+\u2022\u2013\u25cf\u25aa\u25e6\u00b7\u2023\u2043\u25a0\u25a1\u2713\u2714]\s+")
_NUMBER = re.compile(
    r"(?:\(?(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})[a-z]?[.)]|\((?P<pnum>\d{1,2})\)|"
    r"\(?(?P<roman>i{1,3}|iv|vi{0,3}|ix|x)[.)]|\((?P<proman>i{1,3}|iv|vi{0,3}|ix|x)\)|"
    r"\(?(?P<alpha>[a-h])[.)]|\((?P<palpha>[a-h])\))\s+")
_TREE = re.compile(r"(?P<pipes>(?:\|\s*)+)?(?P<plus>\+-+>?\s*)?")
_MD_HEADING = re.compile(r"#{1,6}\s+")
_LABEL = re.compile(r"(?P<label>[^:\n]{1,80}?)\s?:\s+(?=\S)")
_TAIL_TAG = re.compile(r"\s*(?:\[[^\[\]]{0,40}\]|\([^()]{0,60}\))\s*$")
_LEGEND = re.compile(r"^[A-Za-z][\w/-]{0,11}, [a-z][^;]{2,60};(?: ?[A-Za-z][\w/-]{0,11}, [^;]{2,60};?)+\.?$")
_WORD = re.compile(r"[A-Za-z0-9]+")
_FOOTNOTE = re.compile(r"^(?:[a-z]|\d{1,2}|[*\u2020\u2021\u00a7])\s?[A-Z][a-z]+ [a-z]")
_ANAPHOR = re.compile(r"(?:it|its|they|their|them|this|these|those|such|both|either|neither|each)\b", re.I)
_CONTINUING = re.compile(r"(?:plus|and|or|with|then|followed by|in addition|combined with|together with)\b", re.I)
_CAPTION = re.compile(r"(?:table|tab\.)\s*[0-9IVX]{1,4}\b", re.I)
_ARROW_ANY = re.compile(r"-+>|=>|\u2192|\u21d2")
_COMPARISON = re.compile(r"[=<>\u2264\u2265]")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z-]*)\W*$")
_JOINING_END = re.compile(r"(?:[,;/\-\u2013]|\b(?:and|or|of|the|to|with|for|in|if|a|an|by|on|at|per|plus|than|"
                          r"from|as|vs|versus|including|e\.g\.|i\.e\.))$", re.I)


def _collapse(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _terminal(s: str) -> bool:
    """Ends like a sentence (. ! ?), ignoring trailing tags such as "[2008]" or "(Class I)"."""
    s = s.rstrip()
    for _ in range(3):
        t = _TAIL_TAG.sub("", s)
        if t == s:
            break
        s = t
        if s.endswith((".", "!", "?")):
            return True
    return s.endswith((".", "!", "?"))


def _balanced(s: str) -> bool:
    return s.count("(") == s.count(")") and s.count("[") == s.count("]")


def _label_of(s: str) -> str:
    """"Dose Reduction" for "Dose Reduction: Reduce to ...", else "" (not for "DOACs: apixaban" inside brackets,
    not for a clause that already is a sentence)."""
    m = _LABEL.match(s)
    if not m:
        return ""
    lab = m.group("label").strip()
    if not lab or not _balanced(lab) or len(lab.split()) > 10 or ". " in lab or lab.startswith(("http", "www")):
        return ""
    return lab


@lru_cache(maxsize=8192)
def _drugs(s: str) -> frozenset[str]:
    return frozenset(d.name for d in find_drugs(s)) if s else frozenset()


@lru_cache(maxsize=8192)
def _drug_surfaces(s: str) -> tuple[tuple[str, str], ...]:
    return tuple((d.name, d.matched) for d in find_drugs(s)) if s else ()


def _strip_colon(s: str) -> str:
    return s[:-1].rstrip() if s.endswith(":") else s


def _head_word(label: str) -> str:
    base = re.sub(r"\([^()]*\)", " ", label).strip()
    m = _LAST_WORD.search(base)
    return m.group(1).lower() if m else ""


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.split("|")]


# ---------------------------------------------------------------------------------------------------------------
# pass 1: elements (lines, with list items joined to their wrapped continuation lines)

@dataclass
class _El:
    kind: str            # blank | text | item | table | sep | heading | skip
    start: int           # content start (after the marker for items)
    end: int
    line_start: int
    indent: int = 0
    mtype: str = ""      # item marker type
    text: str = ""       # stripped content (item: without marker)


def _elements(text: str, start: int, end: int) -> list[_El]:
    out: list[_El] = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        le = end if nl == -1 else nl
        raw = text[pos:le]
        stripped = raw.strip()
        if not stripped:
            if not out or out[-1].kind != "blank":
                out.append(_El("blank", pos, le, pos))
        else:
            lead = len(raw) - len(raw.lstrip())
            s0 = pos + lead
            e0 = pos + len(raw.rstrip())
            out.append(_classify(text, s0, e0, pos, lead, out))
        if nl == -1:
            break
        pos = nl + 1
    # a lone "a | b" line is prose that happens to hold a bar, not a table
    for i, el in enumerate(out):
        if el.kind == "table":
            near = [x for x in (out[i - 1] if i else None, out[i + 1] if i + 1 < len(out) else None) if x]
            if not any(x.kind in ("table", "sep") for x in near) and not (el.text.startswith("|")
                                                                         or el.text.endswith("|")):
                el.kind = "text"
    return out


def _classify(text: str, s: int, e: int, line_start: int, indent: int, prev: list[_El]) -> _El:
    line = text[s:e]
    if TABLE_SEP.match(line) and "|" in line or re.fullmatch(r"[|\s]+", line):
        return _El("sep" if "-" in line else "skip", s, e, line_start)
    first = line[0]
    last_el = next((x for x in reversed(prev) if x.kind not in ("skip", "sep", "blank")), None)
    in_tree = last_el is not None and last_el.mtype == "tree"
    if first in "|+" and ("-->" in line or "->" in line or line.startswith("+-")
                          or (in_tree or "| |" in line) and sum(1 for c in _cells(line) if c) <= 1):
        m = _TREE.match(line)
        depth = (m.group("pipes") or "").count("|")
        cs = s + m.end()
        am = _ARROW.match(text, cs, e)
        if am:
            cs = am.end()
        if cs >= e:
            return _El("skip", s, e, line_start)
        return _El("item", cs, e, line_start, indent=indent + 2 * depth + (1 if m.group("plus") else 0),
                   mtype="tree", text=text[cs:e])
    if "|" in line:
        cells = _cells(line)
        filled = sum(1 for c in cells if c)
        last = next((x for x in reversed(prev) if x.kind not in ("skip", "sep")), None)
        piped = " | " in line or line.startswith("|") or line.endswith("|")
        if piped and (filled >= 2 or filled == 1 and last is not None and last.kind == "table"):
            return _El("table", s, e, line_start, text=line)
    if _MD_HEADING.match(line):
        m = _MD_HEADING.match(line)
        return _El("heading", s + m.end(), e, line_start, text=line[m.end():].strip().rstrip("#").strip())
    for rx in (_ARROW, _BULLET, _NUMBER):
        m = rx.match(line)
        if not m or m.end() >= len(line):
            continue
        # the marker's type decides nesting in a flat list: "1." items hold "a)" items, "1.2." sit under "1."
        if rx is _BULLET:
            mtype = "bullet" + line[0]
        elif rx is _NUMBER:
            if m.group("num") is not None:
                mtype = "num%d" % m.group("num").count(".")
            elif m.group("pnum") is not None:
                mtype = "pnum"
            elif m.group("roman") is not None or m.group("proman") is not None:
                mtype = "roman"
            else:
                mtype = "alpha"
        else:
            mtype = "arrow"
        cs = s + m.end()
        return _El("item", cs, e, line_start, indent=indent, mtype=mtype, text=text[cs:e])
    # a wrapped line of the list item just above (no blank line between)
    if prev and prev[-1].kind == "item" and (
        first.islower() or first in "([" or _JOINING_END.search(prev[-1].text.rstrip())
    ):
        p = prev.pop()
        p.end = e
        p.text = text[p.start:e]
        return p
    return _El("text", s, e, line_start, indent=indent, text=line)


