"""Question understanding: type, concepts (with abbreviation and drug-synonym variants), population,
intervention, comparison and keywords; plus the FTS5 query and the term sets used for sentence selection.

Pure functions: no store access. `parse_question` takes an `AbbreviationIndex` built from the corpus (or uses the
built-in list) and reads definitions written into the question itself ("common variable immunodeficiency (CVID)").
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from dataclasses import dataclass, field
from functools import lru_cache

from curbside.answer.models import QueryInfo
from curbside.retrieve.abbreviations import AbbreviationIndex, find_definitions
from curbside.retrieve.drugs import drug_synonyms, find_drugs
from curbside.retrieve.vocabulary import (CONDITION_HEADS, CONDITION_SUFFIX, GENERIC, MODIFIERS, NOT_CONDITION,
                                          PHRASING, POPULATION_PATTERNS, POPULATION_VARIANTS, POSTPOSITIVE, STOPWORDS,
                                          THERAPIES)

MAX_CHARS = 2000
MAX_FTS_TERMS = 40
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[-‐'’+](?=[^\W_])|\.(?=\d))*\+?")
_FTS_WORD = re.compile(r"[^\W_]+")
_I = re.I

_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(p, _I)) for name, p in [
    ("dosing", r"\b(dos(?:e|es|ed|ing|age|ages)|how much|mg/kg|titrat\w*|loading dose|how often should|"
               r"how long should|duration of (?:treatment|therapy))\b"),
    ("adverse_effects", r"\b(side[- ]effects?|adverse (?:effects?|events?|reactions?)|toxicit\w*|safe|safety|harms?|"
                        r"harmful|contraindicat\w*|drug interactions?|complications? of (?:treatment|therapy))\b"),
    ("prevention", r"\b(prevent\w*|prophyla\w*|avoid\w*|reduce the risk|risk reduction|screening for|vaccinat\w*)\b"),
    ("diagnosis", r"\b(diagnos\w*|criteria|tests?|testing|work-?up|detect\w*|biomarkers?|imaging|differential|"
                  r"signs?|symptoms?|distinguish\w*)\b"),
    ("prognosis", r"\b(prognos\w*|survival|survive|outcomes?|life expectancy|mortality|death|die|recurrence|"
                  r"relapse rate|long-term|predict\w*|natural history)\b"),
    ("epidemiology", r"\b(how common|incidence|prevalence|prevalent|how many (?:people|patients|cases|children|adults)|"
                     r"how frequent\w*|epidemiolog\w*|how often does)\b"),
    ("etiology", r"\b(causes?|caused|causing|etiolog\w*|aetiolog\w*|risk factors?|triggers?|genetic basis|mutat\w*|"
                 r"inherit\w*|mendelian|hereditary|pathogenesis|due to)\b"),
    ("mechanism", r"\b(mechanisms?|how does .{1,60} work|mode of action|pathophysiolog\w*|pathways?|targets? of|"
                  r"function of|interact\w*|binds?|binding|inhibit(?:s|ed|ion|ing)?|regulat\w*|signal(?:l)?ing)\b"),
    ("treatment", r"\b(treat\w*|therap\w*|management|manage|managed|options?|drugs? for|medications? for|cure[sd]?|"
                  r"first[- ]line|second[- ]line|salvage|regimens?|effective|efficacy|better than|versus|vs|"
                  r"compared (?:with|to)|indicated|benefit\w*|should .{1,80}\b(?:receive|be given|take|start|use))\b"),
    ("definition", r"^(?:what is|what are|what's|what does .{1,40} mean|define|definition of|describe|explain|"
                   r"tell me about)\b"),
]]
_COMPARE = re.compile(r"\b(versus|vs\.?|compared (?:with|to)|better than|worse than|more effective than|superior to|"
                      r"inferior to|rather than|instead of|or)\b", _I)
_POPULATION = [(label, re.compile(rf"\b(?:{p})\b", _I)) for label, p in POPULATION_PATTERNS]
_THERAPY_LOOKUP = {v: k for k, vs in THERAPIES.items() for v in [k, *vs]}
_THERAPY_MAX = max(len(v.split()) for v in _THERAPY_LOOKUP)


@dataclass
class Concept:
    text: str
    kind: str                    # condition | drug (drug or other therapy) | population | term
    variants: list[str] = field(default_factory=list)     # the text itself plus abbreviation/synonym expansions


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
                         population=list(self.population), intervention=list(self.intervention),
                         comparison=list(self.comparison),
                         expansions={c.text: [v for v in c.variants if v.lower() != c.text.lower()]
                                     for c in self.concepts if any(v.lower() != c.text.lower() for v in c.variants)})


@lru_cache(maxsize=1)
def _default_index() -> AbbreviationIndex:
    return AbbreviationIndex()


def classify_type(question: str) -> str:
    for name, pattern in _TYPE_RULES:
        if pattern.search(question):
            return name
    return "other"


def is_condition(text: str) -> bool:
    """A phrase whose head word names a disease ("Hirschsprung disease", "lymphohistiocytosis")."""
    words = re.findall(r"[a-z0-9\-]+", text.lower())
    if not words:
        return False
    if len(words) > 1 and words[-1] in POSTPOSITIVE:        # "otitis media": the word before names it
        words = words[:-1]
    last = words[-1]
    return last in CONDITION_HEADS or (last not in NOT_CONDITION and bool(CONDITION_SUFFIX.search(last)))


_COUNTS = frozenset("two three four five six seven eight nine ten several".split())
# endings of adjectives and participles that qualify a condition ("chronic", "viral", "refractory", "advanced",
# "mutant", "metastatic"); a word ending so is kept in the condition's name
_ADJECTIVE_END = re.compile(r"(?:al|ic|ous|ive|ary|ory|ar|ant|ent|oid|ile|ed|less|ful|able|ible|ine|ute|ere|"
                            r"ild|ced|ant)$")


_DO_MODALS = frozenset("do does did can could will would may might shall should must".split())
_BE = frozenset("is are was were".split())


def _subject_verb(q: str, toks: list, low: list[str], drug_tokens: set[int]) -> int:
    """Where the verb of a yes/no question stands right after a named subject: "Does metformin <alleviate> ...",
    "Can FTO <promote> ...", "Is TIAM1 <favoring> ..." (after "is", only an -ing form is a verb); -1 when none.
    The subject is a drug, a gene-like name, a capitalised word or a condition; the verb is the first lower-case
    word after it that does not end like an adjective or participle ("Does KRAS mutant cancer ..." has none)."""
    if len(toks) < 3 or low[0] not in _DO_MODALS | _BE:
        return -1
    for k in range(2, min(len(toks), 8)):
        tok, prev = toks[k][0], toks[k - 1][0]
        if q[toks[k - 1][2]:toks[k][1]].strip():
            return -1                                  # punctuation: past the subject
        w = low[k]
        if not (tok.isalpha() and tok.islower()) or is_condition(w):
            continue                                   # the subject goes on ("Does Zorbo syndrome cause ...")
        named = (k - 1) in drug_tokens or _gene_like(prev) or prev[:1].isupper() or is_condition(low[k - 1])
        if not named:
            return -1
        if w in MODIFIERS or _ADJECTIVE_END.search(w) or is_condition(w) or w in STOPWORDS:
            return -1
        if low[0] in _BE and not w.endswith("ing"):
            return -1
        return k
    return -1


def _gene_like(tok: str) -> bool:
    return (any(c.isdigit() for c in tok) and any(c.isalpha() for c in tok)) or \
        sum(c.isupper() for c in tok) >= 2 or (tok[:1].islower() and any(c.isupper() for c in tok[1:]))


def _spelling_variants(tok: str) -> list[str]:
    """'PD-L1' -> ['PD-L1', 'pdl1']; 'GDF15' -> ['GDF15', 'gdf-15']."""
    out = [tok]
    if "-" in tok:
        out.append(tok.replace("-", "").lower())
    else:
        m = re.fullmatch(r"([A-Za-z]{2,})(\d+[A-Za-z]?)", tok)
        if m:
            out.append(f"{m.group(1)}-{m.group(2)}".lower())
    return out


def _clean(tok: str) -> str:
    return re.sub(r"['’]s$", "", tok).rstrip("+")


def parse_question(question: str, abbreviations: AbbreviationIndex | None = None) -> ParsedQuestion:
    q = " ".join((question or "").split())[:MAX_CHARS]
    abbr = abbreviations or _default_index()
    local = {s: [lf] for s, lf in find_definitions(q)} if "(" in q else {}
    toks = [(_clean(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(q)]
    low = [t.lower() for t, _, _ in toks]
    claimed = [False] * len(toks)
    found: list[tuple[int, Concept]] = []          # (first token, concept)
    intervention_at: list[tuple[int, str]] = []
    drug_tokens: set[int] = set()

    def free(a: int, b: int) -> bool:
        return not any(claimed[a:b])

    def claim(a: int, b: int, concept: Concept) -> None:
        for k in range(a, b):
            claimed[k] = True
        concept.variants = list(dict.fromkeys(v for v in concept.variants if v))[:10]
        found.append((a, concept))

    def expand_short(tok: str) -> list[str]:
        return local.get(tok) or abbr.expand(tok) if abbr.short_form(tok) or tok in local else []

    # 1-2. therapies that are not in the drug dictionary (HSCT, IVIG, plasma exchange) and dictionary drugs;
    # where they overlap the longer name wins
    starts = {s: k for k, (_, s, _) in enumerate(toks)}
    ends = {e: k for k, (_, _, e) in enumerate(toks)}
    spans: list[tuple[int, int, str, str]] = []          # (first token, end token, name, kind of source)
    for i in range(len(toks)):
        for n in range(min(_THERAPY_MAX, len(toks) - i), 0, -1):
            name = _THERAPY_LOOKUP.get(" ".join(low[i:i + n]))
            if name and (n > 1 or len(low[i]) > 3 or toks[i][0].isupper()):
                spans.append((i, i + n, name, "therapy"))
                break
    for d in find_drugs(q):
        a, b = starts.get(d.start), ends.get(d.end)
        if a is not None and b is not None:
            spans.append((a, b + 1, d.name, "drug"))
    for a, b, name, source in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[3] != "therapy", x[0])):
        if not free(a, b):
            continue
        surface = q[toks[a][1]:toks[b - 1][2]]
        extra = THERAPIES[name][:4] if source == "therapy" else drug_synonyms(name, 4)
        claim(a, b, Concept(surface, "drug", [surface, name, *extra, *expand_short(surface)]))
        intervention_at.append((a, name))
        drug_tokens.update(range(a, b))
    verb_at = _subject_verb(q, toks, low, drug_tokens)
    # 3. long forms of known abbreviations ("hemophagocytic lymphohistiocytosis")
    for a, b, short in abbr.find_long_forms([t for t, _, _ in toks]):
        if free(a, b):
            surface = q[toks[a][1]:toks[b - 1][2]]
            # the short form's other long forms are usually other meanings ("CAP": community-acquired pneumonia,
            # controlled attenuation parameter): keep only spelling variants of the one asked about
            longs = [x for x in abbr.expand(short) if same_meaning(x, surface)]
            claim(a, b, Concept(surface, "condition" if any(map(is_condition, longs)) else "term",
                                [surface, *longs[:2], short]))
    # 4. population groups
    population: list[str] = []
    for label, pattern in _POPULATION:
        for m in pattern.finditer(q):
            a, b = starts.get(m.start()), ends.get(m.end())
            if a is None or b is None or not free(a, b + 1):
                continue
            claim(a, b + 1, Concept(m.group(0), "population", [m.group(0), *POPULATION_VARIANTS[label]]))
            if label not in population:
                population.append(label)
    # 5. the rest: abbreviations, gene/protein names, condition phrases, other content words
    keywords: list[str] = []
    run: list[int] = []

    def flush() -> None:
        while run:
            head = max((k for k in run if is_condition(low[k])), default=None)
            while head is not None and head + 1 in run and low[head + 1] in POSTPOSITIVE:   # "otitis media"
                head += 1
            if head is None:
                for k in run:
                    _single(k)
                run.clear()
                return
            phrase = [k for k in run if k <= head][-4:]
            while len(phrase) > 1 and (low[phrase[0]] in GENERIC or abbr.short_form(toks[phrase[0]][0])):
                phrase.pop(0)
            # the condition's name starts after the last word that cannot be part of it: a count, an adverb,
            # a verb ("Does metformin alleviate atherosclerosis?", "Is TIAM1 favoring tumor progression ...?")
            cut = [i for i, k in enumerate(phrase[:-1]) if _not_in_name(k)]
            if cut:
                # what stands before that word is read on its own ("Does Zorbo syndrome cause blorfosis?": the
                # subject "Zorbo syndrome" is a condition too), then the word itself, then the condition
                word = phrase[cut[-1]]
                rest = [k for k in run if k > word]
                run[:] = [k for k in run if k < word]
                flush()
                _single(word)
                run[:] = rest
                continue
            for k in run:
                if k < phrase[0]:
                    _single(k)
            surface = q[toks[phrase[0]][1]:toks[phrase[-1]][2]]
            if len(phrase) == 1 and (abbr.short_form(surface) or surface in local):
                _single(phrase[0])
            else:
                claim(phrase[0], phrase[-1] + 1, Concept(surface, "condition", [surface]))
            del run[:run.index(head) + 1]

    def _not_in_name(k: int) -> bool:
        """A word before a condition's head that is not part of its name: a number, an adverb ("particularly"),
        a verb ending like one ("ameliorates"), or the question's verb right after its subject ("Does metformin
        alleviate atherosclerosis?", "Can FTO promote ...", "Is TIAM1 favoring tumor progression ...?")."""
        w = low[k]
        if w.isdigit() or w in _COUNTS or (len(w) > 5 and w.endswith("ly") and not w.endswith(("ily", "ply"))):
            return True
        return k == verb_at or (w.endswith(("ates", "izes", "ises")) and toks[k][0].islower())

    def _single(k: int) -> None:
        tok = toks[k][0]
        longs = expand_short(tok)
        if not longs and "-" in tok:
            parts = [p for p in tok.split("-") if p]
            # "EBV-associated", "HLH-2004": the abbreviation is the concept; a short number makes a numbered
            # name ("Mcl-1", "IL-6", "ALT-70"), not the abbreviation "MCL" or "ALT"
            if any(expand_short(p) for p in parts) and all(expand_short(p) or p.lower() in MODIFIERS
                                                           or (p.isdigit() and len(p) > 2) for p in parts):
                for p in parts:
                    if expand_short(p):
                        lp = expand_short(p)
                        claim(k, k + 1, Concept(p, "condition" if any(map(is_condition, lp)) else "term", [p, *lp]))
                return
        if longs:
            kind = "condition" if any(map(is_condition, longs)) else "term"
            claim(k, k + 1, Concept(tok, kind, [*_spelling_variants(tok), *longs]))
        elif _gene_like(tok):
            claim(k, k + 1, Concept(tok, "term", _spelling_variants(tok)))
        elif low[k] not in GENERIC and len(low[k]) > 1 and not low[k].isdigit():
            claim(k, k + 1, Concept(tok, "condition" if is_condition(low[k]) else "term", [low[k]]))

    for k, (tok, s, e) in enumerate(toks):
        w = low[k]
        content = w not in STOPWORDS and w not in PHRASING
        if content and len(w) > 1 or (content and w.isdigit()):
            opening = k == 0 or q[:s].rstrip()[-1:] in ".?!:;\"'(“‘"
            plain = tok.islower() or opening and tok[1:].islower() and not _gene_like(tok)
            keywords.append(w if plain and not abbr.short_form(tok) else tok)
        gap = q[toks[k - 1][2]:s] if k else ""
        if claimed[k] or not content or (gap.strip() and run):
            flush()
        if not claimed[k] and content:
            run.append(k)
    flush()
    found.sort(key=lambda x: x[0])
    concepts: list[Concept] = []
    seen: set[str] = set()
    for _, c in found:
        lowered: set[str] = set()
        c.variants = [*c.variants, *(x for v in c.variants[:3] for x in spelling_variants(v))]
        c.variants = [v for v in c.variants if not (v.lower() in lowered or lowered.add(v.lower()))]
        if c.text.lower() not in seen:                  # "common variable immunodeficiency (CVID)": one concept
            seen.update(v.lower() for v in c.variants)
            concepts.append(c)
    intervention = list(dict.fromkeys(name for _, name in sorted(intervention_at)))
    comparison = _comparison(q, toks, sorted(intervention_at), found)
    return ParsedQuestion(question, classify_type(q), concepts, population, intervention, comparison,
                          list(dict.fromkeys(keywords)))


