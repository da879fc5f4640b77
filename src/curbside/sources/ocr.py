"""Pure line- and string-level clean-up for OCR text and text extracted from PDFs.

Each function is small and side-effect free so that its behaviour is pinned by a table of before/after cases
(tests/sources/test_ocr.py). The block-level structure (headings, tables, paragraphs) lives in layout.py.

What is fixed, and what is never touched:

- Words hyphenated across a line break are joined ("charac-" + "terized" -> "characterized") unless the hyphen is
  a real compound ("life-threatening", "EBV-associated", "HLH-94", "standard-of-care"); the text's own vocabulary
  decides first (a form seen elsewhere in the document wins), then lists of compound prefixes and suffixes.
- Reference numbers printed as superscripts and glued to punctuation by OCR are removed only where unambiguous:
  after a sentence-ending period followed by a capital ("disease.8-11 Other" -> "disease. Other"), after a comma
  followed by a lowercase word ("cytotoxicity,2~7 although" -> "cytotoxicity, although"), and after "et al.".
  A glued number preceded by a digit is never touched, so "3.5 months", "25-50%", "10 mg/m2", "(n = 12)" and
  years are kept exactly as written.
- Page furniture: bare page numbers, journal citation headers ("Pediatr Blood Cancer 2017; 64: e26308"),
  publisher marks ("WILEY"), "AUTHOR ET AL." running heads, copyright lines, lines that are only a URL, and lines
  repeated three or more times.
"""

from __future__ import annotations

import re
from collections import Counter

# ---------------------------------------------------------------- hyphenation

# First parts that make a real compound ("anti-interferon", "life-threatening"): the hyphen is kept.
COMPOUND_PREFIXES = frozenset("""
    anti non self well life long short high low dose ill half cross full first second third
    one two three four five six semi quasi pseudo il
""".split())
# Prefixes that are also ordinary first syllables ("co-hort", "pre-sented"): kept only when the second part is
# itself a word seen in the document ("co-existing" when "existing" occurs).
WEAK_PREFIXES = frozenset("""
    co pre post re de sub inter intra extra ultra multi over under counter peri para neo poly mid
""".split())
# Pieces that end a word, never start one: "high-" + "er" -> "higher", "well-" + "ness" -> "wellness".
WORD_ENDINGS = frozenset("""
    er ers est ly ness ing ings ed es s ered ering ened ance ence ity ities ist ists ism ize ise ish ful less
    ment ments tion tions sion sions ward wards teen teenth ty tieth
""".split())
# Closed compounds that a prefix rule would otherwise split: "anti-" + "bodies" -> "antibodies".
CLOSED_COMPOUNDS = frozenset("""
    antibody antibodies antibiotic antibiotics antigen antigens antigenic anticoagulant anticoagulants
    anticoagulation antiemetic antiemetics anticonvulsant anticonvulsants antidepressant antidepressants
    antihypertensive antihypertensives antiviral antivirals antifungal antifungals antihistamine antihistamines
    antioxidant antioxidants antipsychotic antipsychotics antiplatelet antithrombotic antimicrobial antimicrobials
    antiseptic antipyretic antipyretics antiarrhythmic antiretroviral antidote antiserum antithymocyte
    antibacterial antiepileptic antiepileptics antimalarial antineoplastic antiphospholipid antinuclear
    antithrombin antitrypsin antidiuretic postoperative postoperatively preoperative preoperatively postpartum
    postmenopausal premenopausal prenatal postnatal preterm cohort cohorts coexisting comorbid comorbidity
    comorbidities coadministration coordinated coordination highlight highlights highlighted lifetime lifestyle
    lifespan longitudinal shortness nonetheless
""".split())
# Second parts that make a compound ("EBV-associated", "biopsy-proven").
COMPOUND_SUFFIXES = frozenset("""
    associated induced related based mediated dependent independent free like specific directed proven
    term year years old line risk dose limiting containing positive negative naive resistant refractory
    sparing treated naïve onset type level grade month months week weeks day days hour hours up
""".split())

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")


class Vocabulary:
    """Word forms seen in a document: plain words and hyphenated compounds, lower-cased."""

    def __init__(self, text: str = ""):
        self.words: set[str] = set()
        self.compounds: set[str] = set()
        if text:
            self.add(text)

    def add(self, text: str) -> None:
        # the halves of a word cut at a line end ("charac-" / "terized") are not words: skip them
        cut_before = False
        for line in text.split("\n"):
            line = line.strip()
            words = _WORD.findall(line)
            cut_after = line.endswith("-") and len(line) > 1 and line[-2].isalpha()
            if cut_before and words and line[:1].isalpha():
                words = words[1:]
            if cut_after and words and line.endswith(words[-1] + "-"):
                words = words[:-1]
            for w in words:
                lw = w.lower()
                if "-" in lw:
                    self.compounds.add(lw)
                    self.words.update(lw.split("-"))
                else:
                    self.words.add(lw)
            cut_before = cut_after


