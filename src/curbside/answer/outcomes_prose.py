"""Prose route of outcome extraction (see outcomes.py for the API and the merging rules).

Sentences outside table regions are read with patterns ("12 of 34 patients (35%) achieved a complete response",
"a partial response was achieved in 14 of 22 patients", "overall response rate of 73%", "a dose of 2 mg/kg/day",
"survived to HCT", "grade 3 neutropenia occurred in 12%"). A fact belongs to the intervention named nearest to it in
its sentence (names preceded by "following", "previously treated with"... are prior therapy, not the subject),
else to the intervention of the current numbered heading, else to the paragraph's first intervention. The study
label ("Name et al.") and a cohort size stated as "(n = 22)" or "a series of 22 patients" carry over to the
following sentences of the same section until another study is introduced.
"""

from __future__ import annotations

import re

from curbside.answer.outcomes import (
    RESPONSE_COLS, TEXT_COLS, Cell, Lexicon, OutcomeRow, approx, consistent, count_of, make_cell, pct_of, same_value,
)
from curbside.answer.outcomes_tables import DOSE, HEADING, STUDY, _lines, rx

_FACTS = [(rx(p), col) for p, col in [
    (r"(?P<n><CNT>)\s*(?:of|out of|/)\s*(?P<tot><NUM>)(?: <PAT>)?(?:\s*\((?P<pct><PCT>)\))?,?(?: [^.;]{0,40}?)?? <VERB>"
     r" (?:(?:only )?an? )?(?:only )?(?P<resp><RESP>)(?:\s*\((?P<pct2><PCT>)\))?", None),
    (r"(?P<resp><RESP>)(?:\s*\((?:CR|PR|ORR)\))?(?: (?:was|were))?(?: (?:achieved|observed|seen|reported|noted|"
     r"documented|obtained|attained|occurred))? in (?P<n><CNT>)(?:\s*(?:of|out of|/)\s*(?P<tot><NUM>))?"
     r"(?: (?:the )?<PAT>)?(?:\s*\((?P<pct><PCT>)\))?", None),
    (r"(?P<n><CNT>)(?: <PAT>)?(?:\s*\((?P<pct><PCT>)\))?(?: [^.;,]{0,40}?)?? <VERB> (?:(?:only )?an? )?(?:only )?"
     r"(?P<resp><RESP>)(?:\s*\((?P<pct2><PCT>)\))?", None),
    (r"(?P<n><CNT>)(?: <PAT>)?(?:\s*\((?P<pct><PCT>)\))? (?P<resp>failed to respond|did not respond|had no response|"
     r"showed no response|were non-?responders)(?:\s*\((?P<pct2><PCT>)\))?", "no_response"),
    (r"(?P<pct><PCT>) of (?:the )?<PAT>(?: [^.;,]{0,30}?)?? <VERB> (?:(?:only )?an? )?(?:only )?(?P<resp><RESP>)",
     None),
    (r"(?P<pct><PCT>)(?: of (?:the )?<PAT>)? (?P<resp>failed to respond|did not respond|had no response|showed no "
     r"response|were non-?responders)", "no_response"),
    (r"(?P<resp><RESP>)(?: rate)?(?: (?:was|were))?(?: (?:achieved|observed|seen|reported|noted|documented|obtained"
     r"|attained))? in (?P<pct>(?:(?:approximately|about|around|nearly) )?<PCT>)(?: of (?:the )?<PAT>)?", None),
    (r"\b(?P<resp>CR|PR|ORR|NR)\b:?(?: (?:in|was|of))?\s*(?P<n>\d+)(?![\d.]|\s*%)(?:\s*/\s*(?P<tot>\d+))?"
     r"(?:\s*\((?P<pct><PCT>)\))?", None),
    (r"(?P<resp>\b(?:CR|PR|ORR)\b(?: rate)?|(?:overall|objective|complete|partial) (?:response|remission) rate)(?: \("
     r"(?:CR|ORR|PR)\))?(?: (?:was|of|reached))?(?:\s*[:=])?\s*(?P<pct>(?:(?:approximately|about) )?<PCT>)(?:\s*\("
     r"(?P<n>\d+)\s*/\s*(?P<tot>\d+)\))?", None),
    (r"\b(?P<q>both(?: <PAT>)?|all (?P<qn><NUM>) <PAT>|(?:the|these|those) (?P<qn2><NUM>) <PAT>)(?:,? [^.;]{0,100}?)?? "
     r"(?:<VERB>|were reported to (?:experience|achieve|have)) (?:an? )?(?P<resp><RESP>)", None),
    (r"\bno (?:<PAT> (?:[^.;]{0,40}? )?<VERB> (?:an? )?(?P<resp><RESP>)|(?P<resp2><RESP>)s? (?:(?:were|was) )?"
     r"(?:reported|observed|seen|achieved|documented|noted))", None),
]]
_SURV = [rx(r"(?:<PCT>|<CNT>(?:\s*(?:of|/)\s*<NUM>)?)(?: of(?: the)?)?(?: <PAT>)?(?:\s*\(<PCT>\))? (?:survived|were "
            r"alive|remained alive)(?: to (?:undergo )?[^.;,]{1,60}?(?=[.;,]|$)| at [^.;,]{1,30}| for [^.;,]{1,30})?"),
         rx(r"(?:(?:overall|event-free|progression-free|disease-free|\d+-(?:year|month|day)|median) )*survival"
            r"(?: (?:to "
            r"\w+|rate|at \d+ \w+))?(?: (?:was|of|reached|is))?(?:\s*[:=])?\s*(?:(?:approximately|about) )?(?:<PCT>|"
            r"<NUM> (?:months|years|days|weeks))")]