def _comparison(q: str, toks: list, interventions: list[tuple[int, str]], found: list[tuple[int, Concept]]) -> list[str]:
    """What the intervention is compared with: "X versus Y", "X vs Y", "X compared with Y", "better than Y", "X or Y"."""
    out: list[str] = []
    for m in _COMPARE.finditer(q):
        after = next((k for k, (_, s, _) in enumerate(toks) if s >= m.end()), None)
        if after is None:
            continue
        nxt = [name for k, name in interventions if after <= k <= after + 4]
        if m.group(1).lower() == "or":                   # "X or Y" compares only two interventions
            if nxt and any(toks[k][2] <= m.start() for k, _ in interventions):
                out.append(nxt[0])
        elif nxt:
            out.append(nxt[0])
        else:
            following = [c.text for k, c in sorted(found, key=lambda x: x[0]) if after <= k <= after + 4]
            out.extend(following[:1])
    first = interventions[0][1] if len(interventions) > 1 else None
    return [c for c in dict.fromkeys(out) if c != first]


# ------------------------------------------------------------------------------------------ FTS5 query

def _fts_phrase(text: str) -> str:
    """A quoted FTS5 phrase made only of word characters (no quote can ever reach the expression)."""
    words = _FTS_WORD.findall(text.lower())
    return '"' + " ".join(words) + '"' if words else ""