def join_hyphenated(left: str, right: str, vocab: Vocabulary | None = None) -> str:
    """Join the two halves of a word broken as "left-" / "right" at a line end; returns the joined word.

    >>> join_hyphenated("charac", "terized")
    'characterized'
    >>> join_hyphenated("life", "threatening")
    'life-threatening'
    """
    vocab = vocab or Vocabulary()
    if not right or not left:
        return f"{left}-{right}"
    if not right[0].islower():                       # "anti-CD20", "HLH-94", "Epstein-Barr"
        return f"{left}-{right}"
    last = left.rsplit("-", 1)[-1]
    if "-" in left or any(c.isdigit() for c in last) or sum(c.isupper() for c in last) > 1 \
            or (len(last) <= 3 and last.isupper()):  # "standard-of-care", "CD8-positive", "T-cell"
        return f"{left}-{right}"
    m = re.match(r"[A-Za-z]+", right)
    r_word = m.group(0).lower() if m else right.lower()
    l_low = last.lower()
    if f"{l_low}-{r_word}" in vocab.compounds:      # the document writes it hyphenated elsewhere
        return f"{left}-{right}"
    if f"{l_low}{r_word}" in vocab.words or f"{l_low}{r_word}" in CLOSED_COMPOUNDS:
        return f"{left}{right}"
    if r_word in WORD_ENDINGS:
        return f"{left}{right}"
    if r_word in COMPOUND_SUFFIXES or l_low in COMPOUND_PREFIXES:
        return f"{left}-{right}"
    if l_low in WEAK_PREFIXES and len(r_word) > 3 and r_word in vocab.words:
        return f"{left}-{right}"
    return f"{left}{right}"


_LIST_ITEM = re.compile(r"^(?:[-*•◦▪‣–]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")


def is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line))


_TRAILING_WORD = re.compile(r"([A-Za-z][A-Za-z'’-]*)-$")
_LEADING_WORD = re.compile(r"^([A-Za-z][A-Za-z'’]*)")


def reflow(lines: list[str], vocab: Vocabulary | None = None) -> str:
    """Join the lines of one paragraph into running text, re-joining words hyphenated at line ends.

    A line that starts a list item ("- ", "• ", "1. ", "(a) ") keeps its line break.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif is_list_item(line):
            out += "\n" + line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalnum() and line[0].isalnum():
            m, n = _TRAILING_WORD.search(out), _LEADING_WORD.match(line)
            if m and n:
                out = out[:m.start()] + join_hyphenated(m.group(1), n.group(1), vocab) + line[n.end():]
            else:
                out += line                           # "HLH-" + "94", "10-" + "20 mg": keep the hyphen
        else:
            out += " " + line
    return out


# ---------------------------------------------------------------- glued reference numbers

_REF = r"(?:\d{1,4}(?:[,\-–~:;]\d{1,4})*[°®¢é>?!*}”’'l]*(?:\d{1,3}(?:[.,\-–~:]\d{1,3})*)?|['’][*®]|\}”?|!|l>)"
_REF_AFTER_PERIOD = re.compile(r"(?<=[A-Za-z%\)\]])\.(" + _REF + r")(?=\s+[A-Z(\[“\"‘]|\s*$)")
_REF_AFTER_COMMA = re.compile(r"(?<=[a-z\)\]]),(\d{1,4}(?:[,\-–~:]\d{1,4})*[°®¢é>*]?)(?=\s+[a-z])")
_REF_AFTER_ET_AL = re.compile(r"(?<=\bet al\.)(?!(?:19|20)\d\d\b)(\d{1,4}(?:[,\-–]\d{1,4})*)(?=[\s),;]|$)")
_KEEP_BEFORE_NUMBER = frozenset("""
    fig figs figure table tab no nos p pp vol eq eqs sec ref refs ver v chap ch n vs version
