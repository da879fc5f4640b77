"""Outcome extraction for the Evidence Table: per study and intervention, patients, complete/partial/no response,
overall response, survival, time to response, dosing and adverse events, from prose and flattened (OCR) tables.

Every value is a Cell holding the exact substring of the text it came from (offsets + base_offset). Rule based
and offline. Table rows whose columns cannot be told apart (OCR loses positions) carry their numbers as a pending
group; merge_rows assigns a pending number to a column only when every assignment consistent with the other
sources (counts <= N, percentages with one common denominator, known cells, response hints) agrees. A row's lone
number that is its whole cohort (N patients, all in one column) takes the column that the other rows of the same
agent block were placed in by such evidence, when they all agree (see _sibling_columns).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

RESPONSE_COLS = ("complete_response", "partial_response", "no_response")
NUMERIC_COLS = ("patients", *RESPONSE_COLS, "overall_response", "survival")
TEXT_COLS = ("time_to_response", "dosing", "adverse_events")
ALL_COLS = (*NUMERIC_COLS, *TEXT_COLS)
_OUTCOME_COLS = {*RESPONSE_COLS, "overall_response", "survival"}


@dataclass
class Cell:
    """A value quoted from the text. A plain cell is one exact span: value == text[start - base:end - base]. A cell
    in several parts (a table cell that OCR interleaved with other columns' text) has `parts`, each an exact span
    in reading order; its value is their values joined by a space and start/end are the first start and last end
    (the text between them is not part of the cell)."""

    value: str
    start: int
    end: int
    parts: list["Cell"] = field(default_factory=list)

    def spans(self) -> list["Cell"]:
        """The exact spans the cell is quoted from (itself when it is one span)."""
        return self.parts or [self]


@dataclass
class Pending:
    """Numbers of one table row (left to right) that belong, in order, to some of `columns` ("other" = a column
    not shown); which columns are blank is not known."""

    tokens: list[Cell]
    columns: list[str]
    lossy: bool = False          # a garbled token sits just before them (OCR may have lost a number)
    group: tuple | None = None   # (table, intervention, group label): rows listed together under one agent


@dataclass
class OutcomeRow:
    intervention: str
    study: Cell | None = None
    patients: Cell | None = None
    complete_response: Cell | None = None
    partial_response: Cell | None = None
    no_response: Cell | None = None
    overall_response: Cell | None = None
    survival: Cell | None = None
    time_to_response: Cell | None = None
    dosing: Cell | None = None
    adverse_events: Cell | None = None
    source_text_id: str = ""
    origin: str = field(default="prose", repr=False)                 # prose | table
    hints: dict[str, str] = field(default_factory=dict, repr=False)  # column -> "pos" (reported, count unknown)
    denominators: list[int] = field(default_factory=list, repr=False)  # e.g. "45 courses"
    pending: list[Pending] = field(default_factory=list, repr=False)
    parts: list["OutcomeRow"] = field(default_factory=list, repr=False)  # raw rows merged into this one

    def cells(self) -> dict[str, Cell]:
        return {c: getattr(self, c) for c in ALL_COLS if getattr(self, c) is not None}


# ---------------------------------------------------------------- numbers
_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
NUMW = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s](?:one|two|three|four|five|six|seven"
        r"|eight|nine)\b)?|" + "|".join(sorted(_SMALL, key=len, reverse=True)) + ")")
NUM = rf"(?:(?<![\w.,/])\d+(?:\.\d+)?(?![\d.,]*\d)(?![A-Za-z])|\b(?i:{NUMW})\b)"
PCT = rf"(?:(?<![\w.])\d+(?:\.\d+)?\s?%|(?:\d+(?:\.\d+)?|\b(?i:{NUMW}))\s+per\s?cent)"
_NUM_TOKEN = re.compile(rf"(?P<d>\d+(?:\.\d+)?)(?P<dp>\s?%|\s+per\s?cent)?|\b(?P<w>{NUMW})\b(?P<wp>\s+per\s?cent)?",
                        re.I)


def word_value(word: str) -> int | None:
    parts = re.split(r"[-\s]+", word.lower().strip())
    if len(parts) == 1:
        return _SMALL.index(parts[0]) if parts[0] in _SMALL else _TENS.get(parts[0])
    if parts[0] in _TENS and parts[1] in _SMALL[1:10]:
        return _TENS[parts[0]] + _SMALL.index(parts[1])
    return None


def _numbers(value: str):
    for m in _NUM_TOKEN.finditer(value):
        if m.group("d"):
            yield float(m.group("d")), bool(m.group("dp"))
        else:
            v = word_value(m.group("w"))
            if v is not None:
                yield float(v), bool(m.group("wp"))


def count_of(value: str) -> int | None:
    """The count a cell states: its first number that is not a percentage ("no ..." = 0, "both" = 2)."""
    if re.match(r"\s*(?:no|none)\b", value, re.I):
        return 0
    if re.match(r"\s*both\b", value, re.I):
        return 2
    for v, is_pct in _numbers(value):
        if not is_pct:
            return int(v) if v == int(v) else None
    return None


def pct_of(value: str) -> float | None:
    return next((v for v, is_pct in _numbers(value) if is_pct), None)


def approx(value: str) -> bool:
    return bool(re.search(r"approx|about|around|nearly|~|\u2248", value, re.I))


def make_cell(text: str, s: int, e: int, base: int = 0) -> Cell:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return Cell(text[s:e], s + base, e + base)


def make_parts(text: str, spans: list[tuple[int, int]], base: int = 0) -> Cell | None:
    """One cell from several spans of `text` (in order): each trimmed, empty ones dropped, spans separated by
    whitespace only joined into one; a single span gives a plain cell."""
    merged: list[list[int]] = []
    for s, e in spans:
        c = make_cell(text, s, e)
        if c.start >= c.end:
            continue
        if merged and c.start >= merged[-1][1] and not text[merged[-1][1]:c.start].strip():
            merged[-1][1] = c.end
        else:
            merged.append([c.start, c.end])
    if not merged:
        return None
    parts = [make_cell(text, s, e, base) for s, e in merged]
    if len(parts) == 1:
        return parts[0]
    return Cell(" ".join(p.value for p in parts), parts[0].start, parts[-1].end, parts)


# ---------------------------------------------------------------- interventions
# Which interventions a document reports on is read from the document itself (the project's one intervention
# lexicon: the drug dictionary, the document's own abbreviation definitions such as "antithymocyte globulin (ATG)"
# or a regimen "XYZ (drug a, drug b and drug c)", and names it calls a regimen or protocol); nothing here names a
# condition, a drug or a paper. Only comparators are listed.
GENERIC: dict[str, list[str]] = {"Placebo": ["placebo"]}


def document_interventions(text: str) -> dict[str, list[str]]:
    """canonical display name -> aliases, for the interventions `text` names (see above)."""
    from curbside.answer.interventions import regimens_of
    from curbside.retrieve.abbreviations import find_definitions
    from curbside.retrieve.drugs import find_drugs

    text = text[:300_000]
    entries: dict[str, list[str]] = {k: list(v) for k, v in GENERIC.items()}
    by_drug: dict[str, str] = {}                      # dictionary name -> canonical display name
    for d in find_drugs(text):
        canon = by_drug.setdefault(d.name, d.name[:1].upper() + d.name[1:])
        aliases = entries.setdefault(canon, [d.name])
        if d.matched not in aliases:
            aliases.append(d.matched)
    for short, long in find_definitions(text):
        drugs = find_drugs(long)
        if len(drugs) == 1 and len(drugs[0].matched) >= 0.6 * len(long.strip()):
            # "antithymocyte globulin (ATG)": the document's own short name becomes the display name
            old = by_drug.get(drugs[0].name)
            aliases = entries.pop(old, []) if old else []
            entries[short] = list(dict.fromkeys([short, long, *aliases]))
            by_drug[drugs[0].name] = short
        elif len(drugs) >= 2:
            entries.setdefault(short, [short])         # a regimen named by its drugs' initials
    for name in regimens_of(text):
        entries.setdefault(name, [name])
    # a short acronym alone on its line heads a group of rows in a flattened table ("DEP" above its studies)
    for m in _LONE_ACRONYM.finditer(text):
        name = m.group(1)
        if name.upper() not in _NOT_NAMES and not any(name in al for al in entries.values()):
            entries.setdefault(name, [name])
    # a code-like name in the first column of a study row ("HLH-2004 Brandt et al. 80 ..."): the row's protocol
    for m in _ROW_NAME.finditer(text):
        name = m.group(1)
        if name.upper() not in _NOT_NAMES and not any(name in al for al in entries.values()):
            entries.setdefault(name, [name])
    return entries


_ROW_NAME = re.compile(r"^[ \t]*([A-Z][A-Za-z]{0,7}(?:-[A-Za-z0-9]{1,6})*(?:-?\d{2,4})|[A-Z]{2,8})[ \t]+"
                       r"[A-Z][A-Za-z'\-]+\s?(?:et\s?al\b|etal\b)", re.M)
_LONE_ACRONYM = re.compile(r"^[ \t]*([A-Z][A-Z0-9]{1,6}(?:-[A-Z0-9]{1,6})?)[ \t]*$", re.M)
_NOT_NAMES = frozenset("""TABLE FIGURE ABSTRACT INTRODUCTION METHODS RESULTS DISCUSSION CONCLUSION CONCLUSIONS
REFERENCES BACKGROUND OBJECTIVE OBJECTIVES DESIGN SETTING PATIENTS SUMMARY NOTE NOTES KEY WILEY CR PR NR ORR OS
PFS EFS N NA ND""".split())


_SUFFIX_DRUG = (r"[A-Za-z][a-z]{3,}(?:mab|nib|cept|kinra|parin|platin|taxel|rubicin|mycin|cillin|ciclib|lisib|zomib"
                r"|lidomide|tinib|limus|sporin)")


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "", s)).strip().lower()


def _alias_rx(alias: str) -> str:
    if len(alias) <= 5 and alias.upper() == alias.replace("s", "S") and alias[:1].isupper():
        return re.escape(alias)              # ATG, DEP, CsA, IVIG: case-sensitive
    chars = []
    for i, ch in enumerate(alias):
        chars.append(r"\s+" if ch == " " else re.escape(ch))
        if len(alias) >= 7 and ch.isalpha() and i + 1 < len(alias) and alias[i + 1].isalpha():
            chars.append(r"(?:-\s*\n\s*)?")  # OCR line-break hyphenation: "alem-\ntuzumab"
    return "(?i:" + "".join(chars) + ")"


class Lexicon:
    """The interventions a document names (plus the caller's); `targets` limits which ones get rows."""

    def __init__(self, interventions: list[str] | None = None, text: str = ""):
        self.entries = document_interventions(text) if text else {k: list(v) for k, v in GENERIC.items()}
        self.targets: set[str] | None = None
        if interventions:
            self.targets = set()
            for name in interventions:
                canon = self.canonical(name) or name.strip()
                self.entries.setdefault(canon, [name.strip()])
                self.targets.add(canon)
        self.lookup = {_norm(a): c for c, aliases in self.entries.items() for a in [c, *aliases]}
        alts = sorted({a for c, al in self.entries.items() for a in al}, key=len, reverse=True)
        extra = "" if self.targets else "|" + _SUFFIX_DRUG
        self.rx = re.compile(r"(?<![\w-])(?:" + "|".join(_alias_rx(a) for a in alts) + extra + r")(?![\w])")

    def canonical(self, name: str) -> str | None:
        n = _norm(name)
        for c, aliases in self.entries.items():
            if n == c.lower() or n in (_norm(a) for a in aliases):
                return c
        return None

    def find(self, text: str, s: int = 0, e: int | None = None) -> list[tuple[int, int, str]]:
        e = len(text) if e is None else e
        return [(m.start(), m.end(), self.lookup.get(_norm(m.group()), m.group().capitalize()))
                for m in self.rx.finditer(text, s, e)]

    def wanted(self, canon: str) -> bool:
        return self.targets is None or canon in self.targets


# ---------------------------------------------------------------- consistency
def _tol(*cells: Cell) -> float:
    return 5.0 if any(approx(c.value) for c in cells) else 1.5


def same_value(a: Cell, b: Cell, dens: list[int]) -> bool:
    """Could two cells state the same number? (counts equal; percentages within rounding; count/denominator)."""
    ka, kb, pa, pb = count_of(a.value), count_of(b.value), pct_of(a.value), pct_of(b.value)
    if ka is not None and kb is not None:
        return ka == kb and (pa is None or pb is None or abs(pa - pb) <= _tol(a, b))
    if pa is not None and pb is not None:
        return abs(pa - pb) <= _tol(a, b)
    k, p = (ka, pb) if ka is not None else (kb, pa)
    if k is None or p is None or not dens:
        return True
    return any(abs(k * 100 / d - p) <= _tol(a, b) for d in dens if d)


def consistent(cells: dict[str, Cell], dens: list[int]) -> bool:
    """CR+PR+NR <= N (or a stated denominator); count (pct%) cells share one whole denominator <= N; ORR ~ CR+PR."""
    n = count_of(cells["patients"].value) if "patients" in cells else None
    caps = [d for d in [n, *dens] if d]
    cap = max(caps) if caps else None
    counts = {c: count_of(cells[c].value) for c in (*RESPONSE_COLS, "overall_response") if c in cells}
    resp = [k for c, k in counts.items() if k is not None and c != "overall_response"]
    if cap is not None and (sum(resp) > cap or any(k > cap for k in counts.values() if k is not None)):
        return False
    lo, hi = 0.0, math.inf
    for c in counts:
        k, p = counts[c], pct_of(cells[c].value)
        if k is None or p is None:
            continue
        if (k == 0) != (p == 0):
            return False
        if k:
            h = 5.0 if approx(cells[c].value) else 0.51
            lo, hi = max(lo, k * 100 / (p + h)), min(hi, k * 100 / max(p - h, 1e-9))
    if hi < math.inf and (math.ceil(lo) > math.floor(hi) or (cap is not None and math.ceil(lo) > cap)):
        return False
    orr = cells.get("overall_response")
    cr, pr = counts.get("complete_response"), counts.get("partial_response")
    if orr is not None and cr is not None and pr is not None:
        k, p = count_of(orr.value), pct_of(orr.value)
        if k is not None and k != cr + pr:
            return False
        if k is None and p is not None and n and abs((cr + pr) * 100 / n - p) > _tol(orr):
            return False
    return True


# ---------------------------------------------------------------- merging
def _study_key(cell: Cell | None) -> str:
    return re.sub(r"etal$", "", re.sub(r"[^a-z]", "", cell.value.lower())) if cell else ""


_ET_AL = re.compile(r"^(?P<name>.*?[A-Za-z'\-])\s*et\s*al\b\.?$", re.S)


def study_label(cell: Cell | None) -> str:
    """Display form of a study label: OCR glue undone ("Mahlaouietal." -> "Mahlaoui et al."), whitespace single.
    The cell itself (the quote) stays verbatim."""
    if cell is None:
        return ""
    v = " ".join(cell.value.split())
    m = _ET_AL.match(v)
    return f"{m.group('name')} et al." if m else v


def _well_formed(cell: Cell) -> bool:
    return study_label(cell) == " ".join(cell.value.split())


def _edit(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def same_study(a: Cell | None, b: Cell | None) -> bool:
    ka, kb = _study_key(a), _study_key(b)
    return bool(ka and kb) and (ka == kb or (ka[:3] == kb[:3] and _edit(ka, kb) <= max(1, len(ka) // 5)))


def _n(row: OutcomeRow) -> int | None:
    return count_of(row.patients.value) if row.patients else None


def _dens(row: OutcomeRow) -> list[int]:
    return [d for d in [_n(row), *row.denominators] if d]


def _compatible(m: OutcomeRow, r: OutcomeRow) -> bool:
    dens = _dens(m) + _dens(r)
    cells = m.cells()
    for col, c in r.cells().items():
        if col in NUMERIC_COLS and col in cells and not same_value(cells[col], c, dens):
            return False
        cells.setdefault(col, c)
    for col, h in {**m.hints, **r.hints}.items():
        if h == "pos" and col in cells and count_of(cells[col].value) == 0:
            return False
    return consistent(cells, m.denominators + r.denominators)


def _shares(m: OutcomeRow, r: OutcomeRow) -> bool:
    mc = m.cells()
    return any(col in mc and (mc[col].value == c.value or (col in NUMERIC_COLS and col != "patients"
               and (count_of(c.value) is not None or pct_of(c.value) is not None)
               and same_value(mc[col], c, _dens(m))))
               for col, c in r.cells().items())


def _redundant(m: OutcomeRow, r: OutcomeRow) -> bool:
    mc = m.cells()
    return all(col in mc and (_norm(mc[col].value) == _norm(c.value)
                              or (col in NUMERIC_COLS and same_value(mc[col], c, _dens(m))))
               for col, c in r.cells().items())


def _better(new: Cell, old: Cell | None, col: str) -> bool:
    """Show digits rather than words, a count rather than a bare percentage."""
    if old is None:
        return True
    if col not in NUMERIC_COLS or old.value == new.value:
        return False
    has = lambda c: (bool(re.search(r"\d", c.value)), count_of(c.value) is not None)  # noqa: E731
    return has(new) > has(old) and not (count_of(old.value) is not None and count_of(new.value) is None)


def _absorb(m: OutcomeRow, r: OutcomeRow) -> None:
    for col, c in r.cells().items():
        if _better(c, getattr(m, col), col):
            setattr(m, col, c)
    if r.study is not None and (m.study is None or (not _well_formed(m.study) and _well_formed(r.study)
                                                    and _study_key(m.study) == _study_key(r.study))):
        m.study = r.study        # the same label as printed without OCR glue is the better quote
    for col, h in r.hints.items():
        m.hints.setdefault(col, h)
    m.denominators += [d for d in r.denominators if d not in m.denominators]
    m.pending += r.pending
    m.parts.append(r)


def _new(r: OutcomeRow) -> OutcomeRow:
    m = OutcomeRow(intervention=r.intervention, source_text_id=r.source_text_id, origin=r.origin)
    _absorb(m, r)
    return m


def _place(merged: list[OutcomeRow], r: OutcomeRow) -> None:
    cands = [m for m in merged if m.intervention == r.intervention]
    rn = _n(r)
    if r.study is not None:
        cands = [m for m in cands if same_study(m.study, r.study)]
        if rn is not None:
            eq = [m for m in cands if _n(m) == rn]
            cands = eq or [m for m in cands if m.patients is None]
    elif rn is not None:
        cands = [m for m in cands if _n(m) == rn]
    cands = [m for m in cands if _compatible(m, r)]
    if len(cands) > 1:
        if any(_redundant(m, r) for m in cands):
            cands[0].parts.append(r)
            return
        cands = [m for m in cands if _shares(m, r)]
    if len(cands) == 1:
        _absorb(cands[0], r)
    else:
        merged.append(_new(r))


def _positive(c: Cell) -> bool:
    return bool(count_of(c.value) or pct_of(c.value))


def resolve(row: OutcomeRow) -> bool:
    """Assign pending table numbers where every consistent assignment agrees. Returns True if a cell was set."""
    changed = False
    for grp in row.pending:
        options = []
        for pos in combinations(range(len(grp.columns)), len(grp.tokens)):
            assign = {grp.columns[i]: t for i, t in zip(pos, grp.tokens) if grp.columns[i] != "other"}
            blanks = {grp.columns[i] for i in range(len(grp.columns)) if i not in pos} - {"other"} - set(assign)
            cells = row.cells()
            ok = not any(row.hints.get(c) == "pos" or (c in cells and _positive(cells[c]) and not grp.lossy)
                         for c in blanks)
            for col, t in assign.items():
                if col in cells and not same_value(cells[col], t, _dens(row)):
                    ok = False
                cells[col] = t
            if ok and all(count_of(t.value) for c, t in assign.items() if row.hints.get(c) == "pos") \
                    and consistent(cells, row.denominators):
                options.append(assign)
        if not options:
            continue
        for col in {c for o in options for c in o}:
            picks = {(o[col].start if col in o else None) for o in options}
            if len(picks) == 1 and None not in picks:
                if _better(options[0][col], getattr(row, col), col):
                    setattr(row, col, options[0][col])
                    changed = True
    return changed


def _resolve_all(merged: list[OutcomeRow]) -> None:
    for m in merged:
        for _ in range(3):
            if not resolve(m):
                break


def _whole_cohort(row: OutcomeRow, grp: Pending) -> Cell | None:
    """The lone number of a table row that equals the row's N (every patient in one column), else None."""
    if len(grp.tokens) != 1 or grp.lossy or grp.group is None:
        return None
    k, n = count_of(grp.tokens[0].value), _n(row)
    return grp.tokens[0] if k and k == n and pct_of(grp.tokens[0].value) is None else None


def _sibling_columns(merged: list[OutcomeRow]) -> None:
    """A row whose only number is its N ("Smith et al. 1 ... 1" under CR PR NR) says that every patient had the same
    outcome but not which column it sits in once OCR has dropped the blanks. When the other rows of the same agent in
    the same table that report a whole cohort in one column were all placed in one column by other evidence (prose,
    hints), the row is read the same way: the column layout of a table block is shared by its rows. Nothing is set
    when those rows disagree, when there are none, or when the row's own evidence (hints, cells) rules it out."""
    placed: dict[tuple, set[str]] = {}
    todo = []
    for m in merged:
        for grp in m.pending:
            tok = _whole_cohort(m, grp)
            if tok is None:
                continue
            cols = {c for c in RESPONSE_COLS if getattr(m, c) is not None and getattr(m, c).start == tok.start}
            if cols:
                placed.setdefault(grp.group, set()).update(cols)
            elif not any(getattr(m, c) is not None for c in (*RESPONSE_COLS, "overall_response")):
                todo.append((m, grp, tok))
    for m, grp, tok in todo:
        cols = placed.get(grp.group, set())
        if len(cols) != 1:
            continue
        col = next(iter(cols))
        if col not in grp.columns or any(h == "pos" and c != col for c, h in m.hints.items()):
            continue
        if consistent({**m.cells(), col: tok}, m.denominators):
            setattr(m, col, tok)


def merge_rows(rows: list[OutcomeRow]) -> list[OutcomeRow]:
    """One row per intervention, study and cohort size, cells filled from several sources; never invents."""
    raw: list[OutcomeRow] = []
    for r in rows:
        raw.extend(r.parts if r.parts else [r])
    merged: list[OutcomeRow] = []
    phases = [lambda r: r.study is not None and r.patients is not None, lambda r: r.study is not None,
              lambda r: r.patients is not None, lambda r: True]
    done: set[int] = set()
    for phase in phases:
        batch = [r for r in raw if id(r) not in done and phase(r)]
        batch.sort(key=lambda r: r.origin != "table")
        for r in batch:
            done.add(id(r))
            _place(merged, r)
        _resolve_all(merged)
    _sibling_columns(merged)
    out = []
    per_study = {m.intervention for m in merged if m.study is not None and m.patients is not None}
    for m in merged:
        if m.study is None and m.patients is not None and not set(m.cells()) & _OUTCOME_COLS \
                and m.intervention in per_study:
            continue    # "no toxicities in the three patients who received X": a pooled count, not a study's row
        if set(m.cells()) - {"patients"}:
            ids = list(dict.fromkeys(p.source_text_id for p in m.parts if p.source_text_id))
            m.source_text_id = ",".join(ids)
            out.append(m)
    # rows with response numbers first, then in the order their evidence appears
    out.sort(key=lambda m: (not any(getattr(m, c) for c in (*RESPONSE_COLS, "overall_response")),
                            min(c.start for c in m.cells().values())))
    return out


@lru_cache(maxsize=32)
def _lexicon(interventions: tuple[str, ...], text: str) -> Lexicon:
    return Lexicon(list(interventions) or None, text)


def extract_outcomes(text: str, *, base_offset: int = 0, source_id: str = "",
                     interventions: list[str] | None = None) -> list[OutcomeRow]:
    """Rows from the prose and the flattened tables of `text`, merged. Every Cell satisfies
    text[c.start - base_offset:c.end - base_offset] == c.value."""
    from curbside.answer.outcomes_prose import prose_rows
    from curbside.answer.outcomes_tables import table_regions, table_rows

    lex = _lexicon(tuple(interventions or ()), text)
    regions = table_regions(text)
    rows = table_rows(text, regions, lex, base_offset) + prose_rows(text, regions, lex, base_offset)
    rows = [r for r in rows if lex.wanted(r.intervention)]
    for r in rows:
        r.source_text_id = source_id
    return merge_rows(rows)