def fts_query(parsed: ParsedQuestion) -> str:
    """OR of every concept (its variants grouped) and every remaining keyword, each a quoted phrase; "" if none.
    A variant that is a stopword once case is gone ("ALL", acute lymphoblastic leukaemia, is "all" to FTS5) is
    left out when the concept has another: it matches most passages, so it adds nothing to the ranking and makes
    the query slow."""
    groups: list[str] = []
    used: set[str] = set()
    n_terms = 0
    for c in parsed.concepts:
        terms = []
        variants = c.variants or [c.text]
        phrases = [_fts_phrase(v) for v in variants]
        if any(t and t.strip('"') not in STOPWORDS for t in phrases):
            variants = [v for v, t in zip(variants, phrases) if t.strip('"') not in STOPWORDS]
        for v in variants:
            t = _fts_phrase(v)
            if t and t not in used and len(terms) < 6 and n_terms < MAX_FTS_TERMS:
                used.add(t)
                terms.append(t)
                n_terms += 1
        if terms:
            groups.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    covered = {w for t in used for w in t.strip('"').split()}
    for k in parsed.keywords:
        t = _fts_phrase(k)
        if t and t not in used and not set(t.strip('"').split()) <= covered and n_terms < MAX_FTS_TERMS:
            used.add(t)
            groups.append(t)
            n_terms += 1
    return " OR ".join(groups)


