"""Drug names from the `drug-named-entity-recognition` dictionary (MIT; ~20k drugs, ~107k names with MeSH and
DrugBank ids), reduced to what helps clinical search.

The dictionary also holds MeSH entries that are not treatments (enzymes, receptors, RNAs, antigens, lab
analytes); entries known only from MeSH are kept when a tree places them among drugs (pharmacologic actions,
pharmaceutical preparations, vaccines, organic chemical classes, hormones), dropped otherwise. Surface forms that
are ordinary words in clinical prose are on a stoplist. The first use builds a compact lookup (lowercase name ->
drug) and caches it as a pickle under the user cache directory; later processes load that in ~0.1 s.
"""

from __future__ import annotations

import bz2
import importlib.util
import os
import pickle
import re
import threading
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

_CACHE_VERSION = 4
_lock = threading.Lock()
_data: "_Tables | None" = None
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*")

# surface forms never matched: ordinary or ambiguous words, lab analytes, generic classes too vague to be an
# intervention in a question ("antibodies"), abbreviations handled as abbreviations
STOPLIST = frozenset("""
indicators indicator reagents reagent luminal caps sits rela alli oats oat watercress deodorants herbicides
insecticides carcinogens mutagens teratogens excipients cations anions hydrogel beta-2 tums sulfate sulfates sulfur
mantoux antibodies antibody autoantibodies immunoglobulin immunoglobulins antigen antigens ferritin transferrin
transaminases transaminase aminotransferase aminotransferases kinases kinase interleukin interleukins
neurotransmitters neurotransmitter cohesin hla-b apoe apob mrna trna ivig gaba nmda serotonin histamine glutamate
cortisol leptin ghrelin sunscreen sunscreens saline dextrose glucose oxygen water placebo today alcohol iron zinc
calcium magnesium sodium potassium phosphate chloride bicarbonate bicarbonates lactate citrate cholesterol vitamin
vitamins protein proteins marijuana heroin cocaine tobacco nicotine thyroid creatinine creatine hemoglobin
hemoglobins haemoglobin bilirubin fluoride iodine yeast platinum choline prothrombin fibrin fibrinogen ethanol
acetate copper silver aluminum aluminium chromium hydrogen indium helium cobalt xenon titanium cadmium selenium
phosphorus nitrogen carbon lead mercury aldosterone angiotensin angiotensins prolactin plasminogen homocysteine
acetylcholine thymidine sphingosine phenol urea talc amber cotton honey atp nadh cytidine flavone pomegranate
alanine lysine serine glycine glutamine arginine methionine tyrosine cystine histidine isoleucine leucine valine
threonine tryptophan phenylalanine proline asparagine aspartate citrulline ornithine taurine fructose sucrose
lactose maltose ribose galactose mannose fucose casein glycerol lecithin benzene ozone betaine elastin resistin
inhibin procalcitonin c-peptide thrombin hba1 cgrp tnf-alpha thyrotropin progranulin luteolin kisspeptin kisspeptins
fibronectin glutathione adenine cysteine syndecans gold il-2 il-4 interleukin-2 tumor-necrosis-factor-alpha
""".split()) | frozenset({
    "protein s", "protein c", "protein a", "factor x", "blood group", "at 10", "at-10", "vitamin b", "eye drops",
    "hand sanitizer", "fish oil", "olive oil", "royal jelly", "normal saline", "carbon dioxide", "nitric oxide",
    "nitrous oxide", "carbon monoxide", "uric acid", "lactic acid", "bile acid", "amino acids", "ldl cholesterol",
    "hdl cholesterol", "pre-exposure prophylaxis", "medical abortion", "platelet transfusion",
    "hormone replacement therapy", "nicotine replacement therapy", "fecal microbiota", "insulin-like growth factor",
    "growth hormone", "thyroid gland", "growth factor receptor", "tyrosine kinase", "calcium channel", "proton pump",
    "monoamine oxidase", "estrogen receptor", "androgen receptor", "progesterone receptor", "angiotensin receptor",
    "immune globulin", "c-reactive protein", "creatine kinase", "lactate dehydrogenase", "alkaline phosphatase",
    "natural killer cell", "nk cells", "killer cells", "mitochondrial dna", "human leukocyte antigen",
    "rna polymerase", "cytochrome c", "heat shock protein", "sex hormone", "sex hormones", "t cells", "b cells",
    "epidermal growth factor", "human epidermal growth factor", "tumor necrosis factor", "tumour necrosis factor",
    "tumor necrosis factor alpha", "calcitonin gene-related peptide", "natriuretic peptide", "brain natriuretic peptide",
    "glucose-6-phosphate", "von willebrand factor", "thyroid-stimulating hormone", "thyroid stimulating hormone",
    "follicle-stimulating hormone", "luteinizing hormone", "glycated hemoglobin", "glycosylated hemoglobin",
    "prion proteins", "hemochromatosis protein", "cell adhesion molecule", "angiotensin ii", "vinyl chloride",
    "alpha-fetoprotein", "uric acid", "aspartic acid", "citric acid", "homovanillic acid", "arachidonic acid",
    "cystic fibrosis transmembrane conductance regulator", "cftr protein", "heparan sulfate", "bisphenol a",
    "tumor necrosis factor-alpha", "interleukin 2", "il-2 receptor", "interleukin-2 receptor",
})
# canonical entries that are not treatments even though they carry a DrugBank id
NON_DRUG = frozenset({
    "escherichia coli", "pseudomonas aeruginosa", "saccharomyces cerevisiae", "natural killer cell",
    "virus specific t-cell", "staphylococcus aureus", "streptococcus pneumoniae", "candida albicans",
    "indicators and reagents", "water", "oxygen", "sodium chloride", "glucose", "dextrose",
})
# MeSH-only protein/enzyme entries that are given as drugs
KEEP = frozenset({
    "immunoglobulins, intravenous", "antibodies, monoclonal", "interferons", "interferon-alpha", "asparaginase",
    "botulinum toxins", "botulinum toxins, type a", "insulin", "heparin, low-molecular-weight", "chorionic gonadotropin",
    "calcitonin", "vasopressins", "erythropoietin", "glucagon",
})
# readable names for MeSH class headings
FRIENDLY = {
    "anti-bacterial agents": "antibiotics", "hydroxymethylglutaryl-coa reductase inhibitors": "statins",
    "anti-inflammatory agents, non-steroidal": "nsaids", "immunoglobulins, intravenous": "intravenous immunoglobulin",
    "antidepressive agents": "antidepressants", "diphosphonates": "bisphosphonates", "analgesics, opioid": "opioids",
    "heparin, low-molecular-weight": "low-molecular-weight heparin", "antibodies, monoclonal": "monoclonal antibodies",
    "antipsychotic agents": "antipsychotics", "anticonvulsants": "antiepileptics", "histamine antagonists": "antihistamines", "cholinergic antagonists": "anticholinergics",
    "antithymocyte immunoglobulin (rabbit)": "antithymocyte globulin",
    "antilymphocyte immunoglobulin (horse)": "antithymocyte globulin", "platelet aggregation inhibitors": "antiplatelet agents", "fibrinolytic agents": "thrombolytics",
    "adrenal cortex hormones": "corticosteroids", "hypnotics and sedatives": "sedatives",
}
# names the dictionary lacks
_ATG = "antithymocyte immunoglobulin (rabbit)"
EXTRA = {"antithymocyte globulin": _ATG, "anti-thymocyte globulin": _ATG, "atgam": "antilymphocyte immunoglobulin (horse)",
         "gamifant": "emapalumab"}
