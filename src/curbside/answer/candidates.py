"""Candidate sentences for an article: every sentence of the retrieved passages, with its exact offsets in the
document text and the cheap features that sentence selection uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curbside.corpus.models import Document, EvidenceLevel, Passage
from curbside.corpus.passages import sentence_spans
from curbside.retrieve.abbreviations import find_definitions
from curbside.retrieve.drugs import find_drugs
from curbside.retrieve.query import ParsedQuestion, same_meaning, sentence_terms
from curbside.retrieve.search import SearchHit, concept_coverage

_WS = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")
NUMBER_RESULT = re.compile(
    r"\d+(?:\.\d+)?\s?%|\bn\s?=\s?\d+|\b\d+\s+(?:of|out of)\s+\d+\b|\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|g|ml|mL|IU|U)(?:/|\b)"
    r"|\b(?:hazard|odds|risk) ratio\b|(?-i:\b(?:HR|OR|RR|CI)\b)|\bp\s?[<=]\s?0?\.\d+", re.I)
RECOMMEND = re.compile(
    r"\b(recommend(?:ed|s|ation)?|should(?: not)? be|suggest(?:ed|s)?|first[- ]line|second[- ]line|indicated|"
    r"preferred|is advised|consider(?:ed)?|strong(?:ly)?|conditional|grade [1-3a-d]|level [a-c1-3]|"
    r"standard of care|treatment of choice|mainstay|cornerstone|level of evidence|best practice statement|"
    r"(?-i:Class (?:I{1,3}|IIa|IIb)))\b", re.I)
RESULT = re.compile(
    r"\b(respon(?:se|ded|ders)|remission|survival|survived|mortality|efficacy|effective|improv(?:ed|ement)|"
    r"reduc(?:ed|tion)|associated with|resulted in|achieved|outcome|significant(?:ly)?|benefit|resolution|"
    r"success(?:ful)?|fail(?:ed|ure))\b", re.I)
CONSIDER = re.compile(
    r"\b(child(?:ren)?|pediatric|paediatric|infant|neonat\w*|pregnan\w*|elderly|older adults|renal|hepatic|"
    r"adverse|toxicit\w*|side effects?|infection|monitor(?:ing|ed)?|caution|contraindicat\w*|limitation|"
    r"limited|further (?:studies|research|trials)|individuali[sz]ed|risk|harms?|interaction|complication)\b", re.I)
TREAT_CUE = re.compile(
    r"\b(treat(?:ed|ment|ing)?|therap(?:y|ies|eutic)|regimen|salvage|administ\w+|dose[sd]?|dosing|given|"
    r"received|management|managed|transplant\w*|agent|drug|inhibitor|antibod(?:y|ies)|option)\b", re.I)
TYPE_CUES = {
    "treatment": TREAT_CUE,
    "dosing": re.compile(r"\b(dose[sd]?|dosing|dosage|mg|mcg|µg|/kg|/m2|m²|daily|weekly|twice|infusion|titrat\w+)\b", re.I),
    "adverse_effects": re.compile(r"\b(adverse|toxicit\w*|side effects?|safety|tolera\w+|complication\w*|"
                                  r"neutropenia|infection\w*|reaction\w*)\b", re.I),
    "diagnosis": re.compile(r"\b(diagnos\w+|criteria|test(?:s|ing)?|sensitiv\w+|specific\w*|biomarker\w*|"
                            r"screen\w*|imaging|biopsy|laboratory|finding\w*)\b", re.I),
    # "What are the symptoms of ...?" (a diagnosis question by type, but answered by the clinical picture)
    "symptoms": re.compile(r"\b(symptoms?|signs?|present(?:s|ed|ing|ation)?\s+(?:with|as)|features?|manifest\w*|"
                           r"complain\w*|may (?:include|have|experience|develop)|characteri[sz]ed by|"
                           r"(?:pain|fever|fatigue|rash|swelling|bleeding|weakness|cough|nausea)\b)", re.I),
    "prognosis": re.compile(r"\b(prognos\w+|survival|mortality|outcome\w*|recurrence|relapse|predict\w*)\b", re.I),
    "epidemiology": re.compile(r"\b(incidence|prevalence|affects?|common|rare|per \d|population|frequency)\b", re.I),
    "etiology": re.compile(r"\b(caused?|causes|mutation\w*|gene\w*|trigger\w*|risk factor\w*|due to|inherit\w*)\b", re.I),
    "prevention": re.compile(r"\b(prevent\w*|prophyla\w+|vaccin\w+|screen\w*|reduce the risk)\b", re.I),
    "mechanism": re.compile(r"\b(mechanism|pathway|inhibit\w*|bind\w*|receptor|mediat\w+|activat\w+)\b", re.I),
    "definition": re.compile(r"\b(is an?|are|defined|characteri[sz]ed|refers? to|consists?)\b", re.I),
}
# plans, not findings: registry records and protocols say what a study *will* do
PLAN = re.compile(r"\b(will (?:be|receive|undergo|evaluate|assess|determine|compare|investigate)|"
                  r"(?:purpose|aim|objective|goal)s? of (?:the|this) (?:study|trial|project)|this (?:study|trial) "
                  r"(?:aims|is designed)|we (?:aim|plan|propose|hypothesi[sz]e)|is to (?:evaluate|determine|assess|compare))\b",
                  re.I)
META = re.compile(r"^(in this (review|study|paper|article|manuscript)|we (summari[sz]e|review|reviewed|describe|discuss)|"
                  r"this (review|article)|search terms|although many reports exist|we limited our (?:review|search))\b|"
                  r"\b(?:in|for|from) this (?:review|article|paper|manuscript)\b|\bwe included (?:articles|studies)\b|"
                  # guideline-summary boilerplate (National Guideline Clearinghouse and similar catalogues)
                  r"\bNGC\b|original guideline document|\b(?:is|are|was|were) not (?:specifically )?(?:stated|reported)\b|"
                  r"\bthis guideline meets\b|\bsee the [\"']?(?:availability of companion documents|major recommendations)|"
                  r"\bwere found in the literature\b|"
                  r"\b(see (table|figure|fig)|as shown in (table|figure))\b", re.I)
PROCEDURES = re.compile(
    r"\b(allogeneic (?:hematopoietic )?(?:stem cell |cell )?transplant\w*|hematopoietic (?:stem )?cell transplant\w*|"
    r"stem cell transplant\w*|HSCT|HCT|alloSCT|bone marrow transplant\w*|plasma exchange|plasmapheresis|"
    r"radiotherapy|radiation therapy|surgery|surgical \w+|splenectomy|dialysis|intrathecal \w+|"
    r"(?:DEP|HLH-94|HLH-2004|R-CHOP|CHOP) (?:regimen|protocol)|HLH-94|HLH-2004|DEP regimen|"
    r"immunoglobulin|IVIG|chemotherapy|immunotherapy|CAR[- ]T|ATG|anti-?thymocyte globulin|DEP)\b")


@dataclass
class Candidate:
    document: Document
    passage: Passage
    start: int                       # absolute offsets into document.text
    end: int
    quote: str                       # document.text[start:end]
    display: str                     # whitespace-collapsed quote (what the reader sees)
    hit_score: float
    coverage: float                  # share of the question's concepts in the sentence
    context_coverage: float          # ... in the document title + section + passage
    head: bool                       # mentions the question's main condition (sentence or context)
    head_in_sentence: bool
    drugs: list[str] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    has_number: bool = False
    recommends: bool = False
    result: bool = False
    consider: bool = False
    type_cue: bool = False
    meta: bool = False
    topical: bool = False            # the document's title names the question's condition
    score: float = 0.0
    words: frozenset[str] = frozenset()

    @property
    def is_guideline(self) -> bool:
        return self.document.evidence_level is EvidenceLevel.GUIDELINE

    @property
    def interventions(self) -> list[str]:
        """Interventions in order of first mention (the sentence's subject first)."""
        low = self.display.lower()
        names = list(dict.fromkeys(self.drugs + self.procedures))
        return sorted(names, key=lambda n: low.find(n.lower()) if low.find(n.lower()) >= 0 else 10_000)


_BARE_HEADS = {"disease", "diseases", "disorder", "disorders", "condition", "conditions", "illness", "illnesses",
               "syndrome", "syndromes", "problem", "problems", "infection", "infections", "complication",
               "complications", "symptom", "symptoms", "mutation", "mutations", "gene", "genes"}


def head_indices(parsed: ParsedQuestion) -> list[int]:
    """Positions of the concepts every sentence must be about: the question's named conditions; failing that its
    drugs or therapies ("Which mutation is targeted by tepotinib?"); failing that its first specific concept. A
    bare "disease" or "mutation" is the slot the question asks to fill ("... for which disease?"), never a head."""
    specific = [i for i, c in enumerate(parsed.concepts) if c.text.lower().strip() not in _BARE_HEADS]
    for kind in ("condition", "drug"):
        heads = [i for i in specific if parsed.concepts[i].kind == kind]
        if heads:
            return heads
    return specific[:1] or ([0] if parsed.concepts else [])


def head_terms(parsed: ParsedQuestion) -> list[set[str]]:
    """Variant sets of the question's condition concepts (or, failing that, its first concept)."""
    terms = sentence_terms(parsed)
    return [terms[i] for i in head_indices(parsed) if i < len(terms)]


_SHORT_FORM = re.compile(r"[A-Z][A-Za-z0-9-]{0,7}|[a-z]{1,3}[A-Z][A-Za-z0-9-]{0,6}")


def expansion_shorts(parsed: ParsedQuestion) -> list[tuple[set[str], set[str]]]:
    """Per concept: (abbreviations that came from expanding what was asked, the concept's long forms). "RA" for
    "rheumatoid arthritis" is such an abbreviation; "COPD" asked as "COPD" is not (it is the user's own word)."""
    out = []
    for c in parsed.concepts:
        asked = c.text.lower()
        shorts = {v.lower() for v in c.variants if v.lower() != asked and " " not in v and _SHORT_FORM.fullmatch(v)
                  and sum(ch.isupper() for ch in v) >= 2}
        longs = {" ".join(v.lower().split()) for v in c.variants if v.lower() not in shorts and len(v) > 8}
        out.append((shorts, longs))
    return out


def document_meaning(term_sets: list[set[str]], expansions: list[tuple[set[str], set[str]]], blob: str) -> list[set[str]]:
    """Drop abbreviations the question did not use from documents that never spell out what was asked: "RA" in a
    diabetes guideline is "receptor agonist" (GLP-1 RA), not rheumatoid arthritis. `blob` is the document's title
    and retrieved passages, lowercased; authors define an abbreviation before they use it."""
    out = []
    for variants, (shorts, longs) in zip(term_sets, expansions):
        if shorts and longs and not any(x in blob or x.replace("-", " ") in blob for x in longs):
            variants = (variants - shorts) or variants
        out.append(variants)
    return out


_BROAD_GROUPS = {"adult", "adults", "men", "man", "male", "males", "women", "woman", "female", "females",
                 "grown-ups", "grownups"}


def concept_weights(parsed: ParsedQuestion) -> list[float]:
    """How much each concept counts toward a sentence's coverage: a broad group ("adults", "women") narrows the
    question but is not what it is about, so it weighs half; a clinical population (renal impairment,
    pregnancy, children, refractory disease) is often the point of the question and weighs in full."""
    return [0.5 if c.kind == "population" and c.text.lower() in _BROAD_GROUPS else 1.0 for c in parsed.concepts]


def weighted_coverage(text: str, terms: list[set[str]], weights: list[float]) -> float:
    if not terms:
        return 0.0
    if len(weights) != len(terms) or len(set(weights)) == 1:
        return concept_coverage(text, terms)
    got = sum(w for t, w in zip(terms, weights) if concept_coverage(text, [t]) > 0)
    return got / sum(weights)


def local_meaning(term_sets: list[set[str]], text: str) -> list[set[str]]:
    """Drop abbreviation variants that `text` itself defines as something else: in a passage that says
    "CAP (controlled attenuation parameter)", "CAP" does not mean community-acquired pneumonia."""
    defined = {short.lower(): long for short, long in find_definitions(text)}
    if not defined:
        return term_sets
    out = []
    for variants in term_sets:
        longer = [v for v in variants if " " in v or "-" in v]
        keep = {v for v in variants
                if v not in defined or not longer or any(same_meaning(defined[v], x) for x in longer)}
        out.append(keep or variants)
    return out


_LINES = {
    "first": r"first[- ]line|initial (?:therapy|treatment|management)|treatment of choice|drug of choice|"
             r"preferred (?:agent|treatment|therapy|regimen)|empiric(?:al)?(?: therapy| treatment| antibiotics?)?",
    "second": r"second[- ]line|(?:after|if) (?:failure|first[- ]line)|alternative (?:agent|treatment|therapy)",
    "third": r"third[- ]line|salvage|refractory",
    "maintenance": r"maintenance|long[- ]term (?:therapy|treatment)",
}


def _line_of_therapy(question: str) -> re.Pattern[str] | None:
    """When the question asks for a line of therapy ("first-line", "second-line", "maintenance"), the wording
    that names that line in a sentence."""
    low = question.lower()
    for key, pattern in _LINES.items():
        if re.search(rf"\b{key}[- ]line\b" if key != "maintenance" else r"\bmaintenance\b", low):
            return re.compile(rf"\b(?:{pattern})\b", re.I)
    return None


def asks_symptoms(parsed: ParsedQuestion) -> bool:
    return bool(re.search(r"\b(symptoms?|signs?|clinical (?:features|picture|presentation)|present(?:s|ation)?)\b",
                          parsed.text, re.I))


def build_candidates(parsed: ParsedQuestion, hits: list[SearchHit]) -> list[Candidate]:
    terms = sentence_terms(parsed)
    weights = concept_weights(parsed)
    head_at = [i for i in head_indices(parsed) if i < len(terms)]
    expansions = expansion_shorts(parsed)
    blobs: dict[str, list[str]] = {}
    for hit in hits:
        blobs.setdefault(hit.document.id, [hit.document.title]).append(hit.passage.text)
    doc_terms = {d: document_meaning(terms, expansions, " ".join(parts).lower()) for d, parts in blobs.items()}
    qtype = parsed.question_type
    type_re = TYPE_CUES.get(qtype)
    if asks_symptoms(parsed):
        type_re = TYPE_CUES["symptoms"]
    line_re = _line_of_therapy(parsed.text)
    interventions = {i.lower() for i in parsed.intervention}
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    top = max((h.score for h in hits), default=1.0) or 1.0
    for hit in hits:
        doc, p = hit.document, hit.passage
        if p.kind in ("table", "abbreviations", "heading"):
            continue
        context = f"{doc.title} {p.section} {p.text}"
        p_terms = local_meaning(doc_terms[doc.id], p.text)
        p_heads = [p_terms[i] for i in head_at]
        title_head = all(concept_coverage(doc.title, [h]) > 0 for h in p_heads) if p_heads else False
        ctx_cov = weighted_coverage(context, p_terms, weights)
        ctx_head = all(concept_coverage(context, [h]) > 0 for h in p_heads) if p_heads else True
        for s, e in sentence_spans(p.text):
            a, b = p.start + s, p.start + e
            if (doc.id, a) in seen:
                continue
            seen.add((doc.id, a))
            quote = p.text[s:e]
            display = _WS.sub(" ", quote).strip()
            if not _usable(display):
                continue
            cov = weighted_coverage(display, p_terms, weights)
            head_in = all(concept_coverage(display, [h]) > 0 for h in p_heads) if p_heads else True
            drugs = [d.name for d in find_drugs(display)]
            procs = [re.sub(r"\s+(regimen|protocol)$", "", m.group(0), flags=re.I) for m in PROCEDURES.finditer(display)]
            c = Candidate(
                document=doc, passage=p, start=a, end=b, quote=quote, display=display, hit_score=hit.score / top,
                coverage=cov, context_coverage=ctx_cov, head=head_in or ctx_head, head_in_sentence=head_in,
                drugs=list(dict.fromkeys(drugs)), procedures=list(dict.fromkeys(procs)),
                has_number=bool(NUMBER_RESULT.search(display)), recommends=bool(RECOMMEND.search(display)),
                result=bool(RESULT.search(display)), consider=bool(CONSIDER.search(display)),
                type_cue=bool(type_re.search(display)) if type_re else False,
                meta=bool(META.search(display) or PLAN.search(display)),
                words=frozenset(_WORD.findall(display.lower())), topical=title_head,
            )
            c.score = _score(c, qtype, interventions)
            if line_re is not None and line_re.search(display):
                c.score += 0.1            # "first-line ..." answers "What is the first-line treatment ...?"
            out.append(c)
    out.sort(key=lambda c: -c.score)
    return out


def _usable(display: str) -> bool:
    if len(display) < 40 or len(display) > 700:
        return False
    if display.endswith((":", "?")) or display[0].islower() and not display[:3].isalnum():
        return False
    if display[0] in "([" and display[-1] in ")]" and display.count("(") + display.count("[") == 1 + \
            display[1:-1].count("(") + display[1:-1].count("["):
        return False                        # "( Quality of Evidence: ...; Strength of Recommendation: Strong )"
    words = [w for w in display.split() if len(w) > 3 and w[0].isalpha()]
    if display[-1] not in ".!?)]%" and words and sum(w[0].isupper() for w in words) >= 0.6 * len(words):
        return False                        # a heading: "Signs and Symptoms of Fanconi Anemia in Adults"
    first = display.split(" ", 1)[0].rstrip(",;:")
    if first.isalpha() and first.islower():      # "ndeed, preliminary ...", "in patients who ...": a fragment
        return False
    letters = sum(ch.isalpha() for ch in display)
    if letters < 0.55 * len(display):       # number soup from a flattened table
        return False
    if display.count("|") >= 2:
        return False
    if display.find(")") != -1 and (display.find("(") == -1 or display.find(")") < display.find("(")):
        return False                        # "Reactive HLH) would lead to ...": cut mid-parenthesis
    return True


def _score(c: Candidate, qtype: str, interventions: set[str]) -> float:
    s = 0.42 * c.coverage + 0.18 * c.context_coverage + 0.15 * c.hit_score
    if c.head_in_sentence:
        s += 0.08
    if c.topical:
        s += 0.06
    if c.type_cue:
        s += 0.08
    if qtype in ("treatment", "dosing", "adverse_effects") and c.interventions:
        s += 0.07
    if interventions and any(d.lower() in interventions for d in c.interventions):
        s += 0.1
    if c.recommends:
        s += 0.05 + (0.05 if c.is_guideline else 0.0)
    if c.has_number and c.result:
        s += 0.05
    if c.meta:
        s -= 0.12
    if c.document.evidence_level is EvidenceLevel.TRIAL_REGISTRY:
        s -= 0.05      # a registry record describes a study; it reports no findings
    if not c.head:
        s -= 0.3
    return s


_FIGURE = re.compile(r"\d+(?:[.,]\d+)?(?:\s?[-\u2013]\s?\d+(?:[.,]\d+)?)?\s?%")


def near_duplicate(a: Candidate, b: Candidate, threshold: float = 0.6) -> bool:
    """Two sentences that say the same thing: most words shared, or the same percentages with a third shared
    (a finding restated in the discussion: "approximately 25-50% of patients fail ...")."""
    if not a.words or not b.words:
        return False
    share = len(a.words & b.words) / min(len(a.words), len(b.words))
    if share >= threshold:
        return True
    figures_a = set(_FIGURE.findall(a.display.replace(" ", "")))
    return bool(figures_a) and figures_a == set(_FIGURE.findall(b.display.replace(" ", ""))) and share >= 0.3