_TTR = [rx(r"(?P<v>median time to (?:response|CR|PR|remission|complete response|resolution|improvement)(?: (?:was|of))?"
           r"\s*:?\s*<DUR>(?:\s*\(range[^)]{0,30}\))?)"),
        rx(r"(?:CR|response|remission|resolution) (?:was )?(?:achieved|observed|obtained) (?:in|after|within) (?P<v>a "
           r"median (?:time )?of <DUR>(?:\s*\(range[^)]{0,30}\))?)"),
        rx(r"(?:resolved|responded|resolution|remission|response)[^.;]{0,80}?"
           r"\b(?P<v>(?:within|by) (?:a median of )?<DUR>)"),
        rx(r"^(?P<v><DUR>) (?:after|following) [^,.;]{0,40},[^.;]{0,120}?\b(?:resolved|improved|responded|normali)")]
_AE = [rx(r"(?:grade\s?[1-5](?:\s?(?:-|\u2013|or|to|and)\s?[1-5])? |serious |severe )?<AE>[^.;]{0,40}? (?:occurred|"
          r"(?:was|were) (?:observed|reported|seen|noted)|developed) in (?:<PCT>|<NUM>(?:\s*(?:of|/)\s*<NUM>)?)"
          r"(?: (?:of )?(?:the )?<PAT>)?"
          r"(?:\s*\(<PCT>\))?"),
       rx(r"(?:<PCT>|<CNT>)(?: of (?:the )?<PAT>| <PAT>)?(?:\s*\(<PCT>\))? (?:experienced|developed|had) "
          r"[^.;,]{0,50}?<AE>"),
       rx(r"\bno (?:\w+ ){0,2}(?:toxicities|adverse (?:events|effects|reactions)|side effects|complications)"
          r"(?: (?:or|and)"
          r" (?:toxicities|complications|side effects|adverse (?:events|effects)))? (?:were|was) (?:reported|observed|"
          r"noted|seen)"),
       rx(r"(?:adverse (?:events|effects|reactions)|toxicities|complications) including [^.;]{5,250}")]
_NPAT = [(rx(p), cohort) for p, cohort in [
    (r"\(\s*n\s*=\s*(?P<n>\d+)\s*\)", True),
    (r"\b(?:series|study|trial|cohort|report|analysis|group)(?: \w+){0,2}? (?:of|with|including|enrolling|involving) "
     r"(?P<n><CNT>) <PAT>", True),
    (r"\b(?:enrolled|enrolling|recruited|randomi[sz]ed|treated|a total of) (?P<n><CNT>) <PAT>", True),
    (r"\b(?:in (?:the|those|these|all)|(?:of|among)(?: the| those| these| all)?) (?P<n><CNT>) <PAT>", False),
    (r"\b(?P<n><CNT>) <PAT>(?: [^.;]{0,120}?)?? (?:received|were treated|were given|were enrolled|were included|"
     r"underwent|who received|(?:randomi[sz]ed|assigned|allocated) to)\b", False),
    (r"\b(?:administered|given) to (?P<n><CNT>) <PAT>", False),
    (r"\bthe (?P<n><CNT>) <PAT>", False)]]