_NON_DRUG_TREES = ("D05", "D08", "D12", "D13", "D23", "D10", "D01", "D27.720")
_DRUG_TREES = ("D27.505", "D26", "D20.215", "D02", "D03", "D04", "D06", "D09")
_FDA_SUFFIX = re.compile(r"^([a-z][a-z ,]{6,})-([a-z]{4})$")
_NOT_SUFFIX = {"beta", "type", "cell", "like", "glia", "erbb", "erba", "iron", "nadp", "oxyl", "treg", "bcma"}


@dataclass
class Drug:
    name: str          # canonical generic name, lowercase
    matched: str       # surface text
    start: int
    end: int
    mesh_id: str = ""
    drugbank_id: str = ""


@dataclass
class _Tables:
    lookup: dict[str, int]                  # lowercase surface -> entry index
    entries: list[tuple[str, str, str]]     # (name, mesh_id, drugbank_id)
    first: dict[str, int]                   # first token of a surface -> most tokens of any surface it starts
    synonyms: dict[str, list[str]]          # name -> the most useful other names, display case


def _drugish(canon: str, data: dict) -> bool:
    if canon in NON_DRUG:
        return False
    if canon in KEEP or data.get("drugbank_id") or data.get("medline_plus_id") or data.get("nhs_url"):
        return True
    trees = data.get("mesh_tree") or []
    if not trees:
        return True                                        # Wikipedia-only entries: therapies and combinations
    if any(t.startswith("D13") for t in trees):
        return False
    return any(t.startswith(_DRUG_TREES) for t in trees) and not all(t.startswith(_NON_DRUG_TREES) for t in trees)


