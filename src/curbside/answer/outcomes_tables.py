"""Flattened-table route of outcome extraction (see outcomes.py for the API and the merging rules).

A "TABLE n" caption opens a region that ends at its footnotes, the next caption, a numbered heading or a prose
paragraph; without a caption (a passage cut out of a longer table) a column-header line or two study rows open one.
Header lines give the order of the count columns (CR PR NR ...); a row starts with a study label ("Name et al. N"),
a sub-row with "N (note" under the same study, an intervention group label sets the intervention. The numbers that
close a row's first line become a Pending group; count-only lines below a second header (OCR moved those columns to a
separate block) are linked to the rows above in order.
"""

from __future__ import annotations

import re

from curbside.answer.outcomes import NUM, NUMW, PCT, Lexicon, OutcomeRow, Pending, make_cell, make_parts

_TOK = {
    "<CNT>": NUM + r"(?!\s*(?:days?|weeks?|months?|years?|hours?|h\b|mg|%|per\s?cent))",
    "<NUM>": NUM, "<PCT>": PCT,
    "<PAT>": r"(?:patients?|subjects?|participants?|children|adults|cases|individuals|infants|pts)",
    "<RESP>": (r"(?:(?:overall|objective) response(?: rate)?|\bORR\b|(?:complete or partial|partial or complete) "
               r"(?:response|remission)|complete (?:responses?|remissions?|resolution)|\bCRs?\b|partial (?:responses?"
               r"|remissions?)|\bPRs?\b)"),
    "<VERB>": r"(?:achieved|had|experienced|attained|showed|reached|obtained|were in|was in|went into|entered)",
    "<DUR>": (rf"(?:(?<![\d.])\d+(?:\.\d+)?|\b(?:{NUMW}|a)\b)(?:\s?(?:-|\u2013|to|and|or)\s?\d+(?:\.\d+)?)?\s?"
              r"(?:hours?|days?|weeks?|months?|wks?|hrs?)\b"),
    "<AE>": (r"(?:adverse (?:events?|effects?|reactions?)|side[-\s]effects?|toxicit(?:y|ies)|complications?|infusion"
             r"(?:-related)? reactions?|(?:febrile )?neutropenia|thrombocytopenia|anaemia|anemia|sepsis|bactera?emia"
             r"|candidemia|infections?|viremia|rash|urticaria|hepatotoxicity|nephrotoxicity|mucositis|fever(?: and "
             r"chills)?|nausea|vomiting|diarrho?ea|fatigue|hypotension|seizures?|deaths?)"),
}


def rx(pattern: str, flags: int = re.I) -> re.Pattern:
    """Compile with " " meaning one or more whitespace (OCR line breaks) and <TOKENS> expanded."""
    for k, v in _TOK.items():
        pattern = pattern.replace(k, v)
    return re.compile(pattern.replace(" ", r"\s+"), flags)


_FREQ = (r"(?:(?:once|twice|thrice|three times|two times|four times) (?:a|per|every) (?:day|week|month)|(?:once "
         r"|twice |thrice )?(?:daily|weekly|monthly)|every \d+ (?:hours|days|weeks)|q\d+h|for \d+ (?:days|weeks|doses)"
         r"|on days? \d+(?:\s?[-\u2013,]\s?\d+)*|per day|a day)")
_ROUTE = r"(?:subcutaneously|intravenously|orally|subcut|IV|SC|PO|i\.v\.|s\.c\.)"
DOSE = rx(r"(?:(?:a )?median (?:dose of )?)?(?<![\w.,])\d+(?:\.\d+)?(?:\s?(?:-|\u2013|to|or)\s?\d+(?:\.\d+)?)?\s?"
          r"(?:mg|g|mcg|\u00b5g|\u03bcg|ug|IU|U|units?|mL|ml)(?![A-Za-z])(?:\s?/\s?(?:kg|m2|m\u00b2|m\?2|m\?))?"
          r"(?:\s?/\s?(?:day|d|dose|week|wk|h|hr)\b)?(?: (?:per|a|each) (?:day|week|dose)\b)?"
          rf"(?:(?: [A-Za-z][a-z\-]+(?= {_ROUTE}))?(?: {_ROUTE}\b))?(?:,? {_FREQ}\b)?")
