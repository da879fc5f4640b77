"""What an evidence unit does: its polarity (for / against), its role (recommendation, option, risk factor, harm,
diagnostic criterion, monitoring, finding, background) and the populations it names.

These are properties of the language of a unit, written once for every question: they name no drug, condition or
paper. Composition uses them as hard constraints (a "recommended against" unit is never an option, a risk factor is
never a treatment, a unit about another population is not used for the question's) and the relevance model uses
them as features.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---- polarity: the unit advises against something (or says it does not work)
AGAINST = re.compile(
    r"\b(?:not (?:be )?(?:routinely )?(?:recommended|indicated|advised|suggested|used|given|administered|started|"
    r"initiated|offered|prescribed)|recommends? against|recommended against|suggests? against|advises? against|"
    r"(?:should|must|do|does|need) not (?:be )?(?:routinely )?(?:use|used|give|given|start|started|offer|offered|"
    r"prescribe|prescribed|administer|administered|receive|treat|treated|perform|performed|initiate|initiated|"
    r"routinely)|don't use|avoid(?:ed|ing)? (?:the )?(?:use|routine|prophylactic|empiric|in\b)|"
    r"no longer (?:recommended|advised|suggested|indicated|used)|"
    r"contraindicated|no (?:clear |proven |significant )?benefit|(?:is|are) (?:harmful|ineffective|not effective)|"
    r"Class III|(?:suggests?|recommends?) (?:that )?(?:clinicians |providers )?not|discouraged|inappropriate|"
    r"is not a (?:treatment|substitute)|should be avoided|must be avoided|are to be avoided)\b", re.I)
# ... a negation that qualifies rather than reverses ("not recommended unless", "no longer contraindicated")
QUALIFIED = re.compile(r"\b(?:unless|except (?:when|in|if)|only (?:when|if|in)|no longer contraindicated)\b", re.I)

# ---- roles
RECOMMEND = re.compile(
    r"\b(?:recommend(?:ed|s|ation)?|should|suggest(?:ed|s)?|first[- ]line|second[- ]line|indicated|preferred|"
    r"is advised|consider(?:ed)?|strong(?:ly)?|conditional|grade [1-3a-d]\b|level [a-c1-3]\b|standard of care|"
    r"treatment of choice|drug of choice|mainstay|cornerstone|may be (?:used|given|offered|considered)|"
    r"(?-i:Class (?:I{1,3}|IIa|IIb)\b)|(?-i:COR\b)|(?-i:LOE\b))", re.I)
RISK_FACTOR = re.compile(
    r"\b(?:risk factors?|increased? (?:the )?risk of|(?:is|are) associated with (?:an )?(?:increased|higher)|"
    r"predispos\w+|precipitat\w+|(?:can|may) (?:cause|trigger|induce)|causes?\b|triggers?\b)", re.I)
HARM = re.compile(r"\b(?:adverse (?:events?|effects?|reactions?)|side effects?|toxicit\w+|hepatotoxic\w*|"
                  r"nephrotoxic\w*|bleeding risk|complications?|harms?|black box|boxed warning)\b", re.I)
DIAGNOSTIC = re.compile(r"\b(?:diagnos\w+|criteria|criterion|cut-?offs?|thresholds?|defined (?:as|by)|score of|"
                        r"sensitivity|specificity|positive (?:predictive|if)|stage \d|grade \d|≥|≤|>=|<=|[<>]\s?\d)",
                        re.I)
MONITOR = re.compile(r"\b(?:monitor\w*|follow-?up|measure\w*|check\w*|recheck\w*|surveillance|every \d+ "
                     r"(?:weeks?|months?|years?)|baseline)\b", re.I)
FINDING = re.compile(r"(?:\d+(?:\.\d+)?\s?%|\b\d+ of \d+\b|\bp\s?[<=]\s?0?\.\d+|\b(?:hazard|odds|risk) ratio\b|"
                     r"(?-i:\b(?:HR|OR|RR|CI)\b)|\b(?:respon(?:se|ded)|remission|survival|mortality|reduc\w+|"
                     r"improv\w+|significant\w*|effective|efficacious|superior|inferior|non-inferior|faster|"
                     r"resolved|outperformed|associated with)\b)", re.I)
DOSE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:[-–]\s?\d+(?:[.,]\d+)?\s?)?(?:mg|mcg|µg|μg|g|mL|ml|IU|units?|U|mmol|"
                  r"mEq|L)(?:\s?/\s?(?:kg|m2|m²|day|d|h|hr|dose|min))*\b|\b\d+(?:\.\d+)?\s?(?:mg|mcg|g)/kg\b", re.I)
MAINTENANCE = re.compile(r"\b(?:long[- ]term|maintenance|prophyla\w+|urate[- ]lowering|prevent(?:ion)? of "
                         r"(?:recurren\w+|relapse|future)|secondary prevention|chronic (?:therapy|management))\b",
                         re.I)
ACUTE = re.compile(r"\b(?:acute|flares?|attacks?|exacerbations?|emergenc\w+|crisis|status|immediate\w*|"
                   r"initial management|on arrival)\b", re.I)
# plans, meta text and catalogue boilerplate: never evidence
PLAN_OR_META = re.compile(
    r"\b(?:will (?:be|receive|undergo|evaluate|assess|determine|compare|investigate)|"
    r"(?:purpose|aim|objective|goal)s? of (?:the|this) (?:study|trial|review)|this (?:study|trial) (?:aims|is "
    r"designed)|we (?:aim|plan|propose to|hypothesi[sz]e|searched|reviewed|included)|in this (?:review|article|paper)|"
    r"original guideline document|available via MCP|\bcalculate_\w+|see (?:table|figure)|"
    r"(?:see|refer to|consult|follow|followed)\W+(?:the\s+)?(?:dedicated|specific|separate|relevant|other|"
    r"pathogen-specific|disease-specific|local)\s+(?:\w+\s+){0,2}guidelines?|"
    r"(?:dedicated|specific|separate)\s+(?:\w+\s+){0,2}guidelines?\s+should\s+be\s+(?:followed|consulted)|"
    r"(?:does|do|did) not (?:cover|address|apply to|include|discuss|consider)|(?:is|are) (?:beyond|outside) "
    r"(?:the )?scope|not (?:covered|addressed) (?:in|by) this|"
    r"(?:is|are|was|were) not (?:specifically )?(?:stated|reported))\b", re.I)

# one patient's course ("The first was a 14-year-old ...", "cyclosporine was held"): a case, not a treatment's evidence
CASE_NARRATIVE = re.compile(
    r"\b(?:the (?:first|second|third|other|index) (?:was|patient)|\d+[- ](?:year|month)[- ]old (?:boy|girl|man|woman|"
    r"male|female|patient|child|infant)|a case of|was (?:held|stopped|discontinued|restarted|switched)|"
    r"(?:he|she) (?:was|had|received|developed|presented))\b", re.I)
# the source says the evidence is missing ("there is no published experience", "data are lacking")
NO_EVIDENCE = re.compile(r"\b(?:no (?:published |prospective |randomi[sz]ed |controlled )?(?:experience|evidence|data|"
                         r"studies|trials|reports)|(?:data|evidence) (?:are|is) (?:lacking|limited|insufficient|sparse)|"
                         r"insufficient (?:evidence|data)|has not been (?:studied|evaluated|reported)|"
                         r"(?:did not|could not|failed to) (?:find|identify) (?:any )?(?:published )?"
                         r"(?:reports?|evidence|data|studies)|found no (?:published )?(?:reports?|evidence|data|studies))\b",
                         re.I)
PREVENTION = re.compile(r"\bprophyla\w+|\bprevent(?:ion|ive|ing)?\b", re.I)

# bibliographic lines of a document: never evidence
BIBLIO = re.compile(r"^(?:authors?|journal|published|copyright|doi|correspondence|received|accepted|funding|"
                    r"keywords)\s*[:.]|^(?:journal of|j\.) [\w .&-]+,\s*(?:19|20)\d\d\.?$", re.I)

# ---- populations (mutually exclusive age groups; pregnancy and the rest are additive)
POPULATIONS = {
    "children": re.compile(r"\b(?:child(?:ren|hood)?|pediatric|paediatric|infants?|neonat\w*|newborns?|toddlers?|"
                           r"adolescen\w+|boys|girls|\d+[- ](?:year|month|week)[- ]old|juvenile|preterm)\b", re.I),
    "adults": re.compile(r"\b(?:adults?|adulthood)\b", re.I),
    "older": re.compile(r"\b(?:elderly|older (?:adults|patients|people|persons)|aged (?:≥|>=|over) ?6[05])\b", re.I),
    "pregnancy": re.compile(r"\b(?:pregnan\w+|perinatal|peripartum|postpartum|antenatal|gestation\w*|"
                            r"breast-?feeding|lactat\w+)\b", re.I),
}
_AGE_GROUPS = ("children", "adults", "older")


@dataclass(frozen=True)
class Role:
    polarity: str          # "for" | "against" | "neutral"
    role: str              # recommendation | option | risk_factor | harm | diagnostic | monitoring | finding | background
    populations: frozenset[str]
    has_dose: bool
    maintenance: bool
    meta: bool
    case: bool = False     # one patient's course
    prevention: bool = False
    no_evidence: bool = False


# words that describe a state ("for whom X is contraindicated / ineffective") rather than advise against
_STATE_WORDS = re.compile(r"^(?:contraindicated|no (?:clear |proven |significant )?benefit|(?:is|are) "
                          r"(?:harmful|ineffective|not effective)|inappropriate)$", re.I)
# an explicit positive recommendation ("... an IL-1 inhibitor is conditionally recommended")
_RECOMMENDED = re.compile(r"\b(?:is|are|be)\s+(?:\w+ly\s+)?(?:recommended|suggested|preferred|indicated)\b(?!\s+against)"
                          r"|\bwe\s+(?:\w+ly\s+)?(?:recommend|suggest)\b(?!\s+(?:against|not))", re.I)


def _states_only(text: str) -> bool:
    """The sentence recommends something explicitly and its only 'against' words describe the patients' state
    ("for patients in whom colchicine is contraindicated, X is recommended"): it is a recommendation for X."""
    found = [m.group(0) for m in AGAINST.finditer(text)]
    negated = re.search(r"\bnot\s+(?:\w+ly\s+)?(?:recommended|suggested|indicated)\b", text, re.I)
    return bool(found) and not negated and all(_STATE_WORDS.match(f) for f in found) \
        and bool(_RECOMMENDED.search(text))


def classify(text: str, context: str = "") -> Role:
    """Role of a unit from its own words (its heading path may say what a list is: "Risk factors", "Avoid")."""
    against = bool(AGAINST.search(text)) and not QUALIFIED.search(text) and not _states_only(text)
    ctx_against = bool(re.search(r"\b(?:avoid|not recommended|contraindicat\w+|do not)\b", context, re.I))
    polarity = "against" if against or (ctx_against and not RECOMMEND.search(text)) else \
        "for" if RECOMMEND.search(text) else "neutral"
    if RISK_FACTOR.search(text) or re.search(r"\brisk factors?\b", context, re.I):
        role = "risk_factor"
    elif polarity != "neutral" and RECOMMEND.search(text):
        role = "recommendation"
    elif HARM.search(text):
        role = "harm"
    elif DIAGNOSTIC.search(text):
        role = "diagnostic"
    elif MONITOR.search(text):
        role = "monitoring"
    elif FINDING.search(text):
        role = "finding"
    else:
        role = "background"
    pops = frozenset(k for k, rx in POPULATIONS.items() if rx.search(text))
    return Role(polarity=polarity, role=role, populations=pops, has_dose=bool(DOSE.search(text)),
                maintenance=bool(MAINTENANCE.search(text)),
                meta=bool(PLAN_OR_META.search(text) or BIBLIO.search(text.strip())),
                case=bool(CASE_NARRATIVE.search(text)), prevention=bool(PREVENTION.search(text)),
                no_evidence=bool(NO_EVIDENCE.search(text)))


def question_populations(question: str) -> frozenset[str]:
    return frozenset(k for k, rx in POPULATIONS.items() if rx.search(question))


def population_conflict(asked: frozenset[str], unit: frozenset[str]) -> bool:
    """The unit is about another age group than the one asked about (children asked, only adults named; adults
    asked, only children named). A unit naming no age group fits any question."""
    asked_age = asked & set(_AGE_GROUPS)
    unit_age = unit & set(_AGE_GROUPS)
    if not asked_age or not unit_age:
        return False
    if "older" in asked_age and "adults" in unit_age:
        return False          # "adults" includes older adults
    return not (asked_age & unit_age)


def asks_acute(question: str) -> bool:
    return bool(ACUTE.search(question)) and not MAINTENANCE.search(question)


def asks_against(question: str) -> bool:
    """Questions whose answer is often "no": "Should X be used...?", "Can X be used...?", "Is X safe...?", "Is X
    needed...?" (the polarity of the lead then matters more than its topic)."""
    return bool(re.match(r"\s*(?:should|can|could|is|are|does|do|must)\b", question, re.I))
