"""Recommendation strength / quality-of-evidence labels stated by guidelines, found by pattern, kept verbatim.

A label is a run of *components* (``Strong recommendation``, ``moderate-quality evidence``, ``Grade 1B``,
``Level of Evidence: B``, ``Class IIa``, ``GPP``, a bare ``B`` ...) that fills at most one strength slot and one
quality slot. It is found in brackets (``(Strong, High)``, ``( Standard; Evidence Strength Grade B )``), as a
line of its own (``Recommendation strength: Strong``), inline (``Class IIa; LOE B-R``) or as a leading code
(``A - ...``, ``GPP1 - ...``, ``[A] ...``). Bare codes (``(B)``, ``[ I ]``, ``( 2C )``) count only at the end
of a sentence or line, when the text declares a grading scheme, and never after words such as "type",
"hepatitis" or "intravenous". ``StrengthLabel.text == source[start:end]`` always (brackets excluded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

_I = re.I
_Q = r"(?:very[\s-]*low|high|moderate|low)"
_SYM = r"(?:\s*[⨁⊕+]{1,4}[O○◯0]{0,3})?"
_LOE = r"(?:[A-C](?:-(?:R|NR|LD|EO))?|[0-5](?:\+\+|\+|-|–|[a-c])?|(?:IV|V|I{1,3})[a-cA-C]?|U|EO)"
_CODE = rf"(?:[12][A-C]|[A-D][1-3]?(?:/[A-D][1-3]?)?|{_LOE}|GPP|X)"
_WORDV = (r"(?:strong(?:ly)?|weak|conditional|very\s+low|high|moderate|low|insufficient|limited|inconclusive|fair|"
          r"good|poor|intermediate|(?:formal\s+|informal\s+|expert\s+)?consensus(?:\s+opinion)?|expert\s+opinion|"
          r"(?:no\s+)?recommendation|standard|option|imperative|not\s+graded|"
          r"established|promising|equivocal|questionable|investigational)"
          r"(?:\s+(?:positive|negative))?(?:[\s-]+(?:quality|certainty))?"
          r"(?:\s+(?:evidence|recommendation|for|against))?")
_SKEY = (r"grades?\s+of\s+recommendations?|grade\s+recommendation|"
         r"recommendation\s+(?:grade|strength|level|class|category|rating)|"
         r"strength\s+of\s+(?:the\s+)?recommendations?|strength|policy\s+level|USPSTF\s+grade|SOR|COR|GR")
_QKEY = (r"levels?\s+of\s+evidence|evidence\s+(?:level|grade|quality|rating|category|strength(?:\s+grade)?)|"
         r"(?:quality|certainty|strength)\s+of\s+(?:the\s+)?evidence(?:\s+for\s+\w+)?|aggregate\s+evidence\s+quality|"
         r"level\s+of\s+confidence\s+in\s+(?:the\s+)?evidence|level\s+of\s+certainty|LOE|LE|BEL|QOE|SOE")
_SHORT = r"grade|level|class|category|evidence|rating"
_CLASS = r"(?:I|IIa|IIb|II|III|IV|[1-3][ab]?)(?:\s*:\s*(?:harm|no\s+benefit))?"

# (regex, slot, scheme, strong?)  slot: s=strength q=quality c=code x=extra
_COMPONENTS: list[tuple[re.Pattern, str, str, bool]] = [(re.compile(p, f), s, sc, st) for p, f, s, sc, st in [
    (r"(?P<v>strong|weak|conditional|discretionary|moderate)\s+recommendations?"
     r"(?:\s+(?:for|against|in\s+favou?r(?:\s+of)?))?"
     r"(?:\s+(?:the\s+)?(?:use\s+of\s+)?(?:an?\s+|the\s+)?(?:intervention|treatment|test|it))?", _I, "s", "GRADE", True),
    (r"(?P<v>strong|weak|conditional)\s+(?:for|against)", _I, "s", "GRADE", True),
    (r"(?P<v>(?:strong|weak|conditional|moderate)\s+recommendation|recommendation|option)\s+based\s+on\s+"
     r"[^.;()\[\]]{3,160}", _I, "s", "AAO-HNS", True),
    (r"(?P<v>Strong|Weak|Conditional|strong|weak|conditional)", 0, "s", "GRADE", False),
    (rf"(?P<v>{_Q})(?:\s*(?:to|-|–|/)\s*{_Q})?[\s-]*(?:quality|certainty|level|strength)(?:\s+(?:of\s+)?(?:the\s+)?"
     rf"evidence)?{_SYM}", _I, "q", "GRADE", True),
    (rf"(?P<v>{_Q})(?:\s*(?:to|-|–|/)\s*{_Q})?\s+evidence{_SYM}", _I, "q", "GRADE", True),
    (rf"(?P<v>{_Q})\s*[⨁⊕][⨁⊕O○◯0]{{3}}", _I, "q", "GRADE", True),
    (rf"(?:{_QKEY})\s*[:=]\s*(?P<v>{_Q})\s+to\s+{_Q}", _I, "q", "key", True),
    (rf"(?P<v>{_Q})(?:\s*(?:to|-|–|/)\s*{_Q})?", _I, "q", "GRADE", False),
    (rf"(?:{_SKEY})(?:\s*(?:[:=\-–]|is)\s*|\s+)(?P<v>{_CODE}|{_WORDV})", _I, "s", "key", True),
    (rf"(?:{_QKEY})(?:\s*(?:[:=\-–]|is)\s*|\s+)(?:grade\s+|level\s+)?(?P<v>{_CODE}|{_WORDV})", _I, "q", "key", True),
    (rf"class\s*(?:[:=\-–]\s*)?(?P<v>{_CLASS})", _I, "s", "ACC/AHA", True),
    (rf"type(?:\s+of\s+recommendation)?\s*:\s*(?P<v>{_WORDV}|evidence[\s-]based)", _I, "x", "key", True),
    (r"category\s*(?:[:=\-–]\s*)?(?P<v>I[AB]?|II[AB]?|III|IV|[A-D])", _I, "s", "category", True),
    (r"grade\s*(?:[:=\-–]\s*)?(?P<v>[12][A-D]|[A-E][1-3]?|[A-D]{2})(?:\s+recommendation)?", _I, "s", "grade", True),
    (r"(?P<v>rec(?:ommendations?)?\.?\s+\d+[a-z]?(?:\.\d+[a-z]?)*(?:\s*[-–]\s*\d+[a-z]?)?)", _I, "x", "", False),
    (r"grade\s*(?:[:=\-–]\s*)?(?P<v>[12])", _I, "s", "grade", False),
    (rf"level\s*(?:[:=\-–]\s*)?(?P<v>{_LOE})(?:\s+(?:evidence|recommendations?))?", _I, "q", "level", True),
    (rf"(?:{_SHORT})\s*[:=]\s*(?P<v>{_CODE}|{_WORDV})", _I, "q", "key", True),
    (r"(?P<v>expert\s+opinion(?:\s+point)?|expert\s+consensus(?:\s+opinion)?|(?:formal\s+)?consensus(?:\s*[-–]\s*"
     r"(?:panel\s+expertise|adapted|based))?(?:\s+(?:recommendation|statement|opinion))?|clinical\s+principle|"
     r"good\s+(?:clinical\s+)?practice(?:\s+(?:points?|statement|recommendation))?|(?:ungraded\s+)?best\s+practice"
     r"(?:\s+(?:statement|point))?|(?:expert\s+)?practice\s+point|not\s+graded|ungraded|insufficient\s+evidence|"
     r"no\s+recommendation|I\s+statement)", _I, "s", "consensus", True),
    (r"(?P<v>GPP\s*\d*|GCP|PP|EO|✓|√)", 0, "s", "consensus", True),
    (r"(?P<v>[A-D])\s+recommendation", 0, "s", "letter", True),
    (r"(?P<v>systematic\s+review|meta-analysis|randomized\s+controlled\s+trial|cohort\s+study|case-control\s+study|"
     r"case\s+series|reference|guideline|low\s+quality\s+evidence)", _I, "q", "design", False),
    (r"(?P<v>Standard|Recommendation|Option|standard|recommendation|option)", 0, "s", "AUA", False),
    (r"(?P<v>Imperative|Conditional|imperative|conditional)", 0, "x", "AND", True),
    (r"(?P<v>Fair|Consensus)", 0, "s", "AND", False),
    (r"(?P<v>[12]\s*\|\s*[+⊕]{1,4}[O○◯0]{0,3}|[+⊕]{1,4}[O○◯0]{0,3})", 0, "c", "GRADE", True),
    (r"(?P<v>[+\-–][12][A-D])", 0, "c", "SCCM", True),
    (r"(?P<v>reviewed|new[\s-]+(?:added|replaced)|amended|not\s+changed|unchanged|carryover)", _I, "x", "", False),
    (r"(?P<v>[12][A-D])", 0, "c", "ACCP", False),
    (r"(?P<v>[A-E][\s-]?(?:I{1,3}|IV)[a-c]?)", 0, "c", "IDSA", False),
    (r"(?P<v>[A-D])", 0, "s", "letter", False),
    (r"(?P<v>(?:I{1,3}|IV)-?[A-D]|II-[1-3][A-D]?|(?:IV|V|I{1,3})[A-C]?|[1-4](?:\+\+|\+|-|–))", 0, "q", "roman",
     False),
]]
_SEP = re.compile(r"\s+(?:based\s+on|with|supported\s+by)\s+|\s+[-–—/]\s+")
_GROUP = re.compile(r"[(\[]([^()\[\]\n]{1,140})[)\]]")
_CITATION = re.compile(
    r"[(\[][^()\[\]\n]*(?:\b(?:1[89]|20)\d\d\b|\bet al\b|^\s*see\b|^[\s\d,–-]+$)[^()\[\]\n]*[)\]]", _I)
_NOT_BEFORE = re.compile(
    r"\b(?:fig(?:ure)?s?|tables?|types?|groups?|hepatitis|vitamins?|class|stages?|grade|phases?|steps?|appendix|box|"
    r"levels?|category|zones?|arms?|parts?|sections?|criteri(?:on|a)|questions?|variants?|schedules?|lists?|factors?|"
    r"proteins?|complex|leads?|cohorts?|panels?|plans?|options?|tiers?|h(?:a)?emophilia|influenza|intravenous(?:ly)?|"
    r"vessels?|segments?|sites?|visits?|doses?|trials?|studies|study|patients?|cases?)[\s\-–]*$", _I)
_DECLARES = re.compile(
    r"grades?\s+of\s+recommendation|strength\s+of\s+(?:the\s+)?(?:recommendation|evidence)|levels?\s+of\s+evidence|"
    r"quality\s+of\s+(?:the\s+)?evidence|evidence\s+(?:level|grade|quality)|recommendation\s+grade|rating\s+scheme", _I)
_TAIL = re.compile(r"(?m)(?<=[.!?)\]] )\s*([A-Z][^.()\[\]\n]{1,120}?)[\s.]*$")    # "... surgery. Level 3 ."
DEFINITIONS = re.compile(r"(?i)definitions?\b|rating schemes?\b|grades? of recommendation|levels? of evidence")
_NEW_ITEM = re.compile(r"\b(?:should|must|recommends?|suggests?)\b|^(?:[A-Z]?\d+[a-z]?\s*[.:)]|Recommendation\s+\d)",
                       re.I)
_INLINE = [re.compile(p, f) for p, f in [
    (r"\bGrade\s+[12][A-C]\b", 0),
    (rf"\bClass\s+{_CLASS}\s*[;,]\s*(?:LOE|Level\s+of\s+Evidence)\s*:?\s*{_LOE}\b", 0),
    (rf"\b(?:LOE|COR)\s*[:=]?\s*{_LOE}\b", 0),
    (rf"\b(?:{_SKEY}|{_QKEY})\s*(?::|=|is)\s*(?:{_CODE}|{_WORDV})\b(?!-|\s*(?:to|or|and|–)\s+\w)", _I),
    (r"\bLevel\s+[A-CU]\b(?=\s+recommendation|\s+evidence|\s*[.;,)]|\s*$)", re.M),
    (rf"\b(?:Strong|Weak|Conditional)\s+recommendation[,;]?\s+(?:based\s+on\s+|with\s+)?{_Q}[\s-]+(?:quality|certainty)"
     r"(?:\s+(?:of\s+)?evidence)?", _I),
    (r"\b(?:Grade\s+)?[A-D]\s+recommendation\b", 0),
]]
_LEADING = re.compile(
    r"(?m)^[ \t]*(?:[-*•]\s+)?(?:(?P<c>GPP\s*\d*|GCP|PP|✓|√|Grade\s+[A-D1-2][A-C]?|Level\s+[A-C]\s+recommendations?"
    r"|(?:Strong|Weak|Conditional)\s+recommendation|Good\s+practice\s+point)\s*(?:[-–—:.]\s+)"
    r"|(?P<b>[A-D])(?:\s*\((?:19|20)\d\d\))?(?:\s+[-–—]|\s*:)\s+)(?=\S)")   # "A (2007) : ..." (SIGN, dated)


@dataclass
class StrengthLabel:
    text: str
    start: int
    end: int
    strength: str
    quality: str
    scheme: str
    context: "StrengthLabel | None" = None       # a heading label ("Class I" above a group) that also applies
    role: str = field(default="", repr=False, compare=False)   # group|line|inline|leading|heading


def _parse(content: str, lenient: bool = False) -> tuple[str, str, str, bool] | None:
    """(strength, quality, scheme, strong) when the whole content is label components, else None. Lenient (for
    bracketed groups): short unknown pieces are allowed beside two or more strong components."""
    pieces = []
    for piece in re.split(r"\s*[,;]\s*", content.strip().strip(".:")):
        whole = any(rx.fullmatch(piece.strip(" .:")) for rx, *_ in _COMPONENTS)
        pieces.extend([piece] if whole else _SEP.split(piece))
    slots: dict[str, str] = {}
    schemes: list[str] = []
    strong = False
    loose = nstrong = 0
    for piece in pieces:
        piece = piece.strip(" .:")
        if not piece:
            continue
        for rx, slot, scheme, st in _COMPONENTS:
            m = rx.fullmatch(piece)
            if m:
                break
        else:
            if lenient and len(piece.split()) <= 6 and not re.search(r"\d{2}|%|=|<|>", piece):
                loose += 1       # "(Type: recommendation; Strength of Evidence: adequate, balance unknown; ...)"
                continue
            return None
        if slot == "s" and "s" in slots and re.fullmatch(r"(?i)imperative|conditional", piece):
            slot, st = "x", True                         # AND: "Weak , Conditional" (strength, statement type)
        nstrong += st
        if slot in slots and slot != "x":
            if lenient:
                loose += 1
                continue
            return None
        slots[slot] = re.sub(r"\s+", " ", m.group("v"))
        schemes.append(scheme)
        strong = strong or st
    if not slots or set(slots) == {"x"} and not strong:
        return None
    if loose and (len([k for k in slots if k != "x"]) < 2 or nstrong < 2 or loose > len(slots)):
        return None
    strong = strong or len([k for k in slots if k != "x"]) > 1
    s, q, c = slots.get("s", ""), slots.get("q", ""), slots.get("c", "")
    scheme = next((x for x in schemes if x not in ("", "letter", "roman")), schemes[0] or "letter")
    m = re.fullmatch(r"[+\-–]?([12])([A-D])", c) or (re.fullmatch(r"([12])([A-D])", s) if not q else None) \
        or re.fullmatch(r"([A-E])[\s-]?((?:I{1,3}|IV)[a-c]?)", c)
    if m:
        s, q = m.group(1) if not s or s == m.group(0) else s, q or m.group(2)
    elif re.match(r"[12]\s*\|", c):
        s, q = s or c[0], q or {4: "high", 3: "moderate", 2: "low", 1: "very low"}.get(len(re.findall("[+⊕]", c)), "")
    return _norm_s(s), _norm_q(q), scheme, strong


def _norm_s(s: str) -> str:
    low = s.lower()
    for w in ("strong", "weak", "conditional", "standard", "recommendation", "option", "expert opinion", "consensus"):
        if low.startswith(w):
            return w
    if re.match(r"gpp|gcp|pp$|good|best|practice|✓|√", low):
        return "GPP"
    return s if len(s) <= 6 else low


def _norm_q(q: str) -> str:
    m = re.match(r"(very[\s-]*low|high|moderate|low)\b", q, _I)
    return re.sub(r"[\s-]+", " ", m.group(1).lower()) if m else q


def _line_bounds(text: str, i: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, i) + 1
    e = text.find("\n", i)
    return s, len(text) if e == -1 else e


def _sentence_final(text: str, end: int) -> bool:
    m = re.compile(r"[ \t]*([.;:,]?)[ \t]*").match(text, end)
    nxt = text[m.end():m.end() + 1]
    return nxt in ("", "\n", "(", "[") or (m.group(1) in (".", ";") and (nxt.isupper() or nxt.isdigit()))


def _bare_ok(text: str, gs: int, ge: int) -> bool:
    before = text[max(0, gs - 40):gs]
    ls, _ = _line_bounds(text, gs)
    # "option (A) ...", "stage (2)": a code after such a word names a thing, unless the code closes the sentence
    # ("... is the preferred option ( 1C ).", where labels sit)
    closes = re.match(r"\s*[.;]?\s*$", text[ge:text.find("\n", ge) if text.find("\n", ge) != -1 else len(text)])
    if before[-1:].isalnum() or (_NOT_BEFORE.search(before) and not closes) or \
            text[ls:gs].count("(") > text[ls:gs].count(")"):
        return False
    code = re.sub(r"[^A-Za-z]", "", text[gs + 1:ge - 1])
    words = re.findall(r"[A-Za-z]+", before)
    if len(code) >= 2 and "".join(w[0] for w in words[-len(code):]).lower() == code.lower():
        return False                                     # an abbreviation: "infective endocarditis (IE)"
    if not text[ls:gs].strip():                          # at line start: a leading code "[A] Offer ..."
        return text[gs] == "[" and bool(text[ge:_line_bounds(text, ge)[1]].strip())
    if text[gs] == "[" and re.match(r"\s*(?:[,;]|and\b|or\b)", text[ge:]):
        return True                                      # "... continuation pharmacotherapy [ I ], with ..."
    return _sentence_final(text, ge)


def find_labels(text: str, scheme_declared: bool | None = None) -> list[StrengthLabel]:
    """All strength/quality labels in text, in order. Bare codes count only when a scheme is declared (None:
    detect it from the text: scheme wording, another label, or two or more bare codes)."""
    return [replace(lab) for lab in _labels(text, scheme_declared)]


@lru_cache(maxsize=32)
def _labels(text: str, scheme_declared: bool | None) -> tuple[StrengthLabel, ...]:
    found: list[StrengthLabel] = []
    bare: list[StrengthLabel] = []
    taken: list[tuple[int, int]] = []

    def add(s: int, e: int, parsed, role: str, weak_list=None) -> None:
        while s < e and text[s] in " \t":
            s += 1
        while e > s and text[e - 1] in " \t.;,":
            e -= 1
        if any(s < te and ts < e for ts, te in taken):
            return
        lab = StrengthLabel(text[s:e], s, e, parsed[0], parsed[1], parsed[2], role=role)
        (found if weak_list is None else weak_list).append(lab)
        taken.append((s, e))

    for m in _GROUP.finditer(text):
        p = _parse(m.group(1), lenient=True)
        if p and p[3]:
            add(m.start(1), m.end(1), p, "group")
        elif p and _bare_ok(text, m.start(), m.end()):
            add(m.start(1), m.end(1), p, "group", bare)
    for m in _TAIL.finditer(text):
        p = _parse(m.group(1), lenient=True)
        if p and p[3]:
            add(m.start(1), m.end(1), p, "group")
    pos = 0
    for line in text.split("\n"):
        body = re.match(r"\s*(?:[-*•]\s+|#+\s*)?(?:\*\*)?(.*?)(?:\*\*)?[\s.]*$", line)
        p = _parse(body.group(1)) if body.group(1) and len(body.group(1)) < 140 else None
        if p and p[3]:
            add(pos + body.start(1), pos + body.end(1), p, "line")
        pos += len(line) + 1
    for m in _LEADING.finditer(text):
        g = "c" if m.group("c") else "b"
        code = m.group(g)
        p = _parse(re.sub(r"\s+recommendations?$", "", code) if code.startswith("Level") else code)
        if p:
            add(m.start(g), m.end(g), p, "leading", None if g == "c" else bare)
    for rx in _INLINE:
        for m in rx.finditer(text):
            p = _parse(m.group(0))
            if p:
                add(m.start(), m.end(), p, "inline")
    if scheme_declared is None:
        scheme_declared = bool(found) or len(bare) >= 2 or bool(_DECLARES.search(text))
    if scheme_declared:
        found.extend(bare)
    for lab in found:
        if lab.role == "leading" and re.match(r"(?:GPP|GCP|PP|Grade|Level|Strong|Weak|Cond|[A-D]$)", lab.text):
            continue
        if lab.role == "line" and re.match(r"(?:Class|Level|Grade|Category)\b", lab.text, _I) and ":" not in lab.text:
            nxt = text[lab.end:].lstrip(" \t.\n").split("\n", 1)[0]
            if len(nxt) >= 40 or nxt.rstrip().endswith((".", ")")):
                lab.role = "heading"
        elif lab.role == "group" and text[_line_bounds(text, lab.start)[0]:].startswith("#"):
            lab.role = "heading"
    return tuple(sorted(found, key=lambda x: x.start))


def _merge(text: str, labels: tuple[StrengthLabel, ...], first: StrengthLabel) -> StrengthLabel:
    """Join a label with complementary ones right after it ("..., moderate-quality evidence (1B)", two lines)."""
    out = first
    i = labels.index(first)
    for nxt in labels[i + 1:]:
        gap = text[out.end:nxt.start]
        if nxt.role == "heading" or not re.fullmatch(r"[\s,;:)\]\[(]*", gap) or gap.count("\n") > 1 or \
                (out.strength and nxt.strength) or (out.quality and nxt.quality):
            break
        s, e = out.start, nxt.end
        if out.role == "group" and re.match(r"\s*[)\]]", gap):
            s -= 1
        if nxt.role == "group" and re.search(r"[(\[]\s*$", gap):
            e += 1
        out = StrengthLabel(text[s:e], s, e, out.strength or nxt.strength, out.quality or nxt.quality,
                            out.scheme, role=out.role)
    return out


def _only_filler(s: str) -> bool:
    return not re.sub(r"[\s.,;:]", "", _CITATION.sub("", s))


def label_for_sentence(text: str, start: int, end: int, scheme_declared: bool | None = None) -> StrengthLabel | None:
    """The label attached to the sentence text[start:end]: inside it at its end, right after it (same line or the
    next label line), elsewhere inside it, a leading code of its line, or a heading label above it."""
    labels = _labels(text, scheme_declared)
    if not labels:
        return None
    s = start
    while True:         # skip what belongs to the previous sentence: "(2|++OO)\nThe Task Force suggests ..."
        lead = [x for x in labels if x.start >= s and _only_filler(text[s:x.start].replace("(", "").replace("[", ""))
                and x.start < end and x.role != "heading"]
        if not lead:
            break
        lab = lead[0]
        ls, le = _line_bounds(text, lab.start)
        prev = text[ls:lab.start].rstrip(" ([\t")
        rest = text[lab.end:le]
        if (prev and not _only_filler(prev) and prev[-1] in ".!?;:)]") or _only_filler(rest.strip(")] ")):
            s = min(le + 1, end) if _only_filler(rest.strip(")] ")) else lab.end + 1
            continue
        break
    heading = _heading_for(text, labels, s)
    inside = [x for x in labels if s <= x.start and x.end <= end and x.role != "heading"]
    for lab in inside:
        if _only_filler(text[lab.end:end].replace(")", "").replace("]", "")):
            return _with(_merge(text, labels, lab), heading)
    ls, le = _line_bounds(text, max(end - 1, start))
    after = [x for x in labels if x.start >= end and x.role != "heading"]
    same = [x for x in after if x.start < le]
    if same:
        lab = same[0]
        tail = [x for x in same if x.start >= lab.end]
        line_final = _only_filler(re.sub(r"[()\[\]]", "", text[lab.end:tail[0].start if tail else le]))
        if lab.role != "leading" and (_only_filler(text[end:lab.start].replace("(", "").replace("[", "")) or
                                      (line_final and not [x for x in labels if ls <= x.start < end])):
            return _with(_merge(text, labels, lab), heading)
    elif not [x for x in labels if ls <= x.start < le]:
        lab = _scan_forward(text, labels, le, list_mode=text[ls:le].rstrip().endswith(":"))
        if lab:
            return _with(lab, heading)
    if inside:
        return _with(_merge(text, labels, inside[0]), heading)
    sl, _ = _line_bounds(text, s)
    lead = [x for x in labels if x.role == "leading" and sl <= x.start < s + 1]
    if lead:
        return _with(lead[0], heading)
    return heading


def _title_case(line: str) -> bool:
    """A section heading written in title case ("NIV Failure and Discontinuing NIV following Recovery in NMD")."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", line) if len(w) > 3]
    return len(line) <= 120 and len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _scan_forward(text: str, labels: tuple[StrengthLabel, ...], le: int, list_mode: bool = False) \
        -> StrengthLabel | None:
    """A label line after the sentence's block (rationale lines, or the items of a list the sentence opens)."""
    pos, lines, limit = le + 1, 0, (80, 6000) if list_mode else (6, 1500)
    while pos < len(text) and lines < limit[0] and pos - le < limit[1]:
        ls, e = _line_bounds(text, pos)
        line = text[ls:e].strip()
        on = [x for x in labels if ls <= x.start < e]
        new_item = _NEW_ITEM.search(line[:60] if list_mode else line)
        if on:
            if on[0].role == "line" or (on[0].role == "group" and _only_filler(
                    _GROUP.sub("", line) if _CITATION.sub("", line).strip().startswith(("(", "[")) else "x")):
                return _merge(text, labels, on[0])
            if list_mode and not new_item and on[-1].role in ("group", "inline") and \
                    _only_filler(re.sub(r"[()\[\]]", "", text[on[-1].end:e])):
                return _merge(text, labels, on[-1])
            return None
        short = (len(line) < (80 if list_mode else 50) or _title_case(line)) and line[-1:] not in ".;:,"
        if line and ((short and not list_mode) or line.endswith("?") or new_item or DEFINITIONS.match(line)):
            return None          # a heading, a question or another recommendation: this one has no label
        pos, lines = e + 1, lines + (1 if line else 0)
    return None


