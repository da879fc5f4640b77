"""Written claims: parsing what a language model wrote into sectioned sentences with unit citations, and checking
each sentence against the verbatim quotes of the units it cites.

A claim is shown only when every check passes (`Support.reasons` is empty):

* ``meta`` -- it speaks about the evidence or the prompt ("none of the evidence units ...") rather than the question,
  or is itself a question;
* ``no_citation`` -- it cites no unit; ``unknown_citation`` -- it cites a unit number that was not given;
* ``number`` -- a number, dose, unit, percentage, range or comparison ("at least 65", "> 30 mL/min") is not in its
  quotes with the same value (same unit when both give one, same direction of comparison); a number of the question
  does not count (a dose asked about is not thereby supported);
* ``token`` -- a token with digits in it ("IL-6", "HbA1c", "CD20") is not in its quotes;
* ``drug`` / ``procedure`` / ``population`` -- a drug (drug dictionary) or procedure (intervention lexicon) it names
  is in neither its quotes nor the units' structural subjects (the question does not count: "Trazodone is
  recommended" citing a unit that names another drug must not pass because trazodone was asked about), or a
  population (children, adults, older adults, pregnancy, renal/hepatic impairment) is in neither its quotes, their
  heading paths, nor the question;
* ``comparison`` -- it compares (superior, more effective, higher, lower ...) where its quotes do not, or the other
  way round;
* ``polarity`` -- it recommends what every cited unit advises against, recommends what no cited unit recommends (a
  unit that only names a drug in a list supports no "X is recommended"), or advises against what no cited unit does;
* ``support`` -- its support score (the share of its content words found in its quotes, unit subjects and heading
  paths; words of the question count half) is below the threshold measured on labelled pairs
  (scripts/measure_claim_support.py, docs/llm-writer.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.answer import interventions as IV
from curbside.answer.roles import POPULATIONS, RECOMMEND, classify
from curbside.answer.writer.units import EvidenceUnit
from curbside.retrieve.drugs import find_drugs

# ------------------------------------------------------------------------------------------------- parsing
SECTION_NAMES = {
    "bottom line": "bottom_line", "bottomline": "bottom_line", "summary": "bottom_line", "answer": "bottom_line",
    "from the guidelines": "guidelines", "guidelines": "guidelines", "guideline recommendations": "guidelines",
    "options": "options", "treatment options": "options", "treatments": "options", "main options": "options",
    "dosing": "options", "key points": "options",
    "not recommended": "against", "recommended against": "against", "avoid": "against",
    "from the research": "research", "research": "research", "evidence": "research", "research findings": "research",
    "key considerations": "considerations", "considerations": "considerations", "cautions": "considerations",
}
_HEAD_NAMES = sorted(SECTION_NAMES, key=len, reverse=True)
_BULLET = re.compile(r"^\s*(?:[-*\u2022+]|\d{1,2}[.)])\s+")
CITE = re.compile(r"[\[(]\s*(?:E|unit|units)?\s*#?\s*\d+(?:\s*(?:[,;]|and|-|\u2013)\s*(?:E|unit)?\s*#?\s*\d+)*\s*[\])]",
                  re.I)
_CITE_NUM = re.compile(r"\d+")
_SENT_END = re.compile(r"(?<=[.!?])((?:\s*" + CITE.pattern + r")*)\s+(?=[A-Z0-9\"'])")


@dataclass
class WrittenClaim:
    section: str                  # bottom_line | guidelines | options | against | research | considerations
    text: str                     # the sentence without its citation markers
    cited: list[int]              # unit numbers the sentence cites, in order
    label: str = ""               # options: the option's name ("Anakinra" of "Anakinra: salvage therapy ...")
    raw: str = ""                 # the sentence as written


def _section_of(line: str) -> tuple[str | None, str]:
    """A heading line ("BOTTOM LINE:", "## From the Guidelines", "**Options:** text") -> (section, text after it)."""
    t = re.sub(r"^\s*(?:#{1,6}\s*)?", "", line)
    t = re.sub(r"\*\*|__", "", t).strip()
    low = t.lower()
    for name in _HEAD_NAMES:
        if low.startswith(name):
            after = t[len(name):]
            m = re.match(r"^\s*:\s*(.*)$", after)
            if m:
                return SECTION_NAMES[name], m.group(1).strip()
            if not after.strip(" .-"):
                return SECTION_NAMES[name], ""
    return None, line


def citations_in(text: str) -> list[int]:
    out: list[int] = []
    for m in CITE.finditer(text):
        body = m.group(0)
        nums = [int(x) for x in _CITE_NUM.findall(body)]
        if re.search(r"\d\s*[-\u2013]\s*E?\s*\d", body) and len(nums) == 2 and 0 < nums[1] - nums[0] < 20:
            nums = list(range(nums[0], nums[1] + 1))     # [E2-E4]
        out += [n for n in nums if n not in out]
    return out


def strip_citations(text: str) -> str:
    t = CITE.sub(" ", text)
    t = re.sub(r"\s+([.,;:!?])", r"\1", t)
    t = re.sub(r"\*\*|__|`", "", t)
    return " ".join(t.split()).strip()


def split_sentences(line: str) -> list[str]:
    """Sentences of a line, each keeping the citation markers that follow its full stop."""
    out, start = [], 0
    for m in _SENT_END.finditer(line):
        end = m.end(1) if m.group(1) else m.start(1)
        out.append(line[start:end].strip())
        start = m.end()
    out.append(line[start:].strip())
    return [s for s in out if s]


def parse_written(text: str, default_section: str = "bottom_line") -> list[WrittenClaim]:
    claims: list[WrittenClaim] = []
    section = default_section
    seen_section = False
    last_line = ""                 # the sentence a citation-only line right below it belongs to
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or re.fullmatch(r"[-=*_#\s]+", line):
            continue
        key, rest = _section_of(line)
        if key is not None:
            section, seen_section, line = key, True, rest
            if not line:
                continue
        if not seen_section and claims and section == "bottom_line":
            section = "research"                 # prose without headings: the first sentence is the bottom line
        line = _BULLET.sub("", line).strip()
        if citations_in(line) and not strip_citations(line):    # "[E2]" alone under its sentence
            if claims and not claims[-1].cited and claims[-1].raw == last_line:
                claims[-1].cited = citations_in(line)
            continue
        last_line = ""
        for sent in split_sentences(line):
            cited = citations_in(sent)
            clean = strip_citations(sent)
            if len(re.findall(r"[A-Za-z]{2,}", clean)) < 2:
                continue
            label = ""
            if section == "options":
                m = re.match(r"^([^:]{2,60}):\s+(\S.*)$", clean)
                if m and len(m.group(1).split()) <= 6:
                    label, clean = m.group(1).strip(), m.group(2).strip()
            claims.append(WrittenClaim(section, clean, cited, label, sent))
            last_line = sent
            if not seen_section and section == "bottom_line":
                section = "research"
    return claims


# ------------------------------------------------------------------------------------------------- checking
@dataclass
class Check:
    reasons: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    score: float = 0.0
    numbers: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    polarity: str = ""

    def fail(self, reason: str, detail: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.details.append(f"{reason}: {detail}")


_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+"
_UNITS = {
    "%": "%", "percent": "%", "per cent": "%", "mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg",
    "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg", "g": "g", "gram": "g",
    "grams": "g", "kg": "kg", "ml": "ml", "millilitre": "ml", "milliliter": "ml", "l": "l", "litre": "l",
    "liter": "l", "dl": "dl", "iu": "iu", "units": "unit", "unit": "unit", "u": "unit", "mmol": "mmol",
    "meq": "meq", "mmhg": "mmhg", "ng": "ng", "pg": "pg", "nmol": "nmol", "umol": "umol", "µmol": "umol",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "min": "min", "mins": "min", "minute": "min",
    "minutes": "min", "d": "day", "day": "day", "days": "day", "wk": "week", "wks": "week", "week": "week",
    "weeks": "week", "mo": "month", "month": "month", "months": "month", "y": "year", "yr": "year",
    "yrs": "year", "year": "year", "years": "year", "m2": "m2", "m²": "m2", "x": "times", "times": "times",
    "bpm": "bpm", "cm": "cm", "mm": "mm", "kcal": "kcal", "mosm": "mosm", "ms": "ms", "s": "s", "sec": "s",
    "seconds": "s", "second": "s", "mgdl": "mg/dl", "dose": "dose", "doses": "dose", "points": "point",
    "point": "point", "tablets": "tablet", "tablet": "tablet", "puffs": "puff", "puff": "puff", "drops": "drop",
}
_UNIT_WORD = "(?:" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)) + r")(?![A-Za-z0-9])"
_UNIT = rf"(?:{_UNIT_WORD}(?:\s?/\s?(?:\d+(?:\.\d+)?\s?)?(?:{_UNIT_WORD}|[A-Za-z]+(?![A-Za-z0-9])))*)"
_CMP_BEFORE = re.compile(r"(≥|≤|>=|=>|<=|=<|>|<|\bat least|\bat most|\bmore than|\bless than|\bgreater than|"
                         r"\bfewer than|\bover|\bunder|\babove|\bbelow|\bup to|\bexceeding|\bno more than|"
                         r"\bno less than|\bminimum(?: of)?|\bmaximum(?: of)?|\bwithin|\bafter|\bdelay(?:ed)? "
                         r"(?:of|by|for)|\bwait(?:ing)? (?:at least )?)\s*$", re.I)
_CMP_AFTER = re.compile(r"^\s*(?:%|[A-Za-z/]+)?\s*(or (?:more|greater|higher|above|older|longer|over)|"
                        r"or (?:less|fewer|lower|below|younger|shorter|under)|\+)", re.I)
_UP = ("≥", ">=", "=>", ">", "at least", "more than", "greater than", "over", "above", "exceeding", "no less than",
       "minimum", "or more", "or greater", "or higher", "or above", "or older", "or longer", "or over", "+", "after",
       "delay of", "delay by", "delay for", "delayed of", "delayed by", "delayed for", "wait", "waiting",
       "wait at least", "waiting at least")
_QUANT = re.compile(rf"(?<![\w.])(?P<a>{_NUMBER})(?:\s?(?P<ua>{_UNIT}))?(?:\s?(?:-|–|—|to|or|and)\s?"
                    rf"(?P<b>{_NUMBER})(?![\w.]*[A-Za-z]\d))?(?:\s?(?P<ub>{_UNIT}))?", re.I)


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str            # normalised, "" when none
    direction: str       # "up" | "down" | ""
    text: str


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _unit(raw: str | None) -> str:
    if not raw:
        return ""
    parts = [p.strip().lower() for p in re.split(r"\s?/\s?", raw)]
    out = []
    for p in parts:
        p = re.sub(r"^\d+(?:\.\d+)?\s?", "", p)
        if p not in _UNITS:
            return "" if not out else "/".join(out)
        out.append(_UNITS[p])
    return "/".join(out)


def _direction(cmp: str) -> str:
    c = " ".join(cmp.lower().split())
    if not c:
        return ""
    return "up" if c in _UP or c.startswith(("at least", "more", "greater", "minimum")) else "down"


def quantities(text: str) -> list[Quantity]:
    """Every number in `text` (not part of a word such as IL-6 or HbA1c) with its unit and comparison."""
    out: list[Quantity] = []
    for m in _QUANT.finditer(text):
        before = text[max(0, m.start() - 20):m.start()]
        if m.start() and (text[m.start() - 1].isalpha() or (text[m.start() - 1] == "-" and m.start() > 1
                                                              and text[m.start() - 2].isalpha())):
            continue                          # IL-6, COVID-19: handled as tokens
        cb = _CMP_BEFORE.search(before)
        ca = _CMP_AFTER.match(text[m.end(): m.end() + 25]) if not m.group("b") else None
        direction = _direction(cb.group(1) if cb else (ca.group(1) if ca else ""))
        ua, ub = _unit(m.group("ua")), _unit(m.group("ub"))
        if m.group("b"):
            shared = ub or ua
            out.append(Quantity(_num(m.group("a")), ua or shared, direction, m.group(0)))
            out.append(Quantity(_num(m.group("b")), shared, direction, m.group(0)))
        else:
            out.append(Quantity(_num(m.group("a")), ua, direction, m.group(0)))
    return out


_DIGIT_TOKEN = re.compile(r"\b(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b")


def digit_tokens(text: str) -> list[str]:
    """Tokens that mix letters and digits (IL-6, HbA1c, CD20, COVID-19, B12); not number+unit like 5mg."""
    out = []
    for m in _DIGIT_TOKEN.finditer(text):
        t = m.group(0)
        if re.fullmatch(rf"(?:{_NUMBER})\s?{_UNIT}", t, re.I) and _unit(re.sub(r"^[\d.,]+", "", t)):
            continue
        if t.lower() in _UNITS or re.fullmatch(r"\d+(?:st|nd|rd|th)", t, re.I):
            continue
        out.append(t)
    return out


COMPARATIVES = {
    "superior": re.compile(r"\b(?:superior|outperform\w*|better than|more effective|greater efficacy)\b", re.I),
    "inferior": re.compile(r"\b(?:inferior|worse than|less effective|lower efficacy)\b", re.I),
    "noninferior": re.compile(r"\bnon-?inferior\w*\b", re.I),
    "equivalent": re.compile(r"\b(?:equivalent|no (?:significant )?difference|similar (?:efficacy|outcomes))\b", re.I),
    "more": re.compile(r"\b(?:higher|increase[sd]?|increasing|greater|more (?:likely|frequent|common)|elevated|"
                       r"longer)\b", re.I),
    "less": re.compile(r"\b(?:lower|reduce[sd]?|reducing|reduction|decrease[sd]?|decreasing|less (?:likely|"
                       r"frequent|common)|fewer|shorter)\b", re.I),
}
_COMPARE_OPPOSITE = {"superior": "inferior", "inferior": "superior", "more": "less", "less": "more"}

EXTRA_POPULATIONS = {
    "renal": re.compile(r"\b(?:renal|kidney|ckd|egfr|creatinine clearance|crcl|dialysis|haemodialysis|hemodialysis)\b",
                        re.I),
    "hepatic": re.compile(r"\b(?:hepatic|liver|cirrho\w+|child-pugh)\b", re.I),
}
# what lets a unit back an "against" claim when roles.classify did not call it "against": advice not to do
# something, never a bare "not" ("recommended for patients who do not tolerate NSAIDs" backs no "not recommended")
_AGAINST_CUE = re.compile(r"\b(?:avoid\w*|contraindicat\w*|not (?:be )?(?:routinely )?(?:recommended|indicated|advised|"
                          r"suggested|used|given|started|prescribed|offered|administered)|(?:should|must|do|does) not "
                          r"(?:be )?(?:routinely )?(?:use|used|give|given|start|started|prescribe|prescribed|offer|"
                          r"offered|administer|administered|receive|repeat|repeated|combine|combined)|don't use|never|"
                          r"no (?:clear |proven |significant )?(?:benefit|role)|ineffective|not effective|harmful|"
                          r"discontinu\w+|withh[eo]ld\w*|stop(?:ped|ping)?\b|recommends? against|discouraged)", re.I)
# a heading that makes the items under it recommendations ("Recommended regimens", "First-line options"); not
# "Interventions considered"
_RECOMMEND_HEADING = re.compile(r"\b(?:recommend\w*|preferred|first[- ]line|second[- ]line|indicated|suggest\w*|"
                                r"treatment of choice|drug of choice|regimens?)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|avoid\w*|against|contraindicat\w*|discourag\w*|harm\w*|ineffective|"
                       r"do not|don't|shouldn't|should not|cannot|unsafe|inappropriate)\b", re.I)

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("""a an the of in on for to and or with without is are was were be been being what which who whom
how when where why does do did can could should would will may might must shall this that these those it its as at
by from into than then there their they them we our you your i me my about after before between during over under
any all some most more less other such no not only own same so too very s t just per vs versus also both each either
include includes including used use using given give based recommended recommend recommends recommendation
suggested suggest option options treatment therapy patients patient line first""".split())


def _stem(w: str) -> str:
    return w[:5] if len(w) > 5 else w


def content_tokens(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and not w.isdigit()}


def support_score(claim: str, evidence: str, question: str) -> float:
    """The share of the claim's content words found in its evidence (quotes, subjects, heading paths); a word found
    only in the question counts half. 1.0 for a claim with no content words of its own beyond numbers."""
    words = content_tokens(claim)
    if not words:
        return 1.0
    ev, q = content_tokens(evidence), content_tokens(question)
    got = sum(1.0 if w in ev else 0.5 if w in q else 0.0 for w in words)
    return got / len(words)


def _drug_names(text: str) -> dict[str, str]:
    return {d.name.lower(): d.matched for d in find_drugs(text)}


def _procedure_keys(text: str) -> set[str]:
    return {IV.key(m.group(0)) for m in IV.PROCEDURES.finditer(text)}


def _populations(text: str) -> set[str]:
    pops = {k for k, rx in POPULATIONS.items() if rx.search(text)}
    return pops | {k for k, rx in EXTRA_POPULATIONS.items() if rx.search(text)}


def _same_quantity(c: Quantity, e: Quantity) -> bool:
    return abs(c.value - e.value) < 1e-9 and (not c.unit or not e.unit or c.unit == e.unit)


# sentences about the evidence or the prompt rather than the question ("None of the evidence units provide ...",
# "The provided sources do not mention ..."): never a clinical claim
META = re.compile(r"\b(?:evidence units?|the (?:provided|given|above|listed) (?:evidence|units?|sources?|"
                  r"information|text)|units? (?:E?\d+|provided|given)|(?:is|are) not (?:mentioned|provided|specified|"
                  r"stated|given|available) (?:in|by)|no (?:specific |further |additional )?(?:information|data|"
                  r"evidence|research|studies) (?:is |are )?(?:provided|available|given|mentioned|on|about|regarding)|"
                  r"as an ai|language model|i (?:cannot|can't|am unable))\b", re.I)


def check_claim(text: str, cited: list[int], given: dict[int, EvidenceUnit], question: str,
                threshold: float, years: set[int] = frozenset()) -> Check:
    """Every check of the module docstring for one written sentence (`text` without citation markers)."""
    chk = Check()
    if META.search(text):
        chk.fail("meta", "speaks about the evidence or the prompt, not the question")
    elif text.rstrip().endswith("?"):
        chk.fail("meta", "a question, not a statement")
    if not cited:
        chk.fail("no_citation", "the sentence cites no evidence unit")
    unknown = [n for n in cited if n not in given]
    if unknown:
        chk.fail("unknown_citation", "cites " + ", ".join(f"E{n}" for n in unknown) + ", which was not given")
    units = [given[n] for n in cited if n in given]
    quotes = " ".join(e.unit.display for e in units)
    subjects = " ".join(e.unit.subject for e in units if e.unit.subject)
    contexts = " ".join(e.unit.context_text for e in units)
    if not units:
        chk.score = 0.0
        return chk

    # numbers, doses, units, ranges, comparisons
    ev_q = quantities(quotes)
    for c in quantities(text):
        chk.numbers.append(c.text)
        if c.unit == "" and c.direction == "" and int(c.value) == c.value and int(c.value) in years:
            continue                                        # "(2019)": the cited source's year
        same = [e for e in ev_q if _same_quantity(c, e)]
        if not same:
            chk.fail("number", f"{c.text.strip()!r} is not in the cited quotes")
            continue
        if c.unit and not any(e.unit == c.unit for e in same):
            chk.fail("number", f"{c.text.strip()!r}: the cited quotes give {same[0].text.strip()!r}")
            continue
        if c.direction and not any(e.direction == c.direction for e in same):
            chk.fail("number", f"{c.text.strip()!r}: the comparison differs from the cited quotes")
    low_ev = quotes.lower()
    for t in digit_tokens(text):
        chk.numbers.append(t)
        if t.lower() not in low_ev and t.lower().replace("-", "") not in low_ev.replace("-", ""):
            chk.fail("token", f"{t!r} is not in the cited quotes")

    # drugs, procedures, populations
    allowed = f"{quotes} {subjects}"          # not the question: a drug asked about is not thereby supported
    ev_drugs = _drug_names(allowed)
    low_allowed = allowed.lower()
    for name, matched in _drug_names(text).items():
        chk.entities.append(matched)
        if name not in ev_drugs and matched.lower() not in low_allowed:
            chk.fail("drug", f"{matched!r} is not named in the cited quotes")
    ev_proc = _procedure_keys(allowed)
    for k in _procedure_keys(text):
        chk.entities.append(k)
        if k not in ev_proc and k not in low_allowed:
            chk.fail("procedure", f"{k!r} is not named in the cited quotes")
    ev_pops = _populations(f"{quotes} {contexts} {question}")
    for p in sorted(_populations(text)):
        chk.entities.append(p)
        if p not in ev_pops:
            chk.fail("population", f"the claim is about {p}; the cited quotes are not")

    # comparisons
    for name, rx in COMPARATIVES.items():
        if rx.search(text) and not rx.search(quotes):
            opposite = _COMPARE_OPPOSITE.get(name)
            if opposite and COMPARATIVES[opposite].search(quotes) and not rx.search(question):
                chk.fail("comparison", f"the claim says {name}; the cited quotes say {opposite}")
            elif name in ("superior", "inferior", "noninferior", "equivalent"):
                chk.fail("comparison", f"the claim says {name}; the cited quotes do not compare")

    # polarity
    claim_pol = classify(text).polarity
    claim_neg = bool(_NEGATION.search(text))
    chk.polarity = "against" if claim_pol == "against" else claim_pol
    if claim_pol != "against" and not claim_neg and all(e.polarity == "against" for e in units):
        chk.fail("polarity", "recommends (or states without its negation) what the cited units advise against")
    elif claim_pol == "for" and not claim_neg and not any(
            e.polarity == "for" or RECOMMEND.search(e.unit.display) or _RECOMMEND_HEADING.search(e.unit.context_text)
            for e in units):
        chk.fail("polarity", "recommends what no cited unit recommends (the quotes only mention it)")
    elif claim_pol == "against" and not any(e.polarity == "against" or _AGAINST_CUE.search(e.unit.display)
                                            or _AGAINST_CUE.search(e.unit.context_text) for e in units):
        chk.fail("polarity", "advises against what the cited units do not")

    chk.score = round(support_score(text, f"{quotes} {subjects} {contexts}", question), 3)
    if chk.score < threshold:
        chk.fail("support", f"support score {chk.score:.2f} < {threshold:.2f}")
    return chk


def supporting_units(text: str, cited: list[int], given: dict[int, EvidenceUnit], question: str) -> list[int]:
    """The cited units that carry the claim: those that give one of its numbers, drugs or procedures, or share at
    least a third of its content words; the best single unit when none does. A model that cites every unit for one
    sentence is thereby shown with the quotes that say it, not all of them."""
    units = [(n, given[n]) for n in dict.fromkeys(cited) if n in given]
    if len(units) <= 1:
        return [n for n, _ in units]
    nums = {(q.value, q.unit) for q in quantities(text)}
    names = set(_drug_names(text)) | _procedure_keys(text)
    keep, best, best_score = [], None, -1.0
    for n, e in units:
        ev = f"{e.unit.display} {e.unit.subject}"
        score = support_score(text, f"{ev} {e.unit.context_text}", question)
        gives = any(any(_same_quantity(Quantity(v, u, "", ""), x) for x in quantities(e.unit.display))
                    for v, u in nums) or bool(names & (set(_drug_names(ev)) | _procedure_keys(ev)))
        if gives or score >= 1 / 3:
            keep.append(n)
        if score > best_score:
            best, best_score = n, score
    return keep or [best]