DUR = rx(r"<DUR>(?:\s?\([^()\n]{1,40}\))?")
STUDY = re.compile(r"\b[A-Z][A-Za-z'\-]+(?:\s?(?:et\s?al\.?|etal\.?)|,? \(?(?:19|20)\d{2}\)?)")
CAPTION = re.compile(r"^[ \t]*(?:TABLE\s+(?:\d+|[IVX]+)\b|Table\s+(?:\d+|[IVX]+)[.:|]?[ \t]+[A-Z(]).*$", re.M)
HEADING = re.compile(r"^[ \t]*(?:\d+(?:\.\d+)*\s*\|\s*\S.*|#{1,6}\s+\S.*|(?:\d+(?:\.\d+)*\.?\s+)?(?:abstract|intro"
                     r"duction|background|methods?|results?|discussion|conclusions?|safety|efficacy)\s*:?)[ \t]*$",
                     re.M | re.I)
LEGEND = re.compile(r"^\s*(?:Abbreviations?:|(?:[A-Za-z0-9+\-/]{1,12}, [^;\n]{2,80}; ?)+)")
FOOTNOTE = re.compile(r"^\s*[a-z0-9*\u2020\u2021\u00a7]{1,2}\s?[A-Z][a-z]")
COUNT_TOK = re.compile(r"(?<![\w.(/%-])(\d{1,5}(?:\s?\(\s?\d{1,3}(?:\.\d+)?\s?%\s?\))?)[a-z*\u2020\u2021]?(?=\s|$)")
_HEADER_WORDS = set("""agent agents salvage regimen regimens treatment primary reference references study studies
    author authors trial n no number of patients pts dose doses dosing time to response responses assessment or and
    description definition cr pr nr orr sd pd died not included in relapses relapse following after survival os efs
    pfs adverse events ae aes toxicity toxicities median range followup outcome outcomes complete partial overall
    rate intervention drug arm group age years duration months weeks""".split())
_STRONG = {"n", "cr", "pr", "nr", "orr", "dose", "dosing", "survival", "reference", "agent", "regimen", "regimens",
           "patients", "response", "responses", "os", "toxicity", "adverse", "arm"}
_COLWORDS = [(re.compile(p, re.I), c) for p, c in [
    (r"complete\s+(?:response|remission)s?|\bCRs?\b", "complete_response"),
    (r"partial\s+(?:response|remission)s?|\bPRs?\b", "partial_response"),
    (r"no\s+response|non-?response|\bNR\b", "no_response"),
    (r"overall\s+response(?:\s+rate)?|\bORR\b|response\s+rate", "overall_response"),
    (r"\bsurvival\b|\bOS\b|\balive\b", "survival")]]
_DANGLING = re.compile(r"\b(?:following|after|to|post|before|until)\s*$", re.I)


def _lines(text: str, s: int, e: int):
    pos = s
    while pos < e:
        nl = text.find("\n", pos, e)
        le = e if nl == -1 else nl
        yield pos, le
        pos = le + 1


def _is_prose_block(text: str, ls: int, limit: int) -> bool:
    """A paragraph of >= 3 long lines with no study row, and no study row in the next lines either."""
    block, later, gap = [], [], False
    for s, e in _lines(text, ls, limit):
        line = text[s:e]
        gap = gap or not line.strip()
        if gap and line.strip():
            later.append(line)
        elif not gap:
            block.append(line)
        if len(later) >= 12 or HEADING.match(line):
            break
    if any(_ROW.match(x) for x in later):
        return False
    joined = " ".join(block)
    return (len(block) >= 3 and re.match(r"\s*[A-Za-z]", joined) is not None and not _ROW.match(block[0])
            and sum(map(len, block)) / len(block) >= 50 and not STUDY.search(joined)
            and not re.search(r"\d+\s?\(\d+(?:\.\d+)?%\)", joined))