_RESP_WORD = re.compile(r"respon|remission|resolution|\b(?:CR|PR|NR|ORR)\b", re.I)
_AE_WORD = re.compile(r"advers|side.effect|toxicit|complication|grade|penia|sepsis|infect|emia|rash|urticaria|fever|"
                      r"nausea|vomit|diarrh|fatigue|hypotension|seizure|death|mucositis", re.I)
_DUR_WORD = r"hour|day|week|month|\b(?:h|wk|hr)s?\b"
_HINT = rx(r"\((?P<resp>complete|partial) (?:response|remission)\)")
_NEW_STUDY = rx(r"^\W*(?!(?:in )?(?:this|that|these|the same)\b)(?:(?:a|an|the|in|in the|in a|another|two|one) )?"
                r"(?:[\w-]+ ){0,2}?(?:case series|series|study|"
                r"trial|report|case report|case reports|cohort|analysis)\b")
_PRIOR = rx(r"\b(?:following|after|prior to|previously(?: treated with| received)?|initially treated with|pre-?treated "
            r"with|refractory to|failed|failure of|before|despite|in addition to)\b")
_FILLER = re.compile(r"(?:[\s,;()]|\b(?:and|or|with|treatment|therapy|a|the|of|steroids?|corticosteroids|chemotherapy"
                     r"|previous|courses?|first|second|line|single|doses?|\d+|weeks?|days?|more|either|both|standard|"
                     r"established|initial)\b)*", re.I)
_SENT_END = re.compile(r"[.!?](?:(?<=[A-Za-z)\]][.!?])[\d,:;\u00b0>\u2013-]{1,8}|[\"'\u201d\u2019)\]]*)"
                       r"(?=\s+[\"\u201c(\[]?[A-Z0-9])")


def _span(text: str, s: int, e: int, base: int) -> Cell:
    """Cell text[s:e], closing a parenthesis left open ("14 of 22 patients (64%" + ")")."""
    e += text[s:e].count("(") > text[s:e].count(")") and text[e:e + 1] == ")"
    return make_cell(text, s, e, base)


def _col(resp: str) -> str:
    r = resp.lower()
    if re.search(r"overall|objective|orr|or partial|or complete", r):
        return "overall_response"
    if re.search(r"fail|did not|no resp|non-?resp|^nr$", r):
        return "no_response"
    return "complete_response" if re.search(r"complete|^crs?$", r) else "partial_response"


def _units(text: str, s: int, e: int):
    """("heading", s, e) and ("para", s, e) in order; a paragraph cut by an OCR blank line mid-sentence is joined."""
    paras, cur = [], None
    for ls, le in _lines(text, s, e):
        line = text[ls:le]
        if HEADING.match(line):
            if cur:
                paras.append(("para", *cur))
            paras.append(("heading", ls, le))
            cur = None
        elif not line.strip() or re.match(r"\s*(?:[\u2022\u25aa\u25cf*\u2013-]|\d{1,2}[.)])\s", line):
            if cur:
                paras.append(("para", *cur))
            cur = (ls, le) if line.strip() else None          # a bullet item is a paragraph of its own
        else:
            cur = (cur[0], le) if cur else (ls, le)
    if cur:
        paras.append(("para", *cur))
    out = []
    for kind, ps, pe in paras:
        prev = out[-1] if out else None
        if kind == "para" and prev and prev[0] == "para" and re.match(r"\s*[a-z(]", text[ps:pe]) \
                and not re.search(r"[.!?:][\d,:\u2019'\"\u201d)]*$", text[prev[1]:prev[2]].rstrip()):
            out[-1] = ("para", prev[1], pe)
        else:
            out.append((kind, ps, pe))
    return out