# ------------------------------------------------------------------------------------------ sentence terms

_VOWEL = re.compile(r"[aeiou]|(?<=[^aeiou])y")


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in `stem`."""
    form = "".join("v" if _VOWEL.match(stem, i) else "c" for i in range(len(stem)))
    return len(re.findall(r"v+c+", form))


_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("alli", "al"),
          ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"), ("ator", "ate"),
          ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
          ("iviti", "ive"), ("biliti", "ble")]
_STEP4 = ("ement", "ment", "ance", "ence", "able", "ible", "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "al",
          "er", "ic", "ou")


def _cvc(w: str) -> bool:
    """Porter's *o: consonant-vowel-consonant at the end, the last not w, x or y."""
    if len(w) < 3 or w[-1] in "wxy":
        return False
    v = [bool(_VOWEL.match(w, i)) for i in range(len(w) - 3, len(w))]
    return v == [False, True, False]


def stem(word: str) -> str:
    """A light Porter stemmer: 'treated', 'treating', 'treatment', 'treatments' -> 'treat'."""
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("sses") or w.endswith("ies"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suf in ("eed", "ed", "ing"):
        if w.endswith(suf):
            base = w[: -len(suf)]
            if suf == "eed":
                w = base + "ee" if _measure(base) > 0 else w
            elif _VOWEL.search(base):
                w = base
                if w.endswith(("at", "bl", "iz")):
                    w += "e"
                elif len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz" and not _VOWEL.match(w, len(w) - 1):
                    w = w[:-1]
                elif _measure(w) == 1 and _cvc(w):
                    w += "e"
            break
    if w.endswith("y") and _VOWEL.search(w[:-1]):
        w = w[:-1] + "i"
    for suf, rep in _STEP2:
        if w.endswith(suf) and _measure(w[: -len(suf)]) > 0:
            w = w[: -len(suf)] + rep
            break
    for suf in ("icate", "ative", "alize", "iciti", "ical", "ful", "ness"):
        if w.endswith(suf) and _measure(w[: -len(suf)]) > 0:
            w = w[: -len(suf)] + {"icate": "ic", "alize": "al", "iciti": "ic", "ical": "ic"}.get(suf, "")
            break
    for suf in _STEP4 + ("ion",):
        least = 0 if suf.endswith("ment") and len(w) - len(suf) >= 4 else 1   # light: "treatment" -> "treat"
        if w.endswith(suf) and _measure(w[: -len(suf)]) > least and (suf != "ion" or w[-4:-3] in ("s", "t")):
            w = w[: -len(suf)]
            break
    if w.endswith("sis") and len(w) > 6:
        w = w[:-2]                                      # "diagnosis" ~ "diagnosed"
    if w.endswith("e") and (_measure(w[:-1]) > 1 or _measure(w[:-1]) == 1 and not _cvc(w[:-1])):
        w = w[:-1]
    if w.endswith("ll") and _measure(w) > 1:
        w = w[:-1]
    return w


# British and American spellings of medical stems (NICE writes "caesarean", "paediatric", "haemorrhage")
_UK_US = [("caesar", "cesar"), ("haema", "hema"), ("haemo", "hemo"), ("anaem", "anem"), ("paediatr", "pediatr"), ("oesophag", "esophag"),
          ("oedema", "edema"), ("oestr", "estr"), ("foet", "fet"), ("leukaem", "leukem"), ("ischaem", "ischem"),
          ("diarrhoea", "diarrhea"), ("dyspnoea", "dyspnea"), ("apnoea", "apnea"), ("coeliac", "celiac"),
          ("anaesth", "anesth"), ("gynaecol", "gynecol"), ("orthopaed", "orthoped"), ("tumour", "tumor"),
          ("septicaem", "septicem"), ("hypoglycaem", "hypoglycem"), ("hyperglycaem", "hyperglycem"),
          ("glycaem", "glycem"), ("bacteraem", "bacterem"), ("toxaem", "toxem"), ("uraem", "urem"),
          ("hyperkalaem", "hyperkalem"), ("hypokalaem", "hypokalem"), ("natraem", "natrem"), ("lipidaem", "lipidem")]
_UK_US_RE = re.compile(r"\b(" + "|".join(sorted({u for u, _ in _UK_US} | {a for _, a in _UK_US}, key=len, reverse=True))
                       + r")", re.I)
_SWAP = {**{u: a for u, a in _UK_US}, **{a: u for u, a in _UK_US}}


def spelling_variants(text: str) -> list[str]:
    """The other spelling of a British or American medical word at the start of a word ("cesarean section" ->
    "caesarean section", "haemorrhage" -> "hemorrhage"); [] when there is none."""
    if len(text) < 4 or not _UK_US_RE.search(text):
        return []

    def swap(m: re.Match) -> str:
        w = m.group(1)
        to = _SWAP.get(w.lower(), w)
        return to[:1].upper() + to[1:] if w[:1].isupper() else to

    other = _UK_US_RE.sub(swap, text)
    return [other] if other.lower() != text.lower() else []


def same_meaning(long_a: str, long_b: str) -> bool:
    """Two long forms of one abbreviation that are spelling variants of each other ("haemophagocytic ..." /
    "hemophagocytic ...", "non-small cell ..." / "non small-cell ...") rather than two different expansions."""
    a, b = (" ".join(re.findall(r"[a-z0-9]+", x.lower())) for x in (long_a, long_b))
    return a == b or SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.85


def keyword_terms(parsed: ParsedQuestion) -> list[set[str]]:
    """Per content keyword of the question (what it asks as well as what about: "symptoms", "inherited",
    "outlook"), the word and its stem; for the ranker's keyword coverage."""
    out: list[set[str]] = []
    seen: set[str] = set()
    for k in parsed.keywords:
        w = k.lower()
        if not w.isalpha() or len(w) < 3 or w in STOPWORDS:
            continue
        s = stem(w)
        key = s if len(s) >= 4 else w
        if key in seen:
            continue
        seen.add(key)
        out.append({w, s} if len(s) >= 4 else {w})
    return out[:20]


def sentence_terms(parsed: ParsedQuestion) -> list[set[str]]:
    """Per concept, the lowercase variants (and stems of one-word variants) that show a sentence mentions it."""
    out: list[set[str]] = []
    for c in parsed.concepts:
        terms: set[str] = set()
        for v in c.variants or [c.text]:
            v = " ".join(v.lower().split())
            if not v:
                continue
            terms.add(v)
            if "-" in v:
                terms.add(v.replace("-", " "))
            if " " not in v and "-" not in v and v.isalpha() and len(v) > 4:
                s = stem(v)
                if len(s) >= 4:
                    terms.add(s)
        out.append(terms)
    return out


# ------------------------------------------------------------------------------------------ focus of long questions

LONG_QUESTION_WORDS = 25          # a question longer than this (or of several sentences) gets a focus view
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[^\W\d_]|\d)|\n+")
_ASKS = re.compile(r"^\W*(?:what|what's|whats|how|why|is|are|was|were|can|could|should|shall|does|do|did|will|would|"
                   r"which|when|where|who|whom|whose|any|has|have|please|tell me|i want to know|i would like to know|"
                   r"i'd like to know|i need to know|i wonder|wondering|looking for|need information|"
                   r"information (?:on|about))\b", _I)