def _region_end(text: str, start: int, limit: int) -> int:
    end, notes = start, False
    for ls, le in _lines(text, start, limit):
        line = text[ls:le]
        if not line.strip():
            continue
        if HEADING.match(line) or (notes and not (LEGEND.match(line) or FOOTNOTE.match(line))):
            break
        if LEGEND.match(line):
            notes = True
        elif not notes and ls > start and text[max(0, ls - 2):ls] == "\n\n" and _is_prose_block(text, ls, limit):
            break
        end = le
    return end


def table_regions(text: str) -> list[tuple[int, int]]:
    """Captioned regions; then, outside them, regions opened by a column-header line or by two study rows."""
    caps = list(CAPTION.finditer(text))
    out = []
    for i, m in enumerate(caps):
        limit = min(caps[i + 1].start() if i + 1 < len(caps) else len(text), m.start() + 8000)
        out.append((m.start(), max(m.end(), _region_end(text, min(m.end() + 1, limit), limit))))
    lines = [(ls, le) for ls, le in _lines(text, 0, len(text)) if text[ls:le].strip()
             and not any(s <= ls < e for s, e in out)]
    implicit: list[tuple[int, int]] = []
    is_row = [bool(_ROW.match(text[ls:le]) or _COUNT_LINE.match(text[ls:le])) for ls, le in lines]
    for i, (ls, le) in enumerate(lines):
        if (implicit and ls < implicit[-1][1]) or not any(is_row[i + 1:i + 9]):
            continue
        line = text[ls:le]
        words = [w for w in (re.sub(r"[^a-z]", "", w.lower()) for w in line.split()) if w]
        header = (len(_STRONG & set(words)) >= 2 and not re.search(r"[,;]|\.\s", line)
                  and sum(w in _HEADER_WORDS for w in words) >= 0.8 * len(words) and _header_cols(line, ""))
        if header or _ROW.match(line):
            limit = next((s for s, _ in out if s > ls), len(text))
            end = max(le, _region_end(text, ls, min(limit, ls + 8000)))
            if i and re.fullmatch(r"[A-Z][^\d\n]{0,29}", text[lines[i - 1][0]:lines[i - 1][1]].strip()):
                ls = lines[i - 1][0]         # the intervention group label above the first row
            implicit.append((ls, end))
    return sorted(out + implicit)


# ---------------------------------------------------------------- tables
def _header_cols(line: str, prev: str) -> list[str] | None:
    words = [re.sub(r"[^a-z]", "", w.lower()) for w in line.split()]
    words = [w for w in words if w]
    if not words or sum(w in _HEADER_WORDS for w in words) < 0.6 * len(words) or not _STRONG & set(words) \
            or re.search(r"\d+\s?\(\d", line):
        return None
    found = []
    for pat, col in _COLWORDS:
        found += [(m.start(), m.end(), col) for m in pat.finditer(line)]
    found.sort()
    kept, last = [], -1
    for s, e, col in found:
        if s >= last:
            kept.append((s, e, col))
            last = e
    if not kept:
        return []
    cols, pos = [], kept[0][0]
    for i, (s, e, col) in enumerate(kept):
        if line[pos:s].strip() and cols:
            cols.append("other")
        dangling = i == len(kept) - 1 and not line[e:].strip() and _DANGLING.search(prev or "")
        cols.append("other" if dangling else col)
        pos = e
    if line[pos:].strip():
        cols.append("other")
    return cols