def _sentences(text: str, s: int, e: int):
    start = s
    for m in _SENT_END.finditer(text, s, e):
        word = re.search(r"(\w+)\W*$", text[max(s, m.start() - 8):m.start()])
        if word and (word.group(1) in {"al", "e.g", "i.e", "vs", "Fig", "No", "approx", "Dr", "Ref"}
                     or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        yield start, m.end()
        start = m.end()
    if text[start:e].strip():
        yield start, e


def _prior(text: str, lex: Lexicon, ss: int, ms: int) -> bool:
    w0 = max(ss, ms - 90)
    cues = list(_PRIOR.finditer(text, w0, ms))
    if not cues:
        return False
    between = text[cues[-1].end():ms]
    for fs, fe, _ in lex.find(text, cues[-1].end(), ms):
        between = between.replace(text[fs:fe], " ")
    return bool(_FILLER.fullmatch(between))


class _State:
    def __init__(self):
        self.heading_iv = self.topic = self.study = self.cohort = None
        self.study_ivs: set[str] = set()     # interventions the carried-over study label was introduced with


def prose_rows(text: str, regions: list[tuple[int, int]], lex: Lexicon, base: int = 0) -> list[OutcomeRow]:
    rows, st, pos = [], _State(), 0
    for s, e in [*regions, (len(text), len(text))]:
        for kind, us, ue in _units(text, pos, s):
            if kind == "heading":
                st = _State()
                st.heading_iv = next((c for *_, c in lex.find(text, us, ue)), None)
                continue
            if not re.match(r"\s*[a-z(]", text[us:ue]):
                st.topic = None
            for ss, se in _sentences(text, us, ue):
                rows += _sentence_rows(text, ss, se, st, lex, base)
        pos = max(pos, e)
    return rows


def _sentence_rows(text: str, ss: int, se: int, st: _State, lex: Lexicon, base: int) -> list[OutcomeRow]:
    sent = text[ss:se]
    ments = [(ms, me, c, _prior(text, lex, ss, ms)) for ms, me, c in lex.find(text, ss, se)]
    active = [(ms, me, c) for ms, me, c, p in ments if not p]

    def assign(fs: int, fe: int) -> str | None:
        if active:
            return min(active, key=lambda m: max(m[0] - fe, fs - m[1], 0))[2]
        return st.heading_iv or st.topic

    def cell(m: re.Match, g: str | int = 0) -> Cell:
        return make_cell(text, ss + m.start(g), ss + m.end(g), base)

    study = STUDY.search(sent)
    if study:
        st.study, st.cohort = cell(study), None
        st.study_ivs = {c for *_, c in active} | ({st.heading_iv or st.topic} - {None})
    elif _NEW_STUDY.match(sent):
        st.study = st.cohort = None
        st.study_ivs = set()
    if st.topic is None and active:
        st.topic = active[0][2]

    def study_for(iv: str) -> Cell | None:
        """A study named in this sentence labels all its rows; one carried over from an earlier sentence only
        labels rows of the intervention it was introduced with (a later "the three patients who received X"
        is not that study's result)."""
        if st.study is None or study:
            return st.study
        if not st.study_ivs:
            st.study_ivs = {iv}
        return st.study if iv in st.study_ivs else None
    ncells = [(cell(m, "n"), cohort) for pat, cohort in _NPAT for m in pat.finditer(sent)]
    facts: list[tuple[str, Cell, Cell | None]] = []
    used: list[tuple[int, int]] = []
    shorts: dict[tuple[int, int], Cell] = {}
    # "CR and PR in 27% and 49%, respectively" is not read; sentences without a response word are skipped fast
    skip = re.search(r"\brespectively\b", sent) or not _RESP_WORD.search(sent)
    for pat, fixed in _FACTS if not skip else []:
        for m in pat.finditer(sent):
            g = {k: v for k, v in m.groupdict().items() if v is not None}
            short = None
            rk = "resp" if "resp" in g else "resp2" if "resp2" in g else None
            if rk and any(m.start(rk) < e and s < m.end(rk) for s, e in used):
                continue
            col = fixed or _col(g.get(rk, ""))
            tot = cell(m, "tot") if "tot" in g else None
            if "q" in g:
                val = cell(m, "q")
                tot = cell(m, "qn") if "qn" in g else cell(m, "qn2") if "qn2" in g else val
            elif rk == "resp2" or m.group().lower().startswith("no"):
                val = cell(m)
            elif "n" in g:
                val, short = (_span(text, ss + min(m.start(k) for k in keys if k in g),
                                    ss + max(m.end(k) for k in keys if k in g), base)
                              for keys in (("n", "tot", "pct", "pct2"), ("n", "tot", "pct")))
            else:
                val = cell(m, "pct")
            if rk:
                used.append(m.span(rk))      # a clause read once, even when its numbers are then rejected
            if tot is not None and "q" not in g:
                n, t, p = count_of(val.value), count_of(tot.value), pct_of(val.value)
                tol = 5 if approx(val.value) else 1
                if n is None or not t or n > t or (p is not None and abs(n * 100 / t - p) > tol):
                    continue
            facts.append((col, val, tot))
            shorts[(val.start, val.end)] = short
    for pats, col, gate in ((_SURV, "survival", r"surviv|alive"), (_TTR, "time_to_response", _DUR_WORD)):
        for pat in pats if re.search(gate, sent, re.I) else []:
            for m in pat.finditer(sent):
                facts.append((col, cell(m, "v" if "v" in m.groupdict() else 0), None))
    ae = [m.span() for pat in _AE for m in pat.finditer(sent)] if _AE_WORD.search(sent) else []
    if ae:
        facts.append(("adverse_events", make_cell(text, ss + min(s for s, _ in ae), ss + max(e for _, e in ae), base),
                      None))
    ncells += [(tot, False) for _, _, tot in facts if tot is not None]
    nvals = {count_of(c.value) for c, _ in ncells}
    for c, cohort in ncells:
        if cohort and len(nvals) == 1:
            st.cohort = (c, assign(c.start - base, c.end - base))
    groups: dict[tuple[str, int | None], OutcomeRow] = {}

    def row_for(iv: str | None, n_cell: Cell | None) -> OutcomeRow | None:
        if iv is None:
            return None
        if n_cell is None and not ncells and st.cohort and st.cohort[1] == iv:
            n_cell = st.cohort[0]
        if n_cell is None and len(nvals) == 1:
            n_cell = ncells[0][0]
        key = (iv, count_of(n_cell.value) if n_cell else None)
        if key not in groups:
            groups[key] = OutcomeRow(intervention=iv, study=study_for(iv), patients=n_cell)
        return groups[key]

    conflicts: set[tuple[int, str]] = set()
    for col, val, tot in facts:
        row = row_for(assign(val.start - base, val.end - base), tot)
        if row is None:
            continue
        old = getattr(row, col)
        if old is None:
            setattr(row, col, val)
        elif col not in TEXT_COLS and not same_value(old, val, []):
            conflicts.add((id(row), col))
    for m in DOSE.finditer(sent):
        fs, fe = ss + m.start(), ss + m.end()
        inside = [c for ms, me, c, _ in ments if fs <= ms and me <= fe]
        before = sorted((fs - me, c, p) for ms, me, c, p in ments if me <= fs and fs - me <= 80)
        after = sorted((ms - fe, c, p) for ms, me, c, p in ments if ms >= fe and ms - fe <= 25)
        pick = inside[0] if inside else before[0][1] if before and not before[0][2] else \
            after[0][1] if not before and after and not after[0][2] else None
        row = row_for(pick, None)
        if row is not None and row.dosing is None:
            row.dosing = cell(m)
    for m in _HINT.finditer(sent):
        row = row_for(assign(ss + m.start(), ss + m.end()), None)
        if row is not None:
            row.hints[_col(m.group("resp"))] = "pos"
    out = []
    for row in groups.values():
        for c in [c for rid, c in conflicts if rid == id(row)]:
            setattr(row, c, None)
        if not consistent(row.cells(), []):
            for c in (*RESPONSE_COLS, "overall_response"):
                setattr(row, c, None)
        for c, v in row.cells().items():   # show "Twelve of 34", not the whole clause up to "(35%)"
            setattr(row, c, shorts.get((v.start, v.end)) or v)
        if set(row.cells()) - {"patients"} or row.hints:
            out.append(row)
    return out