""".split())


def strip_glued_references(text: str) -> str:
    """Remove superscript reference numbers that OCR glued to punctuation; never touches real quantities.

    >>> strip_glued_references("mechanisms of disease.8-11 Other")
    'mechanisms of disease. Other'
    """
    def after_period(m: re.Match) -> str:
        before = text[max(0, m.start() - 12):m.start()]
        word = re.search(r"([A-Za-z]+)$", before)
        if word and word.group(1).lower() in _KEEP_BEFORE_NUMBER:
            return m.group(0)
        return "."

    text = _REF_AFTER_PERIOD.sub(after_period, text)
    text = _REF_AFTER_COMMA.sub(",", text)
    return _REF_AFTER_ET_AL.sub("", text)


# ---------------------------------------------------------------- page furniture

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.I)
_CITATION_HEADER = re.compile(
    r"^[A-Z][A-Za-z&.'’ -]{2,60}?[ .]\s*(?:19|20)\d\d\s*[;:,]\s*\d+\s*(?:\(\s*[\w-]+\s*\))?\s*[:,]\s*[\w\-–]+\.?"
    r"(?:\s+\S+){0,8}$")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$")
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\b|this article is protected by copyright)", re.I)
_ET_AL_HEAD = re.compile(r"\bET\s*AL\.?$")
PUBLISHERS = frozenset(["WILEY", "ELSEVIER", "SPRINGER", "SPRINGERNATURE", "KARGER", "THIEME", "LWW", "SAGE",
                        "WOLTERSKLUWER", "TAYLORFRANCIS", "TAYLORANDFRANCIS", "OXFORDUNIVERSITYPRESS",
                        "CELLPRESS", "AUTHORMANUSCRIPT"])


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line.strip()))


def is_furniture(line: str) -> bool:
    """A line that is page furniture wherever it appears (see module docstring); bare numbers are not included
    here because a lone number may be a table cell (layout.py drops isolated ones outside tables)."""
    s = line.strip()
    if not s:
        return False
    letters = [c for c in s if c.isalpha()]
    if not any(c.isalnum() for c in s):
        return True                                   # OCR specks: ">", "|", "—"
    if len(s) <= 150 and _CITATION_HEADER.match(s):
        return True
    if len(s) <= 120 and (_URL_ONLY.match(s) and "/" in s or _COPYRIGHT.match(s)):
        return True
    if len(s) <= 60 and letters:
        upper = sum(c.isupper() for c in letters) / len(letters)
        if _ET_AL_HEAD.search(s) and upper >= 0.6:
            return True                               # running head "MARSH ET AL."
        if "".join(letters).upper() in PUBLISHERS and len(s) <= 30:
            return True                               # "WILEY", "WILEY >"
    return False


def _repeat_key(line: str) -> str:
    return " ".join(line.casefold().split())


def repeated_lines(lines: list[str], min_count: int = 3) -> set[str]:
    """Keys (see `_repeat_key`) of lines repeated `min_count` or more times: running headers and footers.
    Lines with fewer than 10 letters or a single word are never counted (table cells repeat too)."""
    counts = Counter(_repeat_key(ln) for ln in lines
                     if len(ln) <= 100 and len(ln.split()) >= 2 and sum(c.isalpha() for c in ln) >= 10)
    return {k for k, n in counts.items() if n >= min_count}


def drop_furniture(lines: list[str]) -> list[str]:
    """Blank out furniture lines (kept as "" so that paragraph boundaries are not invented)."""
    repeated = repeated_lines(lines)
    return ["" if is_furniture(ln) or (repeated and _repeat_key(ln) in repeated) else ln for ln in lines]


# ---------------------------------------------------------------- headings, captions and other line kinds

_NUMBERED_PIPE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\s*\|\s*(\S.{0,100})$")
_NUMBERED_DOTTED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+([A-Z][^.!?;]{1,80})$")
_NUMBERED_CAPS = re.compile(r"^(\d{1,2})\.?\s+([A-Z][A-Z &,/\-]{3,60})$")
SECTION_NAMES = re.compile(
    r"^(?:abstract|summary|background|introduction|methods?|materials and methods|patients and methods|results|"
    r"discussion|conclusions?|references|acknowledge?ments?|conflicts? of interest(?: statement)?|funding|"
    r"keywords?|key words|case reports?|case presentation|limitations|author contributions|"
    r"supporting information|bibliography|literature cited)\s*:?$", re.I)
REFERENCE_HEADINGS = re.compile(r"^(?:\d+\s*\|?\s*)?(?:references|bibliography|literature cited)\s*:?$", re.I)
_ALL_CAPS = re.compile(r"^[A-Z][A-Z0-9 ,&/()'’:\-]{3,60}$")


def numbered_heading(line: str) -> str | None:
    """"2.1 | Literature review" -> "2.1 Literature review"; also "2.1 Literature review" and "1. INTRODUCTION"."""
    s = line.strip()
    for rx in (_NUMBERED_PIPE, _NUMBERED_DOTTED, _NUMBERED_CAPS):
        m = rx.match(s)
        if m and len(m.group(2).split()) <= 12 and not m.group(2).rstrip().endswith((",", ";")):
            return f"{m.group(1)} {m.group(2).strip()}"
    return None


def heading(line: str, *, caps: bool = True) -> str | None:
    """The heading title if `line` is a section heading: numbered, a standard section name, or (with `caps`)
    a short ALL-CAPS line."""
    s = line.strip()
    if not s or len(s) > 110:
        return None
    h = numbered_heading(s)
    if h:
        return h
    if SECTION_NAMES.match(s):
        return s.rstrip(":").strip()
    if caps and _ALL_CAPS.match(s) and len(s.split()) <= 8 and re.search(r"[A-Z]{4}", s) and not is_furniture(s):
        return s
    return None


_CAPTION = re.compile(r"^(TABLE|Table)\s+([0-9]{1,2}|[IVX]{1,5})([A-Za-z]?)\b\s*[.:|]?\s*(.*)$")


def table_caption(line: str, *, at_block_start: bool = True) -> str | None:
    """"TABLE 2 Established treatment ..." -> the caption. "Table 3." inside running prose is not a caption."""
    m = _CAPTION.match(line.strip())
    if not m:
        return None
    rest = m.group(4)
    if m.group(1) == "Table" and (not at_block_start or not rest or rest[:1].islower()
                                  or re.match(r"^(?:shows|lists|summari[sz]es|presents|and)\b", rest)):
        return None
    return line.strip()


_ABBREVIATIONS = re.compile(r"^(?:Abbreviations?(?: used)?|Nonstandard abbreviations)\s*[:.]", re.I)
_DEFINITION_LIST = re.compile(r"^[A-Za-z0-9][\w\-+/αβγ]{0,12}, [a-z(][^;]{2,80};")


def is_abbreviations(line: str) -> bool:
    """"Abbreviations: ATG, antithymocyte globulin; DEP, ..." """
    return bool(_ABBREVIATIONS.match(line.strip()))


def is_definition_list(line: str) -> bool:
    """A table footnote that defines abbreviations: "CR, complete response; PR, partial response; ..." """
    s = line.strip()
    return is_abbreviations(s) or bool(_DEFINITION_LIST.match(s))


_FOOTNOTE_MARK = re.compile(r"^(?:[a-h*†‡§¶#]|\d)\s?[A-Z][a-z]")


def is_footnote(line: str) -> bool:
    """"bSome patients had ..." / "2Many patients ..." (a superscript marker glued to a table footnote)."""
    return bool(_FOOTNOTE_MARK.match(line.strip()))


_FUNCTION_WORDS = frozenset("""
    a an the of and or to in on at by for with from as that which who whom whose than into onto upon
    is are was were be been being has have had not but nor if whether while when where although though
    because since after before during between among per via its their his her our your this these those