_ROW = re.compile(r"^(?P<pre>[^\n]{0,40}?)(?P<study>\b[A-Z][A-Za-z'\-]+(?:\s?(?:et\s?al\.?|etal\.?)|,? \(?(?:19|20)"
                  r"\d{2}\)?))\s*(?P<n>\d{1,5})(?![\d.,/]|\s?(?:mg|g|%|days?|weeks?))")
_SUBROW = re.compile(r"^\s*(?P<n>\d{1,5})\s?\((?!range)[A-Za-z]")
_COUNT_LINE = re.compile(r"^\s*(?:\d{1,5}(?:\s?\(\s?\d{1,3}(?:\.\d+)?\s?%\s?\))?[a-z]?\s*){1,8}$")


def _run(text: str, s: int, e: int) -> tuple[list[tuple[int, int]], bool]:
    """Count tokens that close text[s:e] (only whitespace between them); lossy if a lone symbol precedes them."""
    toks = [(m.start(1), m.end(1), m.end()) for m in COUNT_TOK.finditer(text, s, e)]
    out, stop = [], len(text[:e].rstrip())
    for ts, te, tend in reversed(toks):
        if text[tend:stop].strip():
            break
        out.insert(0, (ts, te))
        stop = ts
    before = text[s:stop].split()
    return out, bool(out and before and re.fullmatch(r"[^\w\s]{1,2}", before[-1]))


def _iv_label(lex: Lexicon, text: str, s: int, e: int) -> str | None:
    found = {c for _, _, c in lex.find(text, s, e)}
    return found.pop() if len(found) == 1 else None


def table_rows(text: str, regions: list[tuple[int, int]], lex: Lexicon, base: int = 0) -> list[OutcomeRow]:
    rows: list[OutcomeRow] = []
    for rs, re_ in regions:
        rows += _parse_table(text, rs, re_, lex, base)
    return rows


def _parse_table(text, rs, re_, lex, base):
    cap_end = rs - 1
    if CAPTION.match(text, rs):
        cap_end = text.find("\n", rs, re_)
        cap_end = re_ if cap_end == -1 else cap_end
    caption_iv = _iv_label(lex, text, rs, cap_end) if cap_end >= rs else None
    cols: list[str] = []
    has_dose = has_time = False
    prev_header, group_iv, cur, headers, group_at = "", None, None, False, -1
    rows, block_rows, prev_block, orphans = [], [], [], []
    for ls, le in _lines(text, cap_end + 1, re_):
        line = text[ls:le]
        if not line.strip() or LEGEND.match(line):
            continue
        hc = _header_cols(line, prev_header)
        if hc is not None:
            headers = True
            if hc:
                if block_rows:
                    prev_block, block_rows = block_rows, []
                cols = hc
            has_dose |= bool(re.search(r"\bdos", line, re.I))
            has_time |= bool(re.search(r"\btime\b", line, re.I))
            prev_header, cur = line, None
            continue
        found = lex.find(text, ls, le)
        rest = text[ls:le]
        for fs, fe, _ in found:
            rest = rest.replace(text[fs:fe], "", 1)
        if len({c for *_, c in found}) == 1 and re.fullmatch(r"\s*(?:\([^()]*\))?\s*\.?\s*", rest):
            group_iv, cur, group_at = found[0][2], None, ls
            continue
        m = _ROW.match(line)
        if m and "et al" not in m.group("pre"):
            own = _iv_label(lex, text, ls, ls + m.end("pre"))
            iv = own or group_iv or caption_iv
            cur = {"iv": iv, "study": make_cell(text, ls + m.start("study"), ls + m.end("study"), base),
                   "n": (ls + m.start("n"), ls + m.end("n")), "line": (ls, le), "cont": [], "parent": None,
                   "cols": cols, "orphans": [],
                   "group": (rs + base, iv, -1 if own or not group_iv else group_at + base)}
            rows.append(cur)
            block_rows.append(cur)
            continue
        m = _SUBROW.match(line)
        if m and cur:
            parent = cur["parent"] or cur
            cur = {**parent, "n": (ls + m.start("n"), ls + m.end("n")), "line": (ls, le), "cont": [],
                   "parent": parent, "cols": cols, "orphans": []}
            rows.append(cur)
            block_rows.append(cur)
            continue
        if _COUNT_LINE.match(line) and (len(COUNT_TOK.findall(line)) > 1 or "%" in line):
            orphans.append(((ls, le), cols))
            continue
        if cur:
            cur["cont"].append((ls, le))
    if orphans and len(orphans) == len(prev_block):
        for row, (span, ocols) in zip(prev_block, orphans):
            row["orphans"].append((span, ocols))
    # without any header line (a fragment of a table) a dose phrase is still a dose; a bare duration is not trusted
    done = [_finish(text, row, lex, base, has_dose or not headers, has_time) for row in rows]
    for row, out in zip(rows, done):
        if out is not None and row.get("inherits"):
            out.dosing = row["parent"].get("dosing")
    return [r for r in done if r]