def display_name(canon: str) -> str:
    """The canonical name as shown: FDA biologic suffixes and parenthesised qualifiers dropped, MeSH classes readable."""
    name = FRIENDLY.get(canon, canon)
    m = _FDA_SUFFIX.match(name)
    if m and m.group(2) not in _NOT_SUFFIX:
        name = m.group(1)
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if ", " in name and name.count(",") == 1 and canon not in FRIENDLY and not name.endswith(" and"):
        head, mod = name.split(", ")
        if " and " not in mod and len(mod.split()) <= 2:
            name = f"{mod} {head}"                      # "analgesics, opioid" -> "opioid analgesics"
    return name


def _clean_synonym(v: str, name: str) -> bool:
    if v == name or len(v) > 32 or not v.isascii() or any(c in v for c in ",()[];:'/."):
        return False
    if name in v or len(v.split()) > 4:                 # salts and forms ("warfarin sodium")
        return False
    if v[:5] == name[:5] and abs(len(v) - len(name)) <= 3:
        return False                                    # foreign spellings ("metformina", "heparine")
    if v.endswith(("a", "o", "um")) and v[-1] != name[-1] and SequenceMatcher(None, v, name).ratio() > 0.8:
        return False                                    # "metilprednisolona", "eparina"
    return not re.fullmatch(r"[a-z]{1,3}\d*|\d.*", v)


def _usefulness(v: str, order: int, brand: dict) -> tuple[float, int]:
    score = 0.0
    if brand.get(v, {}).get("is_brand") is False:
        score += 3                                      # an alternative generic name ("paracetamol")
    if re.fullmatch(r"[a-z]+ acid", v):
        score += 2                                      # "acetylsalicylic acid"
    if re.fullmatch(r"[a-z]{1,4}-?\d{1,3}", v):
        score += 1.5                                    # development codes still used in papers ("vp-16")
    if re.fullmatch(r"[a-z]{5,12}", v):
        score += 1
    if "-" in v and not re.search(r"\d", v):
        score -= 3                                      # "gennin-fc", "lipo-hepin"
    if re.search(r"\d.*[a-z]{3}|methyl|hydroxy|ylid|amino", v) or len(v) > 16 and not v.endswith(" acid"):
        score -= 2                                      # chemical names
    if len(v.split()) > 2:
        score -= 2
    return -score, order


def _case(v: str, brand: dict, product: bool) -> str:
    if re.search(r"\d", v) and len(v) <= 8 or len(v) <= 4:
        return v.upper()                                # codes: VP-16, APAP
    if not product or brand.get(v, {}).get("is_brand") is False:
        return v
    return v.title() if re.fullmatch(r"[a-z]+(?:-[a-z]+)?", v) else v


