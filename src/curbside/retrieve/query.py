"""Question understanding: type, concepts (with abbreviation and drug-synonym variants), population,
intervention, comparison; plus the FTS5 query and the term sets used for sentence selection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.answer.models import QueryInfo
from curbside.retrieve.abbreviations import AbbreviationIndex
from curbside.retrieve.drugs import drug_synonyms, find_drugs

_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("dosing", re.compile(r"\b(dose|doses|dosing|dosage|how much|mg/kg|titrat\w*|loading dose)\b", re.I)),
    ("adverse_effects", re.compile(r"\b(side[- ]effects?|adverse|toxicit\w*|safety|complications? of|risks? of)\b", re.I)),
    ("diagnosis", re.compile(r"\b(diagnos\w*|criteria|test(?:s|ing)? for|detect\w*|screening test|work-?up|symptoms?|signs?)\b", re.I)),
    ("prognosis", re.compile(r"\b(prognos\w*|survival|outcomes?|life expectancy|mortality|recurrence)\b", re.I)),
    ("prevention", re.compile(r"\b(prevent\w*|prophyla\w*|avoid)\b", re.I)),
    ("treatment", re.compile(r"\b(treat\w*|therap\w*|management|manage|options?|drugs? for|medication\w*|cure|"
                             r"first[- ]line|second[- ]line|salvage|regimen)\b", re.I)),
    ("epidemiology", re.compile(r"\b(how common|incidence|prevalence|how many people|frequency|epidemiolog\w*)\b", re.I)),
    ("etiology", re.compile(r"\b(cause[sd]?|etiolog\w*|aetiolog\w*|genetic|inherit\w*|risk factors?|triggers?)\b", re.I)),
    ("mechanism", re.compile(r"\b(mechanism|how does .+ work|mode of action|pathophysiolog\w*|pathway)\b", re.I)),
    ("definition", re.compile(r"^\s*(what is|what are|what's|define|describe)\b", re.I)),
]
_PHRASING = re.compile(
    r"\b(what|which|who|whom|how|when|where|why|is|are|was|were|be|been|do|does|did|can|could|should|would|will|"
    r"may|might|must|the|a|an|of|for|in|on|at|to|with|without|by|from|and|or|vs|versus|than|about|into|as|its|it|"
    r"this|that|these|those|there|their|them|they|you|your|we|our|i|me|my|any|some|best|recommended|recommend|"
    r"recommendations?|options?|current|currently|available|used|use|using|known|role|evidence|patients?|people|"
    r"person|list|name|please|tell|explain|describe|latest|new|approach|approaches|effective|efficacy|"
    r"treatment|treatments|treat|treated|treating|therapy|therapies|therapeutic|management|manage|managed|"
    r"diagnosis|diagnose|diagnosed|dose|doses|dosing|dosage|side|effects?|adverse|prognosis|outcomes?|cause|causes|"
    r"caused|mechanism|work|works|common|compared|comparison|between|better|worse|difference|differences|"
    r"has|have|had|not|no|yes|also|other|type|types|kind|kinds|main|good|first|line|much|many|most|more)\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/']*")
_POPULATION = [
    ("children", re.compile(r"\b(child|children|childhood|pediatric|paediatric|kids?|infants?|neonat\w*|newborns?|adolescents?|boys?|girls?)\b", re.I)),
    ("adults", re.compile(r"\b(adults?|adult-onset)\b", re.I)),
    ("elderly", re.compile(r"\b(elderly|older (adults|people|patients)|geriatric|aged \d+)\b", re.I)),
    ("pregnancy", re.compile(r"\b(pregnan\w*|gestation\w*|breast-?feeding|lactation|postpartum)\b", re.I)),
    ("refractory", re.compile(r"\b(refractory|resistant|non-?responders?|failed|failure to respond)\b", re.I)),
    ("relapsed", re.compile(r"\b(relapsed|relapsing|recurrent)\b", re.I)),
    ("secondary", re.compile(r"\bsecondary\b", re.I)),
    ("primary", re.compile(r"\b(primary|familial|genetic)\b", re.I)),
    ("severe", re.compile(r"\b(severe|critical(ly ill)?)\b", re.I)),
]
_POP_WORDS = re.compile(r"^(child|children|childhood|pediatric|paediatric|kids?|infants?|neonates?|newborns?|adolescents?|"
                        r"adults?|elderly|older|pregnant|pregnancy|refractory|resistant|relapsed|relapsing|recurrent|"
                        r"secondary|primary|familial|severe|critically|ill|women|men|boys?|girls?)$", re.I)
_CONDITION_WORD = re.compile(
    r"(itis|osis|oses|emia|aemia|oma|omas|pathy|plasia|trophy|algia|uria|penia|cytosis|ism)$|^(syndrome|disease|disorder|"
    r"cancer|carcinoma|leukemia|leukaemia|lymphoma|infection|failure|deficiency|fever|pneumonia|diabetes|asthma|gout|"
    r"hypertension|fibrillation|stroke|sepsis|injury|arthritis|depression|embolism|thrombosis|obesity|migraine|"
    r"epilepsy|anemia|anaemia|dementia|psoriasis|eczema|hepatitis|cirrhosis|pancreatitis|colitis|tumor|tumour|"
    r"lupus|malaria|tuberculosis|influenza|covid-19|hiv|aids|ulcer|bleeding|hemorrhage|haemorrhage|attack|"
    r"infarction|palsy|dystrophy|atrophy|sclerosis|fasciitis)$", re.I)
_COMPARE = re.compile(r"\b(?:versus|vs\.?|compared (?:with|to)|or|than)\s+([A-Za-z0-9\-]+(?:\s[A-Za-z0-9\-]+){0,3})", re.I)


@dataclass
class Concept:
    text: str
    kind: str                    # condition | drug | population | term
    variants: list[str] = field(default_factory=list)


@dataclass
class ParsedQuestion:
    text: str
    question_type: str
    concepts: list[Concept]
    population: list[str]
    intervention: list[str]
    comparison: list[str]
    keywords: list[str]

    def to_info(self) -> QueryInfo:
        return QueryInfo(question_type=self.question_type, concepts=[c.text for c in self.concepts],
                         population=self.population, intervention=self.intervention, comparison=self.comparison,
                         expansions={c.text: c.variants for c in self.concepts if len(c.variants) > 1})


def classify_type(q: str) -> str:
    for name, pattern in _TYPE_RULES:
        if pattern.search(q):
            return name
    return "other"


def parse_question(question: str, abbreviations: AbbreviationIndex | None = None) -> ParsedQuestion:
    q = " ".join(question.split())[:2000]
    abbr = abbreviations or AbbreviationIndex()
    concepts: list[Concept] = []
    covered: list[tuple[int, int]] = []
    low = q.lower()

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in covered)

    # multi-word long forms known to the abbreviation index ("hemophagocytic lymphohistiocytosis")
    for long, short in sorted(abbr.longs_in(q), key=lambda x: -len(x[0])):
        i = low.find(long)
        if i >= 0 and free(i, i + len(long)):
            covered.append((i, i + len(long)))
            concepts.append(Concept(q[i:i + len(long)], "condition" if _is_condition(long) else "term",
                                    [long] + abbr.short_to_long.get(short, [])[:2] + [short]))
    drugs = [d for d in find_drugs(q) if free(d.start, d.end)]
    intervention: list[str] = []
    for d in drugs:
        covered.append((d.start, d.end))
        intervention.append(d.name)
        concepts.append(Concept(d.matched, "drug", list(dict.fromkeys([d.name, d.matched.lower(), *drug_synonyms(d.name)]))))
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(q)]
    pending: list[tuple[str, int, int]] = []

    def flush() -> None:
        if not pending:
            return
        phrase = " ".join(w for w, _, _ in pending)
        if _is_condition(pending[-1][0]) and len(pending) > 1:
            concepts.append(Concept(phrase, "condition", [phrase.lower()]))
        else:
            for w, _, _ in pending:
                _add_word(w, abbr, concepts)
        pending.clear()

    for w, s, e in words:
        if not free(s, e) or _PHRASING.fullmatch(w) or _POP_WORDS.match(w) or len(w) < 2:
            flush()
            continue
        pending.append((w, s, e))
        if len(pending) > 3:
            _add_word(pending.pop(0)[0], abbr, concepts)
    flush()
    population = [name for name, p in _POPULATION if p.search(q)]
    for name in population:
        if name in ("refractory", "relapsed", "secondary", "primary", "severe"):
            concepts.append(Concept(name, "population", [name] + {"refractory": ["resistant", "salvage"],
                                                                   "relapsed": ["relapse", "recurrent"]}.get(name, [])))
    comparison = []
    for m in _COMPARE.finditer(q):
        for d in find_drugs(m.group(1)):
            if d.name not in comparison:
                comparison.append(d.name)
    seen: set[str] = set()
    uniq = []
    for c in concepts:
        if c.text.lower() not in seen:
            seen.add(c.text.lower())
            uniq.append(c)
    keywords = [c.text for c in uniq]
    return ParsedQuestion(question, classify_type(q), uniq, population, intervention,
                          [c for c in comparison if c not in intervention[:1]], keywords)


def _is_condition(text: str) -> bool:
    last = text.lower().split()[-1] if text.strip() else ""
    return bool(_CONDITION_WORD.search(last))


def _add_word(w: str, abbr: AbbreviationIndex, concepts: list[Concept]) -> None:
    longs = abbr.expand(w) if (w.isupper() or any(ch.isupper() for ch in w[1:])) else []
    if longs:
        concepts.append(Concept(w, "condition" if any(_is_condition(x) for x in longs) else "term",
                                list(dict.fromkeys([w] + longs))))
    else:
        concepts.append(Concept(w, "condition" if _is_condition(w) else "term", [w.lower()]))


def _stem(w: str) -> str:
    for suf in ("ations", "ation", "ments", "ment", "ing", "ies", "ed", "es", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            return w[: -len(suf)]
    return w


def sentence_terms(parsed: ParsedQuestion) -> list[set[str]]:
    out = []
    for c in parsed.concepts:
        vs = set()
        for v in c.variants or [c.text]:
            v = v.lower()
            vs.add(v)
            if " " not in v and "-" not in v:
                vs.add(_stem(v))
        out.append(vs)
    return out


def _fts_term(text: str) -> str:
    toks = re.findall(r"[A-Za-z0-9]+", text)
    if not toks:
        return ""
    return '"' + " ".join(toks) + '"'


def fts_query(parsed: ParsedQuestion) -> str:
    terms: list[str] = []
    for c in parsed.concepts:
        for v in (c.variants or [c.text])[:5]:
            t = _fts_term(v)
            if t and t not in terms:
                terms.append(t)
    return " OR ".join(terms[:40])