_SCHEDULE_TAIL = re.compile(r",?[ \t]*\n?[ \t]*(?:on[ \t])?days?[ \t]\d+(?:[ \t]?[-\u2013][ \t]?\d+)?")
_DOSE_LABEL = re.compile(r"(?:(?:[Ll]iposomal|[Rr]abbit|[Hh]orse|[Oo]ral) )?([A-Za-z][\w\-]+):?\s$")

# The dosing column of an OCR'd table wraps over several lines, and each line also carries the other columns' text
# (the N cell's note before it, the time of response and the counts after it). What continues a dose phrase on its
# own line or on the next one is recognised by a small grammar: each piece is allowed after a given state (what the
# phrase so far still expects) and sets the next one. "start" = complete. A phrase that ends while still expecting
# something ("divided over" and no duration found) is cut back to its last complete point.
_UNIT = (r"(?:mg|g|mcg|\u00b5g|\u03bcg|ug|IU|U|units?|mL|ml)(?:\s?/\s?(?:kg|m2|m\u00b2|m\?2|m\?))?"
         r"(?:\s?/\s?(?:day|d|dose))?")
_NUMBER = r"\d+(?:\.\d+)?(?:\s?(?:-|\u2013|to)\s?\d+(?:\.\d+)?)?"
_PIECES: list[tuple[str, re.Pattern, str, bool]] = [   # (state it follows, pattern, next state, may open a line)
    ("start", rx(rf"\((?:range|IQR)[,:]?\s?{_NUMBER}(?:\s?(?:{_UNIT}|days?|weeks?|doses?))?(?P<close>\s?\))?"),
     "paren", False),
    ("start", rx(r"divided (?:over|into|across)\b"), "dur", True),
    ("start", rx(r"(?:given|administered) (?:together with|along with|with|after|before) (?:the )?(?P<drug>[A-Za-z]"
                 r"[\w\-]+)\b"), "start", True),
    ("start", rx(r"(?:and )?then\b"), "verb", True),
    ("start", rx(r"as (?:a|the) (?:first|second|single|initial|sole|only|last)\b"), "course", False),
    ("dur", rx(r"(?:a )?median of\b"), "dur", True),
    ("dur", rx(r"<NUM>(?: (?:consecutive|successive|equal|daily))? (?:days?|weeks?|doses?|hours?)\b\.?"), "start",
     True),
    ("paren", rx(rf"(?:{_UNIT}|days?|weeks?|doses?)?\s?\)"), "start", True),
    ("verb", rx(r"(?:tapered|discontinued|weaned|stopped|repeated|reduced|halved|withdrawn)\b\.?"), "start", True),
    ("course", rx(r"(?:or (?:an? |the )?(?:only|second|subsequent|single|later|repeat) )?(?:courses?|cycles?|doses?)"
                  r"\b\.?"), "start", True),
]


