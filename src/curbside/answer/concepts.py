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


# the answer class a question asks for: "Which <organs> are ...", "List <types of cancer> where ...", "Name three
# <binding partners> of ...", "How many <nucleotides long> is ...", "Is X a <microRNA>?". Answers name members of
# the class ("kidney", "glioblastoma", "lncRNA"), rarely the class itself. Not an attribute ("What is the target
# INR for ...": answers restate it) nor a group of people ("Which stroke patients ...": the condition is the topic).
_AUX_VERBS = r"is|are|was|were|be|been|do|does|did|can|could|has|have|had|will|would|should|shall|may|might|must"
_AUX = _AUX_VERBS + r"|of|for|in|on|at|by|with|from|to|that|which|whose|where|when|than|as|and|or"
_WORD_ = rf"(?!(?:{_AUX})\b)[^\s?,;:]*[^\s?,;:.]"
_CLASS = (rf"(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|some|different)\s+)?"
          rf"(?:(?:types?|kinds?|class(?:es)?|forms?|groups?|families|family|members?)\s+of\s+)?"
          rf"{_WORD_}(?:\s+{_WORD_}){{0,4}}?")
_VERB = rf"(?=\s+(?:{_AUX_VERBS})\b|\s+\w+ed\b)"    # the class ends where the question's verb begins
_END = rf"(?=\s+(?:{_AUX})\b|\s+\w+ed\b|\s*[?.]?\s*$)"   # ... or the question ends ("List Mcl-1 inhibitors.")
_ASKED = [re.compile(p, re.I) for p in (
    rf"^(?:(?:in|from|by|to|at|on|for|with|of|among)\s+)?(?:which|what)\s+(?P<c>{_CLASS}){_VERB}",
    rf"^(?:please\s+)?(?:list|name|give|enumerate|mention|report)\s+(?:me\s+)?(?:(?:the|all|some|any)\s+)?"
    rf"(?P<c>{_CLASS}){_END}",
    rf"^how\s+many\s+(?P<c>{_CLASS}){_VERB}",
    rf"^(?:is|are|was|were)\s+\S+(?:\s+\S+){{0,3}}?\s+(?:a|an)\s+(?P<c>{_CLASS}){_END}",
    # no auxiliary: "Which <database contains> ...", "What <happens> to ...", "What <causes> gout?" (the class
    # and the verb that follows it, or the verb alone, are the asking words)
    rf"^(?:(?:in|from|by|to|at|on|for|with|of|among)\s+)?(?:which|what)\s+(?P<c>{_WORD_}(?:\s+{_WORD_})?)\s",
)]


_PEOPLE = re.compile(r"\b(?:patients?|people|persons?|individuals?|subjects?|adults?|children|women|men|cases|"
                     r"populations?|infants?|neonates?)$", re.I)
_ASKING = re.compile(r"^.*[:.!?]\s+(?=\S)")     # what comes before the asking sentence ("Quick question: ...")
_NAMED = re.compile(r"[A-Z].*[A-Z]|\d|[A-Za-z]-[A-Za-z0-9]|^[a-z]+[A-Z]")


# after a wh-class, its verb when it is only a passive or an adverb ("Which organs <are primarily damaged> in ..."):
# asking words as well (the class's members are what is damaged, not the topic)
_PASSIVE = re.compile(rf"(?:\s+(?:{_AUX_VERBS}))(?:\s+(?:not|be|been|being|[a-z]+ly|[a-z]+ed))+(?=\s|[?.]?$)", re.I)


def asked_class(question: str, with_verb: bool = False) -> tuple[int, int] | None:
    """The span of the answer class the question asks for (see _ASKED), or None. Its words name what the answer
    is (organs, drugs, a microRNA), not what it is about, so they are never the head when anything else is.
    `with_verb`: the span runs on over a passive verb after a wh-class (see _PASSIVE)."""
    q = question.rstrip()
    m0 = _ASKING.match(q[:-1] if q.endswith(("?", ".")) else q)
    start = m0.end() if m0 else len(q) - len(q.lstrip())
    for k, rx in enumerate(_ASKED):
        m = rx.search(q[start:])
        if m and m.group("c").strip():
            if _PEOPLE.search(m.group("c").strip()):       # "Which stroke patients ...": about the condition
                return None
            end = m.end("c") + start
            if with_verb and k in (0, 2):                  # which/what and how-many classes
                v = _PASSIVE.match(q, end)
                end = v.end() if v else end
            return m.start("c") + start, end
    return None


_LIST_ASK = re.compile(r"^(?:(?:please\s+)?(?:list|name|enumerate|mention)|(?:what|which)\s+(?:are|were))\b", re.I)