def _build() -> _Tables:
    spec = importlib.util.find_spec("drug_named_entity_recognition")   # locate only: importing it loads 3 s of data
    if spec is None or not spec.origin:
        raise ImportError("drug-named-entity-recognition is not installed")
    with bz2.open(Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2", "rb") as fh:
        raw = pickle.load(fh)
    canon_data, variant_data = raw["drug_canonical_to_data"], raw.get("drug_variant_to_variant_data", {})
    lookup: dict[str, int] = {}
    entries: list[tuple[str, str, str]] = []
    index: dict[str, int] = {}
    names_of: dict[int, list[str]] = {}
    variants = list(raw["drug_variant_to_canonical"].items()) + [(k, [v]) for k, v in EXTRA.items()]
    for surface, canons in variants:
        s = " ".join(str(surface).lower().split())
        if not canons or len(s) < 4 or s in STOPLIST or s in lookup and s not in EXTRA:
            continue
        canon = str(canons[0]).lower()
        data = canon_data.get(canon, {})
        if not _drugish(canon, data):
            continue
        name = display_name(canon)
        if name in STOPLIST:
            continue
        if name not in index:
            index[name] = len(entries)
            entries.append((name, data.get("mesh_id", "") or "", data.get("drugbank_id", "") or ""))
        lookup[s] = index[name]
        names_of.setdefault(index[name], []).append(s)
    for name, i in index.items():                        # the display name itself is always a surface
        lookup.setdefault(name, i)
    for s in STOPLIST:                                   # non-drug phrases hide the drug names inside them
        if " " in s:
            lookup[s] = -1
    first: dict[str, int] = {}
    for s in lookup:
        toks = s.split()
        first[toks[0]] = max(first.get(toks[0], 0), len(toks))
    synonyms = {}
    for i, names in names_of.items():
        name = entries[i][0]
        clean = [v for v in dict.fromkeys(names) if _clean_synonym(v, name)]
        clean = [v for _, v in sorted((_usefulness(v, k, variant_data), v) for k, v in enumerate(clean))]
        seen = {re.sub(r"[\s\-]+", " ", name).rstrip("s")}
        clean = [v for v in clean if not (re.sub(r"[\s\-]+", " ", v).rstrip("s") in seen
                                          or seen.add(re.sub(r"[\s\-]+", " ", v).rstrip("s")))]
        synonyms[name] = [_case(v, variant_data, bool(entries[i][2])) for v in clean[:8]]
    return _Tables(lookup, entries, first, synonyms)


def _cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "curbside" / f"drugs-v{_CACHE_VERSION}.pkl"


def _load() -> _Tables:
    global _data
    if _data is not None:
        return _data
    with _lock:
        if _data is None:
            path = _cache_path()
            try:
                with path.open("rb") as fh:
                    tables = pickle.load(fh)
                if not isinstance(tables, tuple) or len(tables) != 4:
                    raise ValueError("stale cache")
                _data = _Tables(*tables)
            except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
                try:
                    _data = _build()
                except Exception:   # dictionary unavailable: drug recognition degrades to nothing
                    _data = _Tables({}, [], {}, {})
                    return _data
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(f".{os.getpid()}.tmp")
                    with tmp.open("wb") as fh:
                        pickle.dump((_data.lookup, _data.entries, _data.first, _data.synonyms), fh,
                                    protocol=pickle.HIGHEST_PROTOCOL)
                    os.replace(tmp, path)
                except OSError:
                    pass
    return _data


def find_drugs(text: str) -> list[Drug]:
    """Every drug mention in `text`, left to right; the longest name wins (up to the longest dictionary name)."""
    t = _load()
    lookup, first, entries = t.lookup, t.first, t.entries
    low = _TOKEN.findall(text.lower())
    out: list[Drug] = []
    spans = None
    n_toks = len(low)
    i = 0
    while i < n_toks:
        most = first.get(low[i])
        if most is None:
            i += 1
            continue
        if spans is None:
            spans = [m.span() for m in _TOKEN.finditer(text)]
        step = 1
        for n in range(min(most, n_toks - i), 0, -1):
            hit = lookup.get(low[i] if n == 1 else " ".join(low[i:i + n]))
            if hit is None:
                continue
            if n > 1 and any(not text[spans[j][1]:spans[j + 1][0]].isspace() for j in range(i, i + n - 1)):
                continue                                 # "ACE) inhibitors" is not a name
            start, end = spans[i][0], spans[i + n - 1][1]
            surface = text[start:end]
            if n == 1 and len(surface) <= 4 and surface.isalpha() and surface.islower():
                continue                                 # short codes only as written: ACTH, APAP, Ofev
            step = n
            if hit >= 0:
                name, mesh, db = entries[hit]
                out.append(Drug(name, surface, start, end, mesh, db))
            break
        i += step
    return out


def resolve(name: str) -> str | None:
    """The canonical (display) name for any known name of a drug, else None."""
    t = _load()
    hit = t.lookup.get(" ".join(name.lower().split()))
    return t.entries[hit][0] if hit is not None else None


def drug_synonyms(name: str, limit: int = 5) -> list[str]:
    """Other names of the same drug (generic and brands), most useful first, without `name` itself."""
    canonical = resolve(name)
    if canonical is None:
        return []
    key = " ".join(name.lower().split())
    out = [canonical] + _load().synonyms.get(canonical, [])
    return [s for s in dict.fromkeys(out) if s.lower() != key][:limit]
