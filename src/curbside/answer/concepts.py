"""The question's concepts as they are matched in evidence text: which concepts are its head, how much each
counts, what an abbreviation means in a given document or passage, and the cue words of each question type.
Shared by the relevance features (answer/features.py) and follow-up suggestions."""

from __future__ import annotations

import re

from curbside.retrieve.abbreviations import find_definitions
from curbside.retrieve.query import ParsedQuestion, same_meaning, sentence_terms
from curbside.retrieve.search import concept_coverage

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


def asks_symptoms(parsed: ParsedQuestion) -> bool:
    return bool(re.search(r"\b(symptoms?|signs?|clinical (?:features|picture|presentation)|present(?:s|ation)?)\b",
                          parsed.text, re.I))