def asks_list(question: str) -> bool:
    """The question asks for several things: it says so ("List ...", "Name three ...", "What are ...") or its
    answer class is plural ("Which genes are ...", "How many miRNAs ...")."""
    q = _ASKING.sub("", question.strip(), count=1) if _ASKING.match(question.strip().rstrip("?.")) else question
    if _LIST_ASK.search(q.strip()):
        return True
    span = asked_class(question)
    if span is None:
        return False
    cls = question[span[0]:span[1]].split()
    return bool(cls) and (cls[0].lower() in _NUMBERS or any(plural(w) for w in cls[:3]))


_NUMBERS = frozenset("2 3 4 5 6 7 8 9 10 two three four five six seven eight nine ten several".split())


def plural(word: str) -> bool:
    w = word.lower()
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous"))


# what the question says of its topic rather than the topic: a relation after "is the" ("Which is the <catalytic
# activity> of ... KMT2C?", "Which organisms are the <focus> of WormBase?"), the main clause's passive verb after
# its subject ("Febrifugine could be <repositioned> for ...", not a relative clause's: "targets that are
# dephosphorylated") and an answer class asked at the end ("... is extracted from what <plant>?")
_RELATION = re.compile(r"\b(?i:is|are|was|were)\s+the\s+(?P<c>(?:[a-z][a-z-]*\s+){0,2}?[a-z][a-z-]*)\s+of\b")
_PASSIVE_VERB = re.compile(r"(?<=\S)(?<!\bthat)(?<!\bwhich)(?<!\bwho)\s+(?:be|been|being|is|are|was|were)\s+"
                           r"(?:[a-z]+ly\s+)?(?P<c>[a-z]{3,}ed)\b")
_CLASS_LAST = re.compile(rf"(?<=\S)\s+(?i:which|what)\s+(?P<c>{_WORD_}(?:\s+{_WORD_})?)\s*[?.]?\s*$")


def asking_spans(question: str) -> list[tuple[int, int]]:
    """Spans of the question's asking words: its answer class (see `asked_class`, with a passive verb after it)
    and what it says of its topic (see _RELATION, _PASSIVE_VERB, _CLASS_LAST)."""
    span = asked_class(question, with_verb=True)
    out = [span] if span else []
    q = question.strip()
    start = len(question) - len(question.lstrip())
    out += [(m.start("c") + start, m.end("c") + start)
            for rx in (_RELATION, _PASSIVE_VERB, _CLASS_LAST) for m in rx.finditer(q)]
    return out


def outside_asked(parsed: ParsedQuestion, indices: list[int]) -> list[int]:
    """`indices` without the concepts written inside the question's asking words (see `asking_spans`); all of
    them when nothing else would remain (then the class is the topic: "List Mcl-1 inhibitors")."""
    spans = asking_spans(parsed.text)
    if not spans:
        return indices
    kept = []
    for i in indices:
        at = parsed.text.find(parsed.concepts[i].text)
        if not (at >= 0 and any(a <= at and at + len(parsed.concepts[i].text) <= b for a, b in spans)):
            kept.append(i)
    # a class that swallowed the verb's object ("What causes gout in children?") leaves only the population; a
    # class that holds the condition or drug ("Which antihypertensive drugs ...") leaves a condition, a drug or a
    # name, never just a common word
    dropped = [i for i in indices if i not in kept]
    strong = ("condition", "drug")
    if any(parsed.concepts[i].kind in strong for i in dropped):
        ok = any(parsed.concepts[i].kind in strong or _NAMED.search(parsed.concepts[i].text) for i in kept)
    else:
        ok = any(parsed.concepts[i].kind != "population" for i in kept)
    return kept if ok else indices


def head_indices(parsed: ParsedQuestion) -> list[int]:
    """Positions of the concepts every sentence must be about: the question's named conditions; failing that its
    drugs or therapies ("Which mutation is targeted by tepotinib?"); failing that its first specific concept. A
    bare "disease" or "mutation" is the slot the question asks to fill ("... for which disease?"), never a head;
    nor is a concept inside the answer class the question asks for ("List types of cancer where X is involved")
    while another concept remains."""
    specific = [i for i, c in enumerate(parsed.concepts) if c.text.lower().strip() not in _BARE_HEADS]
    specific = outside_asked(parsed, specific)
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


def written_shorts(parsed: ParsedQuestion, expansions: list[tuple[set[str], set[str]]] | None = None
                   ) -> list[set[str]]:
    """Per concept, the abbreviations of `expansion_shorts` (pass them when already computed) that the question
    writes itself ("irritable bowel syndrome (IBS)"): they name its head in any document, even one whose retrieved
    passages never spell it out."""
    expansions = expansion_shorts(parsed) if expansions is None else expansions
    written = set(re.findall(r"[A-Za-z0-9-]+", parsed.text))
    return [{v.lower() for v in c.variants if v in written} & shorts
            for c, (shorts, _) in zip(parsed.concepts, expansions)]


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