""".split())


def ends_mid_sentence(text: str) -> bool:
    """True when a paragraph visibly stops in the middle of a sentence (no end punctuation)."""
    s = text.rstrip()
    return bool(s) and s[-1] not in ".!?:;”\"')]" and not s.endswith("...")


def ends_with_function_word(text: str) -> bool:
    m = re.search(r"([A-Za-z]+)\W*$", text)
    return bool(m) and m.group(1).lower() in _FUNCTION_WORDS


def looks_like_keywords(line: str) -> bool:
    """"hemophagocytic lymphohistiocytosis, HLH, refractory HLH, salvage therapy": a bare keyword line."""
    s = line.strip()
    if not s or not ends_mid_sentence(s) or len(s) > 200:
        return False
    items = [i.strip() for i in re.split(r"[,;]", s)]
    if len(items) < 3 or any(not i or len(i.split()) > 4 for i in items):
        return False
    return not any(i.split()[0].lower() in _FUNCTION_WORDS for i in items)


_NUMERIC_TOKEN = re.compile(r"^[(\[]?[<>≤≥~±]?\d[\d.,:/%–\-]*[)\]]?%?$")


def numeric_share(text: str) -> float:
    toks = text.split()
    return sum(bool(_NUMERIC_TOKEN.match(t)) for t in toks) / len(toks) if toks else 0.0


def body_width(lines: list[str]) -> int:
    """Typical width of running-text lines: the median length of lines broken mid-sentence (>= 25 chars)."""
    widths = sorted(len(ln) for ln in lines if len(ln) >= 25 and re.search(r"[a-z,]$", ln))
    return widths[len(widths) // 2] if len(widths) >= 5 else 0


def looks_hard_wrapped(lines: list[str]) -> bool:
    """Text whose lines are cut at a fixed width (OCR, PDF or e-mail text) rather than one paragraph a line."""
    long_lines = [ln.strip() for ln in lines if len(ln.strip()) >= 30]
    if len(long_lines) < 8:
        return False
    cut = sum(1 for ln in long_lines if ends_mid_sentence(ln))
    return cut / len(long_lines) >= 0.4
