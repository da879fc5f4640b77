"""Features of a (question, evidence unit) pair for the learned relevance model (answer/relevance.py).

Every feature is general: how much of the question the unit (or its heading path, or its document title) covers,
whether it is about the question's head concept, how it matches what kind of answer the question wants (a dose, a
criterion, a recommendation), its role and polarity (answer/roles.py), and how its passage ranked. Weights are
learned by `scripts/train_relevance.py`; nothing here is tuned by hand.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np

from curbside.answer.concepts import (TYPE_CUES, asks_symptoms, concept_weights, document_meaning, plural,
                                        expansion_shorts, head_indices, local_meaning, outside_asked,
                                        weighted_coverage, written_shorts)
from curbside.answer.roles import (Role, asks_acute, asks_against, classify, population_conflict,
                                   question_populations)
from curbside.corpus.models import EvidenceLevel
from curbside.retrieve.drugs import find_drugs
from curbside.retrieve.query import ParsedQuestion, sentence_terms
from curbside.retrieve.search import concept_coverage
from curbside.retrieve.vocabulary import MODIFIERS

FEATURES = (
    "bias", "cov_unit", "cov_context", "head_unit", "head_context", "idf_overlap", "type_cue", "dose_for_dosing",
    "number", "recommendation", "guideline", "against", "against_when_asked", "list_item", "table_row",
    "passage_score", "meta", "population_conflict", "population_covered", "asked_intervention", "length",
    "title_head", "registry", "risk_factor_for_treatment", "maintenance_for_acute", "criterion_for_diagnosis",
    "fragment", "registry_when_studies", "names_asked_in_context", "head_share", "question_numbers",
    "prevention_for_treatment", "case_narrative", "no_evidence", "names_intervention_for_options",
    "heading_overlap", "best_in_passage",
)

_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")
_STOP = frozenset("""a an the of in on for to and or with without is are was were be been being what which who whom
how when where why does do did can could should would will may might must shall this that these those it its as at
by from into than then there their they them we our you your i me my about after before between during over under
any all some most more less other such no not only own same so too very s t just per vs versus patient patients
recommended recommendation treatment therapy first line use used using""".split())


# populations an answer must be about when the question names them (age groups, pregnancy, organ impairment);
# disease qualifiers the parser also calls populations (refractory, primary, secondary) narrow the topic instead
CLINICAL_POPULATION = re.compile(
    r"\b(?:child|children|pediatric|paediatric|infant|neonat|newborn|adolescen|toddler|preterm|pregnan|perinatal|"
    r"postpartum|lactat|breast-?feed|elderly|older|renal|kidney|ckd|egfr|hepatic|liver|cirrho|dialysis)\w*", re.I)
_STEM = 5


# prefixes that start many unrelated words: the stem counts its letters after them ("anticoagulants" is not
# "anticipated", "hypertension" not "hyperglycaemia", "intravenous" not "intraocular")
_PREFIX = re.compile(r"^(?:anti|hyper|hypo|inter|intra|trans|super|supra|multi|micro|macro|pseudo|para|peri|post)"
                     r"(?=[a-z]{3})")


def _stem(w: str) -> str:
    """The first _STEM letters, or a common prefix and the two letters after it (_PREFIX); a short word loses a
    plural "s" first ("DNAs", "LTRs", "cells" are "DNA", "LTR", "cell"; not "virus", "genus", "class")."""
    if 3 < len(w) <= _STEM and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    p = _PREFIX.match(w)
    n = p.end() + 2 if p else _STEM
    return w[:n] if len(w) > n else w


# words that name no particular condition: a head concept is matched by its other words
_GENERIC = frozenset("""disease diseases disorder disorders syndrome syndromes infection infections condition
conditions injury injuries deficiency illness mild moderate severe early late adult adults patient patients drug
drugs medication medications agent agents cause causes caused causing organism organisms underlying""".split())


# participles that only qualify a condition by its cause ("radiation induced enteritis" is "radiation enteritis",
# "EBV-associated HLH"): not required of a unit
_QUALIFIERS = frozenset(w for w in MODIFIERS if w.endswith("ed")) | {"driven"}


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()))


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]")
_LOOSE = "~"      # marks a head phrase built from the question's terms (no condition or drug named)


def _variant_matches(variant: str, words: frozenset[str], text: str = "") -> bool:
    """A head variant's specific words (stems) present: all of them when it has up to three, else three in four
    including the last (the head noun): "non-variceal upper GI bleeding" ~ "non-variceal bleeding ... upper";
    "mild asthma" ~ "asthma"; "chronic pancreatitis" is not "acute pancreatitis", "primary biliary cholangitis"
    not "biliary ... cholangitis"."""
    loose = variant.startswith(_LOOSE)
    toks = [_stem(t) for t in _WORD.findall(variant) if t not in _STOP and t not in _GENERIC
            and t not in _QUALIFIERS]
    if not toks:
        return False
    if all(t.isdigit() for t in toks):
        return True         # numbers and generic words ("3 disorders") name no topic: the head does not constrain
    got = [t in words for t in toks]
    if loose:               # a phrase of the question's own terms: half of its words, including its first or
        return (got[-1] or got[0]) and sum(got) >= len(toks) / 2    # last ("cohesin linked" ~ "links cohesin")
    if len(toks) <= 3:
        return all(got) and (len(toks) == 1 or _near(text, toks))
    return got[-1] and sum(got) >= 3 * len(toks) / 4


def _near(text: str, toks: list[str]) -> bool:
    """The words of a short phrase stand together: all within len(phrase) + 1 consecutive words ("mechanical
    heart valve" is near; "mitral stenosis, mechanical heart valves" does not make a "mechanical mitral valve")."""
    seq = _stem_seq(text)
    want = set(toks)
    width = len(toks) + 1
    for i, w in enumerate(seq):
        if w in want and want <= set(seq[i:i + width]):
            return True
    return False


@lru_cache(maxsize=8192)
def _stem_seq(text: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and w not in _GENERIC)


def topical(text: str, heads: list[set[str]], groups: list[int] | None = None) -> bool:
    """Is `text` about the question's head concepts? Every head must match (exactly, or by its specific words);
    heads in one group (a name and its parenthetical alias: "macrophage activation syndrome (secondary HLH)")
    are alternatives, one of which suffices."""
    if not heads:
        return True
    return topical_share(text, heads, groups) >= 1.0


def topical_share(text: str, heads: list[set[str]], groups: list[int] | None = None) -> float:
    """The share of head groups `text` is about (see topical)."""
    if not heads:
        return 1.0
    words = _stems(text)
    hits = [concept_coverage(text, [v]) > 0 or any(_variant_matches(x, words, text) for x in v) for v in heads]
    groups = groups or list(range(len(heads)))
    need: dict[int, bool] = {}
    for g, h in zip(groups, hits):
        need[g] = need.get(g, False) or h
    return sum(need.values()) / len(need)


def _tokens(text: str) -> list[str]:
    return [w.rstrip("s") if len(w) > 4 else w for w in _WORD.findall(text.lower()) if w not in _STOP]


_ASKED_SLOTS = frozenset("""target goal dose dosing dosage duration first-line second-line treatment therapy options
management criteria cut-offs cutoffs threshold thresholds monitoring laboratory risk recommended empiric
calculate calculated use used manage managed treat treated give given start started prescribe choose need needed
best preferred appropriate score scores counts count positive negative level levels value values range""".split())


def question_heads(parsed: ParsedQuestion, n_terms: int) -> list[int]:
    """The concepts every answer unit must be about: the named conditions, else the drugs/therapies, else every
    specific term of the question (a question with no condition or drug is about all its terms together: "target
    INR" + "mechanical" + "mitral valve"), never the slot it asks to fill ("dose", "target", "first-line")."""
    from curbside.answer.interventions import PROCEDURES

    # a "condition" the intervention lexicon knows is a procedure ("mechanical thrombectomy"): not the topic
    conditions = [i for i in head_indices(parsed) if i < n_terms and parsed.concepts[i].kind == "condition"
                  and not PROCEDURES.fullmatch(parsed.concepts[i].text.strip())
                  and not PROCEDURES.search(parsed.concepts[i].text)]
    if conditions:
        return conditions
    heads = [i for i in head_indices(parsed) if i < n_terms]
    kinds = {parsed.concepts[i].kind for i in heads}
    if kinds & {"condition", "drug"}:
        return heads
    terms = outside_asked(parsed, [i for i, c in enumerate(parsed.concepts[:n_terms])
                                   if c.kind == "term" and c.text.lower() not in _ASKED_SLOTS and len(c.text) > 2])
    # the topic of a question without a condition or drug: its names (qSOFA, INR, FIB-4, COVID-19) and its
    # multi-word phrases ("mechanical mitral valve": neighbouring terms read together); single common words
    # ("counts", "positive") only when there is nothing else
    named = [i for i in terms if _NAME_LIKE.search(parsed.concepts[i].text)]
    phrases = [i for i in terms if i in _phrase_members(parsed, terms)]
    return sorted(set(named) | set(phrases)) or terms or heads


def phrase_heads(parsed: ParsedQuestion, heads: list[int]) -> dict[int, str]:
    """Heads that run on in the question as one phrase ("mechanical" "mitral" "valve"): the first of each run
    maps to the phrase; the others are dropped (the phrase is matched as a whole, by its specific words)."""
    text = parsed.text
    spans = sorted((text.find(parsed.concepts[i].text), i) for i in heads if text.find(parsed.concepts[i].text) >= 0)
    out: dict[int, str] = {}
    run: list[tuple[int, int]] = []

    def close() -> None:
        if len(run) > 1:
            a = run[0][0]
            last = run[-1]
            b = last[0] + len(parsed.concepts[last[1]].text)
            out[run[0][1]] = text[a:b]
            for _, i in run[1:]:
                out[i] = ""
    for at, i in spans:
        if run:
            pa, pi = run[-1]
            if text[pa + len(parsed.concepts[pi].text):at].strip():
                close()
                run = []
        run.append((at, i))
    close()
    return out


_NAME_LIKE = re.compile(r"[A-Z].*[A-Z]|\d|[A-Za-z]-[A-Za-z0-9]")


def question_names(text: str) -> frozenset[str]:
    """Words written like names: with a digit or an inner capital ("ORMD-0801", "tmVar", "KMT2C"), or capitalised
    inside the sentence ("... is the lincRNA Xist expressed?"), lower-cased."""
    out = set()
    for m in _NAME.finditer(text):
        w = m.group(0)
        before = text[:m.start()].rstrip()
        inside = bool(before) and before[-1] not in ".?!:;\"'(“‘" and w[:1].isupper()
        if any(c.isdigit() for c in w) or any(c.isupper() for c in w[1:]) or inside:
            out.add(w.lower())
    return frozenset(out)


def _phrase_members(parsed: ParsedQuestion, terms: list[int]) -> set[int]:
    """Terms that are, or belong to, a multi-word phrase of the question (neighbours separated by spaces only)."""
    text = parsed.text
    out: set[int] = set()
    spans = []
    for i in terms:
        at = text.find(parsed.concepts[i].text)
        if at >= 0:
            spans.append((at, at + len(parsed.concepts[i].text), i))
    spans.sort()
    for (a1, b1, i1), (a2, b2, i2) in zip(spans, spans[1:]):
        if not text[b1:a2].strip():
            out |= {i1, i2}
    out |= {i for _, _, i in spans if " " in parsed.concepts[i].text.strip()}
    return out


_ALSO_KNOWN = re.compile(r"^\W*(?:(?:also|otherwise|better|commonly)\s+)?(?:known|called|termed|named|referred\s+to)"
                         r"\s+as\W*$|^\W*(?:a\.?k\.?a\.?|i\.e\.|(?:and/)?or)\W*$", re.I)


def alias_groups(parsed: ParsedQuestion, heads: list[int]) -> list[int]:
    """Group ids for the heads: a head written in parentheses right after another ("X (Y)"), named as its other
    name ("X, also known as Y", "X, otherwise known as Y") or offered as an alternative to it ("X or Y") is its
    alias: either one suffices."""
    text = parsed.text
    groups: list[int] = []
    prev_end = -1
    for k, i in enumerate(heads):
        c = parsed.concepts[i]
        at = text.find(c.text)
        if k and at > 0 and "(" in text[:at] and text.rfind("(", 0, at) > text.rfind(")", 0, at):
            groups.append(groups[-1])
        elif k and at > prev_end >= 0 and _ALSO_KNOWN.match(text[prev_end:at]):
            groups.append(groups[-1])
        else:
            groups.append(k)
        if at >= 0:
            prev_end = at + len(c.text)
    return groups


@dataclass
class QuestionView:
    """What the features need to know about a question, computed once per question."""

    parsed: ParsedQuestion
    terms: list[set[str]]
    weights: list[float]
    heads: list[int]
    phrases: dict[int, str]
    head_groups: list[int]
    terms_only: bool
    expansions: list
    written: list[set[str]]             # abbreviations the question writes itself, per concept (head matching)
    type_re: re.Pattern[str] | None
    populations: frozenset[str]
    clinical_population_terms: list[set[str]]
    age_groups: frozenset[str]          # children / pregnancy named by the question
    interventions: set[str]
    acute: bool
    against_q: bool
    tokens: list[str]
    drug_concepts: list[int] = field(default_factory=list)
    drug_names: frozenset[str] = frozenset()
    studies: bool = False          # the question asks what is being studied (trial records answer it)
    numbers: frozenset[str] = frozenset()
    prevention_asked: bool = False
    names: frozenset[str] = frozenset()   # written like names in the question: "ORMD-0801", "tmVar", "KMT2C"
    class_head: bool = False       # every head is a drug class ("Which antihypertensive drugs ... in pregnancy?"):
                                   # a unit naming one of its members is about it (see featurize)

    @classmethod
    def of(cls, parsed: ParsedQuestion) -> "QuestionView":
        terms = sentence_terms(parsed)
        expansions = expansion_shorts(parsed)
        qtype = parsed.question_type
        type_re = TYPE_CUES["symptoms"] if asks_symptoms(parsed) else TYPE_CUES.get(qtype)
        weights = concept_weights(parsed)
        clinical_pops = [t for c, t in zip(parsed.concepts, terms)
                         if c.kind == "population" and CLINICAL_POPULATION.search(c.text)]
        heads = question_heads(parsed, len(terms))
        phrases = phrase_heads(parsed, heads) if not any(parsed.concepts[i].kind in ("condition", "drug")
                                                         for i in heads) else {}
        kept = [i for i in heads if phrases.get(i, None) != ""]
        names = question_names(parsed.text)
        terms_only = not any(parsed.concepts[i].kind in ("condition", "drug") for i in heads)
        return cls(parsed=parsed, terms=terms, weights=weights, heads=heads, phrases=phrases, terms_only=terms_only,
                   head_groups=alias_groups(parsed, kept), expansions=expansions,
                   written=written_shorts(parsed, expansions),
                   type_re=type_re, populations=question_populations(parsed.text),
                   clinical_population_terms=clinical_pops,
                   age_groups=question_populations(parsed.text) & {"children", "pregnancy"},
                   interventions={i.lower() for i in parsed.intervention}, acute=asks_acute(parsed.text),
                   against_q=asks_against(parsed.text), tokens=list(dict.fromkeys(_tokens(parsed.text))),
                   drug_concepts=[i for i, c in enumerate(parsed.concepts[:len(terms)]) if c.kind == "drug"],
                   drug_names=frozenset(d.name for d in find_drugs(parsed.text)), names=names,
                   studies=bool(_STUDIES.search(parsed.text)),
                   numbers=frozenset(_NUMBER.findall(parsed.text)),
                   prevention_asked=bool(re.search(r"\bprophyla|\bprevent", parsed.text, re.I)),
                   class_head=_class_head(parsed, heads))


def _class_head(parsed: ParsedQuestion, heads: list[int]) -> bool:
    """Every head is a drug class, named in the plural ("antihypertensive drugs", "statins", "SSRIs")."""
    return bool(heads) and all(parsed.concepts[i].kind == "drug" and plural(parsed.concepts[i].text.split()[-1])
                               for i in heads)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _number_share(numbers: frozenset[str], text: str) -> float:
    """Share of the question's numbers ("6 to 24 hours", "eGFR 25") that the unit states too."""
    if not numbers:
        return 0.0
    return len(numbers & set(_NUMBER.findall(text))) / len(numbers)


# a list item that opens with an auxiliary or copula ("Are classified as having severe CAP", "Were hospitalized AND
# received parenteral antibiotics ...", "Is more likely than erythema migrans to be ...") finishes its lead-in's
# sentence ("Patients who ..."): its subject is not in its own words
_CONTINUES = re.compile(r"(?:are|is|were|was|has|have|had|does|do|did|should|must|may|can|could|will|would)\b", re.I)


def continues_lead_in(display: str) -> bool:
    """The unit opens with an auxiliary or copula: the rest of a sentence its lead-in began (see _CONTINUES)."""
    return bool(_CONTINUES.match(display.lstrip()))


def _fragment(display: str) -> bool:
    """A piece of a sentence rather than a statement: starts in lower case or with punctuation (a span cut from
    flattened text)."""
    first = display[:1]
    return bool(first) and (first.islower() or first in ",;:.)]-–")


_STUDIES = re.compile(r"\b(?:trials?|studied|studies|being (?:tested|studied|investigated)|investigat\w+|"
                      r"ongoing|registered)\b", re.I)


def names_asked(text: str, low: str, view: "QuestionView") -> bool:
    """The unit names an intervention the question asks about: as written, by a variant of the question's drug
    concept ("steroids" for "corticosteroids"), or by the same dictionary drug."""
    if not view.interventions:
        return False
    if any(i in low for i in view.interventions):
        return True
    if any(concept_coverage(text, [view.terms[i]]) > 0 for i in view.drug_concepts):
        return True
    if view.drug_names:
        return bool(view.drug_names & _drug_names(text))
    return False


@lru_cache(maxsize=4096)
def _drug_names(text: str) -> frozenset[str]:
    return frozenset(d.name for d in find_drugs(text))


@lru_cache(maxsize=8192)
def _heading_tokens(context: tuple[str, ...]) -> frozenset[str]:
    """The words of a unit's heading path (section, heading, lead-in): where a source says what a part is about
    ("Empiric therapy", "Monitoring", "Staging")."""
    return frozenset(_tokens(" ".join(context)))


@lru_cache(maxsize=8192)
def _interventions(text: str) -> tuple[str, ...]:
    from curbside.answer.interventions import interventions_in

    return tuple(interventions_in(text))




@dataclass
class UnitFeatures:
    x: np.ndarray
    role: Role
    on_topic: bool            # about the head concept (in the unit, its subject, heading path or title)
    population_ok: bool       # not about another age group than the question's
    population_covered: bool  # names the question's clinical population (itself, its heading path or title)
    coverage: float
    names_asked: bool = False # names an intervention the question asks about


def featurize(view: QuestionView, units: list, passage_scores: dict[str, float]) -> list[UnitFeatures]:
    """Features for every unit of a candidate pool (IDF is computed over the pool itself)."""
    if not units:
        return []
    blobs: dict[str, list[str]] = {}
    for u in units:
        blobs.setdefault(u.document.id, [u.document.title]).append(u.display)
    # the members of an asked class, as the sources name them: interventions a unit names where it (or its
    # heading path) names the class ("Preferred Antihypertensive Agents › ACE inhibitor | First-line")
    members: set[str] = set()
    if view.class_head:
        class_terms = [view.terms[i] for i in view.heads]
        for u in units:
            if topical(f"{u.display} {u.subject} {u.context_text}", class_terms, view.head_groups):
                members.update(n.lower() for n in _interventions(f"{u.display} {u.subject}"))
    doc_terms = {d: document_meaning(view.terms, view.expansions, " ".join(p).lower()) for d, p in blobs.items()}
    unit_tokens = [set(_tokens(f"{u.display} {u.subject}")) for u in units]
    n = len(units)
    df: dict[str, int] = {}
    for toks in unit_tokens:
        for t in toks:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in view.tokens}
    idf_total = sum(idf.values()) or 1.0
    top = max(passage_scores.values(), default=1.0) or 1.0
    qtype = view.parsed.question_type
    out: list[UnitFeatures] = []
    meanings: dict[str, list[set[str]]] = {}
    head_meanings: dict[str, list[set[str]]] = {}
    for u, toks in zip(units, unit_tokens):
        if u.passage.id not in meanings:      # abbreviation meanings depend on the passage only
            meanings[u.passage.id] = local_meaning(doc_terms[u.document.id], u.passage.text)
        terms = meanings[u.passage.id]
        if any(view.written):             # the question's own abbreviation names its head in any document
            if u.passage.id not in head_meanings:
                head_meanings[u.passage.id] = local_meaning([t | w for t, w in zip(doc_terms[u.document.id],
                                                                                   view.written)], u.passage.text)
            head_terms = head_meanings[u.passage.id]
        else:
            head_terms = terms
        # a phrase of the question's own terms is matched loosely, or, when it holds a name, by that name ("Which
        # company produces ORMD-0801?" is about ORMD-0801, whatever a unit says of companies)
        heads = [head_terms[i] if i not in view.phrases else
                 (view.names & set(view.phrases[i].lower().split())) or {_LOOSE + view.phrases[i].lower()}
                 for i in view.heads if view.phrases.get(i, None) != ""]
        own = f"{u.display} {u.subject}"
        ctx = f"{own} {u.context_text} {u.document.title}"
        head_unit = topical(own, heads, view.head_groups)
        share = 1.0 if head_unit else topical_share(ctx, heads, view.head_groups)
        # a unit naming a member of the asked class is about it
        if members and share < 1.0 and any(n.lower() in members for n in _interventions(own)):
            share = 1.0
        head_ctx = share >= 1.0
        # a question named by three or more topic terms and no condition or drug ("Which genomic positions are
        # preferentially selected for transposon insertion?") is about most of them: two in three may answer it
        about = head_ctx or (view.terms_only and len(set(view.head_groups)) >= 3 and share >= 2 / 3
                             and topical_share(own, heads, view.head_groups) > 0)
        title_head = topical(u.document.title, heads, view.head_groups) if heads else False
        role = classify(u.display, u.context_text)
        pop_conflict = population_conflict(view.populations, role.populations)
        pop_cov = all(concept_coverage(ctx, [t]) > 0 for t in view.clinical_population_terms)
        # children, neonates and pregnancy change doses and choices: for a question about them, a unit that
        # names none of them (itself, its heading path or its title) is not shown as if it applied
        age_cov = not view.age_groups or bool(view.age_groups & (role.populations | question_populations(ctx)))
        low = own.lower()
        cov_unit = weighted_coverage(own, terms, view.weights)
        level = u.document.evidence_level
        x = np.array([
            1.0, cov_unit, weighted_coverage(ctx, terms, view.weights), float(head_unit), float(head_ctx),
            sum(idf[t] for t in view.tokens if t in toks) / idf_total,
            float(bool(view.type_re and view.type_re.search(u.display))),
            float(qtype == "dosing" and role.has_dose), float(bool(re.search(r"\d", u.display))),
            float(role.role == "recommendation"), float(level is EvidenceLevel.GUIDELINE),
            float(role.polarity == "against"), float(role.polarity == "against" and view.against_q),
            float(u.kind == "list_item"), float(u.kind == "table_row"),
            passage_scores.get(u.passage.id, 0.0) / top, float(role.meta), float(pop_conflict), float(pop_cov),
            float(names_asked(own, low, view)), min(len(u.display), 600) / 600.0,
            float(title_head), float(level is EvidenceLevel.TRIAL_REGISTRY),
            float(qtype in ("treatment", "prevention") and role.role == "risk_factor"),
            float(view.acute and role.maintenance),
            float(qtype == "diagnosis" and role.role == "diagnostic"),
            float(_fragment(u.display)), float(level is EvidenceLevel.TRIAL_REGISTRY and view.studies),
            float(names_asked(ctx, ctx.lower(), view)), share,
            _number_share(view.numbers, u.display),
            float(role.prevention and qtype == "treatment" and not view.prevention_asked), float(role.case),
            float(role.no_evidence),
            float(qtype in ("treatment", "prevention", "dosing") and bool(_interventions(own))),
            sum(idf[t] for t in view.tokens if t in _heading_tokens(u.context)) / idf_total,
            0.0,
        ], dtype=np.float32)
        out.append(UnitFeatures(x=x, role=role, on_topic=about, population_ok=not pop_conflict and age_cov,
                                population_covered=pop_cov, coverage=cov_unit,
                                names_asked=float(x[FEATURES.index("names_asked_in_context")]) > 0))
    # the best unit of its passage by coverage (passages repeat the same point in several sentences)
    best: dict[str, float] = {}
    for u, f in zip(units, out):
        best[u.passage.id] = max(best.get(u.passage.id, 0.0), f.x[1])
    for u, f in zip(units, out):
        f.x[-1] = float(f.x[1] >= best[u.passage.id] and f.x[1] > 0)
    return out