_CHATTER = set("""
hello hi hey dear sir madam doctor doctors dr thank thanks thankful grateful appreciate appreciated kindly regards
morning afternoon evening worried worry worrying scared afraid concerned concern confused anxious upset help helps
helpful please information info question questions answer answers reply asap soon advice advise wondering wonder
reading read online internet website google found find told tell say says said mentioned explain explained
mother father mom mum dad husband wife son daughter sister brother grandmother grandfather grandma grandpa uncle
aunt friend friends partner family child's baby's boyfriend girlfriend cousin nephew niece
recently lately last month months week weeks year years ago today yesterday currently since still now
live living far big hospital visit visits appointment seen saw specialist thinks think thought feel felt really
very much lot lots just also besides anyway everyone someone somebody anyone anybody
""".split())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join((text or "").replace("\n", " \n ").split(" "))) if s.strip()]


def is_long(question: str) -> bool:
    words = _FTS_WORD.findall(question or "")
    return len(words) > LONG_QUESTION_WORDS or len(_sentences(question)) > 2


def focus_view(parsed: ParsedQuestion) -> ParsedQuestion:
    """What a long, wordy question asks, for the lexical channel: the concepts and keywords of its asking
    sentences (those ending in '?' or opening with an interrogative or 'please tell me'), plus the conditions
    and treatments named elsewhere when the asking sentences name none (\"I have X. What can I do?\"), without
    message chatter (greetings, thanks, who is asking, when). A short question is returned unchanged. The
    dense channel embeds the focus too (`search.focus_text`), the whole message being a ranker feature."""
    text = parsed.text
    if not is_long(text):
        return parsed
    sents = _sentences(text)
    asking = [s for s in sents if s.rstrip().endswith("?") or _ASKS.search(s)]
    if not asking:
        asking = sents[-2:]
    ask_low = " ".join(asking).lower()

    def chatter(c: Concept) -> bool:
        words = _FTS_WORD.findall(c.text.lower())
        return c.kind in ("term", "population") and all(w in _CHATTER for w in words)

    def in_ask(c: Concept) -> bool:
        return any(v.lower() in ask_low for v in c.variants[:1] or [c.text])

    kept = [c for c in parsed.concepts if in_ask(c) and not chatter(c)]
    told = set(_FTS_WORD.findall(" ".join(s for s in sents if s not in asking).lower()))

    def repeated(c: Concept) -> bool:
        """A content word of the asking sentences that the rest of the message also uses: the topic, named
        where it is asked about even when question understanding does not know it as a condition ("... was
        told she has accessory navicular bone. ... What causes accessory navicular bone?")."""
        return c.kind == "term" and not any(p.search(c.text) for _, p in _TYPE_RULES) and any(
            len(w) > 3 and w in told and w not in _CHATTER for w in _FTS_WORD.findall(c.text.lower()))

    if not any(c.kind in ("condition", "drug") or (c.kind == "term" and len(c.variants) > 1) or repeated(c)
               for c in kept):
        # "What is the treatment for it?": the topic is what the first sentence naming a condition or treatment
        # names (the asker's other conditions and medicines usually come later)
        def named(c: Concept) -> bool:
            return c not in kept and (c.kind in ("condition", "drug") or
                                      (c.kind == "term" and len(c.variants) > 1 and not chatter(c)))

        for sent in sents:
            low_sent = sent.lower()
            found = [c for c in parsed.concepts if named(c) and (c.variants[:1] or [c.text])[0].lower() in low_sent]
            if found:
                kept = [c for c in parsed.concepts if c in kept or c in found]
                break
    if not kept:
        return parsed
    ask_words = set(_FTS_WORD.findall(ask_low))
    keywords = [k for k in parsed.keywords if k.lower() in ask_words and k.lower() not in _CHATTER]
    keep_words = {w for c in kept for w in _FTS_WORD.findall(c.text.lower())}
    keywords += [k for k in parsed.keywords if k.lower() in keep_words and k not in keywords]
    return ParsedQuestion(" ".join(asking), parsed.question_type, kept,
                          [p for p in parsed.population if any(c.kind == "population" for c in kept)],
                          parsed.intervention, parsed.comparison, keywords)