def _piece(text: str, lex: Lexicon, pos: int, end: int, state: str, opens_line: bool):
    """The grammar piece at `pos` (after blanks) allowed in `state`: (match, next state), or (None, state)."""
    while pos < end and text[pos] in " \t":
        pos += 1
    for st, pat, nxt, line_start in _PIECES:
        if st != state or (opens_line and state == "start" and not line_start):
            continue
        m = pat.match(text, pos, end)
        if m is None or m.end() == pos:
            continue
        if "drug" in pat.groupindex and not lex.canonical(m.group("drug")):
            continue
        if "close" in pat.groupindex and m.group("close"):
            nxt = "start"
        return m, nxt
    return None, state


def _phrase(text: str, lex: Lexicon, span: tuple[int, int], line_end: int,
            below: list[tuple[int | None, int]]) -> list[tuple[int, int]]:
    """A dose phrase `span` continued by the grammar on its own line, then on the lines below (each given as (where
    the dosing column may start on it or None, line end)): a line's part starts at its column start and ends where
    the grammar stops (the rest is another column's text). On the next line it goes on only while the phrase expects
    more ("divided over" -> "five consecutive days.") or with a piece that can only continue a dose ("given with the
    ATG", "then tapered"). The spans are verbatim; nothing is kept past the last complete point."""
    spans = [list(span)]
    good = (1, span[1])
    state, pos, end, i = "start", span[1], line_end, 0
    while True:
        m, state2 = _piece(text, lex, pos, end, state, False)
        if m is not None:
            spans[-1][1] = pos = m.end()
        else:
            if i >= len(below) or below[i][0] is None:
                break
            (ls, le), i = below[i], i + 1
            m, state2 = _piece(text, lex, ls, le, state, True)
            if m is None:
                break
            spans.append([m.start(), m.end()])
            pos, end = m.end(), le
        state = state2
        if state == "start":
            good = (len(spans), pos)
    spans = spans[:good[0]]
    spans[-1][1] = good[1]
    return [(a, b) for a, b in spans]


def _column_starts(text: str, segs: list[tuple[int, int]], depth: int) -> list[int | None]:
    """Where the text after the N column starts on each continuation line of a row: the line start, or, while the
    N cell's note "(patients with ..." opened on the row line is still open, just after the ")" that closes it;
    None for a line that may be all note."""
    out: list[int | None] = []
    for s, e in segs:
        i = s
        while depth > 0 and i < e:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(i if depth <= 0 else None)
    return out


def _note_depth(text: str, s: int, e: int) -> int:
    """Parentheses left open by the N cell's note on the row line ("34 (patients with"), 0 without a note."""
    if not re.match(r"\s*\(", text[s:e]):
        return 0
    return max(0, text.count("(", s, e) - text.count(")", s, e))


def _regimen_parts(text: str, segs: list[tuple[int, int]], starts: list[int | None], k: int, ds: int,
                   lex: Lexicon) -> list[tuple[int, int]] | None:
    """A dosing cell that starts on continuation line k of a row may go on over the next lines (a regimen of several
    drugs, or one drug's taper): a later line belongs to it when it states a dose after a drug name, or a dose right
    below a line that does; at most one line without a dose ("day of every week.") may sit between two parts. Each
    line gives one part: from where the dosing column starts on it (after the N cell's wrapped note) to its end, the
    last one to its last dose (with its "days 4-6"). A line where the note may still run on gives only a drug's
    dose. None when the regimen does not go on past line k."""
    last, end = k, None
    for j in range(k + 1, len(segs)):
        s, e = segs[j]
        doses = list(DOSE.finditer(text, s, e))
        if not doses:
            if j - last >= 2:
                break
            continue
        if not lex.find(text, s, doses[0].start()) and j != last + 1:
            break
        end, last = doses[-1].end(), j
        nxt = segs[j + 1] if j + 1 < len(segs) else None
        tail = _SCHEDULE_TAIL.match(text, end, nxt[1] if nxt and starts[j + 1] == nxt[0] else e)
        end = tail.end() if tail else end
    if end is None:
        return None
    parts = [(ds, segs[k][1])]
    for j in range(k + 1, last + 1):
        s, e = segs[j]
        if starts[j] is None:
            d = DOSE.search(text, s, e)
            lab = _DOSE_LABEL.search(text[s:d.start()]) if d else None
            if d is None or not (lab and lex.canonical(lab.group(1))):
                continue
            s = s + lab.start()
        else:
            s = starts[j]
        parts.append((s, end if j == last else e))
    return parts