def _heading_for(text: str, labels: tuple[StrengthLabel, ...], s: int) -> StrengthLabel | None:
    heads = [x for x in labels if x.role == "heading" and x.end <= s]
    if not heads:
        return None
    h = heads[-1]
    for line in text[h.end:s].split("\n")[1:-1]:
        line = line.strip()
        if line and len(line) < 50 and line[-1] not in ".;:,)" and not _parse(line):
            return None          # a topic heading between: the heading label no longer applies
    return h


def _with(lab: StrengthLabel, heading: StrengthLabel | None) -> StrengthLabel:
    if heading is None or heading is lab or heading.start == lab.start:
        return lab
    if (lab.strength and heading.strength) or (lab.quality and heading.quality and not heading.strength):
        return lab
    return StrengthLabel(lab.text, lab.start, lab.end, lab.strength or heading.strength,
                         lab.quality or heading.quality, lab.scheme, context=heading, role=lab.role)


def describe(label: StrengthLabel) -> str:
    """A short human line built from the verbatim label: "Strong recommendation, moderate-quality evidence",
    "Grade 1B", "Level A", "Class I; Level of Evidence: C"."""
    t = re.sub(r"\s+", " ", re.sub(r"\s*\n\s*", "; ", label.text)).strip(" ()[]")
    t = re.sub(r"\s+([,;:])", r"\1", t)
    bare = re.fullmatch(r"[+\-–]?[12][A-D]|[A-E](?:[\s-]?(?:I{1,3}|IV)[a-c]?)?|(?:I|II|III|IV|V)[A-Ca-c]?|[1-4][+-]*|"
                        r"[12]\|\S+", t)
    if bare:
        t = re.sub(r"^([A-E])\s(?=[IV])", r"\1-", t)
        t = f"Grade {t}" if re.match(r"[+\-–]?[12][A-D]|[A-E]|[12]\|", t) else f"Level {t}"
    elif re.fullmatch(r"(?i)(strong|weak|conditional)\s*,\s*(very low|high|moderate|low)(\s+certainty)?", t):
        a, b = [x.strip() for x in t.split(",")]
        t = f"{a.capitalize()} recommendation, {b.lower().replace(' certainty', '')}-quality evidence"
    if label.context is not None:
        t = f"{describe(label.context)}; {t}"
    return t[:1].upper() + t[1:]