def _dose(text: str, row: dict, lex: Lexicon) -> tuple[list[tuple[int, int]], str | None, int] | None:
    """The dosing parts of a table row, the drug its label names ("Methylprednisolone:"), and where the dose part on
    the row line ends (the end of N when the dose starts on a later line)."""
    ls, le = row["line"]
    _, ne = row["n"]
    segs = [(ne, le), *row["cont"]]
    for k, (s, e) in enumerate(segs):
        d = DOSE.search(text, s, e)
        if not d:
            continue
        ds, drug = d.start(), None
        lab = _DOSE_LABEL.search(text[s:ds])
        if lab and lex.canonical(lab.group(1)):
            ds, drug = s + lab.start(), lex.canonical(lab.group(1))
        starts = _column_starts(text, segs[1:], _note_depth(text, ne, ds if k == 0 else le))
        starts = [ne, *starts]
        parts = _regimen_parts(text, segs, starts, k, ds, lex) if k else None
        if parts is None:
            below = [(starts[j], segs[j][1]) for j in range(k + 1, len(segs))]
            parts = _phrase(text, lex, (ds, d.end()), e, below)
        return parts, drug, (parts[0][1] if k == 0 else ne)
    return None


def _finish(text, row, lex, base, has_dose, has_time):
    if not row["iv"]:
        return None
    ls, le = row["line"]
    ns, ne = row["n"]
    out = OutcomeRow(intervention=row["iv"], study=row["study"], patients=make_cell(text, ns, ne, base), origin="table")
    row["out"] = out
    after = ne
    if has_dose:
        found = _dose(text, row, lex)
        parent = row["parent"]
        if found is not None:
            parts, drug, after = found
            if parent is not None and drug is not None and drug != row["iv"]:
                # a sub-row listing another drug ("Methylprednisolone: 4 mg/kg/day given with the ATG"): the dosing
                # cell spans the sub-rows, it goes on the regimen of the row above
                if parent.get("dosing") is not None:
                    parts = [(c.start - base, c.end - base) for c in parent["dosing"].spans()] + parts
                    parent["dosing"] = parent["out"].dosing = make_parts(text, parts, base)
                found = None
            else:
                out.dosing = make_parts(text, parts, base)
        if found is None and parent is not None:
            row["inherits"] = True
            out.dosing = parent.get("dosing")
        row["dosing"] = out.dosing
    run, lossy = _run(text, after, le)
    if has_time:
        t = DUR.search(text, after, run[0][0] if run else le)
        out.time_to_response = make_cell(text, t.start(), t.end(), base) if t else None
    for s, e in [(ls, le), *row["cont"]]:
        d = re.search(r"(?:^\s*\(|^)\s*(\d{1,5}) (?:treatment )?(?:courses|cycles|episodes)\)?\s*$", text[s:e])
        out.denominators += [int(d.group(1))] if d else []
    if run and row["cols"] and len(run) <= len(row["cols"]):
        out.pending.append(Pending([make_cell(text, s, e, base) for s, e in run], list(row["cols"]), lossy,
                                   row["group"]))
    for (os_, oe), ocols in row["orphans"]:
        toks = [(m.start(1), m.end(1)) for m in COUNT_TOK.finditer(text, os_, oe)]
        if ocols and len(toks) <= len(ocols):
            out.pending.append(Pending([make_cell(text, s, e, base) for s, e in toks], list(ocols)))
    return out
