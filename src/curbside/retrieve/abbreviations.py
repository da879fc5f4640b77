"""Clinical abbreviations: a built-in list plus definitions found inside ingested documents, expanded both ways.

`find_definitions` implements the Schwartz & Hearst (2003) algorithm: a short form in parentheses after its long
form ("antithymocyte globulin (ATG)"), the reverse ("ATG (antithymocyte globulin)"), and "Abbreviations:" lists
("ATG, antithymocyte globulin; DEP, doxorubicin, etoposide, and methylprednisolone"). Every character of the short
form must occur, in order, in the long form, its first character starting a word.
"""

from __future__ import annotations

import re
from typing import Iterable

from curbside.retrieve.vocabulary import ENGLISH_SHORT, STOPWORDS

BUILTIN: dict[str, list[str]] = {
    # hematology, immunology, transplantation
    "HLH": ["hemophagocytic lymphohistiocytosis", "haemophagocytic lymphohistiocytosis"],
    "FHL": ["familial hemophagocytic lymphohistiocytosis"], "MAS": ["macrophage activation syndrome"],
    "ATG": ["antithymocyte globulin", "anti-thymocyte globulin"], "BMT": ["bone marrow transplantation"],
    "HSCT": ["hematopoietic stem cell transplantation", "haematopoietic stem cell transplantation"],
    "HCT": ["hematopoietic cell transplantation"], "alloSCT": ["allogeneic stem cell transplantation"],
    "IVIG": ["intravenous immunoglobulin", "intravenous immune globulin"], "SCIG": ["subcutaneous immunoglobulin"],
    "DEP": ["doxorubicin, etoposide, and methylprednisolone"], "CAR-T": ["chimeric antigen receptor T-cell therapy"],
    "CRS": ["cytokine release syndrome"], "ICANS": ["immune effector cell-associated neurotoxicity syndrome"],
    "GVHD": ["graft-versus-host disease"], "XLP": ["X-linked lymphoproliferative disease"],
    "LCH": ["Langerhans cell histiocytosis"], "CGD": ["chronic granulomatous disease"],
    "SCID": ["severe combined immunodeficiency"], "CVID": ["common variable immunodeficiency"],
    "ALL": ["acute lymphoblastic leukemia"], "AML": ["acute myeloid leukemia"], "CLL": ["chronic lymphocytic leukemia"],
    "CML": ["chronic myeloid leukemia"], "NHL": ["non-Hodgkin lymphoma"], "HL": ["Hodgkin lymphoma"],
    "DLBCL": ["diffuse large B-cell lymphoma"], "MM": ["multiple myeloma"], "MDS": ["myelodysplastic syndrome"],
    "MPN": ["myeloproliferative neoplasm"], "ITP": ["immune thrombocytopenia"],
    "TTP": ["thrombotic thrombocytopenic purpura"], "HUS": ["hemolytic uremic syndrome"],
    "aHUS": ["atypical hemolytic uremic syndrome"], "TMA": ["thrombotic microangiopathy"],
    "DIC": ["disseminated intravascular coagulation"], "PNH": ["paroxysmal nocturnal hemoglobinuria"],
    "SCD": ["sickle cell disease"], "IDA": ["iron deficiency anemia"], "AIHA": ["autoimmune hemolytic anemia"],
    "CNS": ["central nervous system"], "CSF": ["cerebrospinal fluid"], "NK": ["natural killer"],
    "CTL": ["cytotoxic T lymphocyte"], "HLA": ["human leukocyte antigen"], "MHC": ["major histocompatibility complex"],
    "TCR": ["T-cell receptor"], "BCR": ["B-cell receptor"],
    # infection
    "EBV": ["Epstein-Barr virus"], "CMV": ["cytomegalovirus"], "HIV": ["human immunodeficiency virus"],
    "AIDS": ["acquired immunodeficiency syndrome"], "HSV": ["herpes simplex virus"], "VZV": ["varicella-zoster virus"],
    "HHV-8": ["human herpesvirus 8"], "RSV": ["respiratory syncytial virus"], "HPV": ["human papillomavirus"],
    "HAV": ["hepatitis A virus"], "HBV": ["hepatitis B virus"], "HCV": ["hepatitis C virus"],
    "COVID-19": ["coronavirus disease 2019"], "SARS-CoV-2": ["severe acute respiratory syndrome coronavirus 2"],
    "MIS-C": ["multisystem inflammatory syndrome in children"], "CAP": ["community-acquired pneumonia"],
    "HAP": ["hospital-acquired pneumonia"], "VAP": ["ventilator-associated pneumonia"],
    "UTI": ["urinary tract infection"], "TB": ["tuberculosis"], "LTBI": ["latent tuberculosis infection"],
    "MRSA": ["methicillin-resistant Staphylococcus aureus"], "SIRS": ["systemic inflammatory response syndrome"],
    # cardiovascular, pulmonary, renal
    "MI": ["myocardial infarction"], "AMI": ["acute myocardial infarction"], "AF": ["atrial fibrillation"],
    "HF": ["heart failure"], "HFrEF": ["heart failure with reduced ejection fraction"],
    "HFpEF": ["heart failure with preserved ejection fraction"], "LVEF": ["left ventricular ejection fraction"],
    "CAD": ["coronary artery disease"], "CHD": ["coronary heart disease", "congenital heart disease"],
    "ACS": ["acute coronary syndrome"], "STEMI": ["ST-elevation myocardial infarction"],
    "NSTEMI": ["non-ST-elevation myocardial infarction"], "PCI": ["percutaneous coronary intervention"],
    "CABG": ["coronary artery bypass grafting"], "PAD": ["peripheral artery disease"], "HTN": ["hypertension"],
    "CVD": ["cardiovascular disease"], "PE": ["pulmonary embolism"], "DVT": ["deep vein thrombosis"],
    "VTE": ["venous thromboembolism"], "TIA": ["transient ischemic attack"], "ICH": ["intracerebral hemorrhage"],
    "SAH": ["subarachnoid hemorrhage"], "TBI": ["traumatic brain injury"], "NYHA": ["New York Heart Association"],
    "COPD": ["chronic obstructive pulmonary disease"], "ARDS": ["acute respiratory distress syndrome"],
    "OSA": ["obstructive sleep apnea"], "CF": ["cystic fibrosis"], "IPF": ["idiopathic pulmonary fibrosis"],
    "PAH": ["pulmonary arterial hypertension"], "CKD": ["chronic kidney disease"], "AKI": ["acute kidney injury"],
    "ESRD": ["end-stage renal disease"], "ESKD": ["end-stage kidney disease"],
    # metabolic, endocrine, gastrointestinal
    "DKA": ["diabetic ketoacidosis"], "HHS": ["hyperosmolar hyperglycemic state"], "DM": ["diabetes mellitus"],
    "T1D": ["type 1 diabetes"], "T2D": ["type 2 diabetes"], "T1DM": ["type 1 diabetes mellitus"],
    "T2DM": ["type 2 diabetes mellitus"], "GDM": ["gestational diabetes mellitus"], "PCOS": ["polycystic ovary syndrome"],
    "GI": ["gastrointestinal"], "UGIB": ["upper gastrointestinal bleeding"], "GERD": ["gastroesophageal reflux disease"],
    "IBD": ["inflammatory bowel disease"], "UC": ["ulcerative colitis"], "IBS": ["irritable bowel syndrome"],
    "NAFLD": ["nonalcoholic fatty liver disease"], "NASH": ["nonalcoholic steatohepatitis"],
    "HCC": ["hepatocellular carcinoma"], "PBC": ["primary biliary cholangitis"],
    "PSC": ["primary sclerosing cholangitis"], "EoE": ["eosinophilic esophagitis"],
    # rheumatology
    "sJIA": ["systemic juvenile idiopathic arthritis"], "JIA": ["juvenile idiopathic arthritis"],
    "AOSD": ["adult-onset Still's disease"], "SLE": ["systemic lupus erythematosus"], "RA": ["rheumatoid arthritis"],
    "OA": ["osteoarthritis"], "AS": ["ankylosing spondylitis", "aortic stenosis"], "APS": ["antiphospholipid syndrome"],
    "GCA": ["giant cell arteritis"], "PMR": ["polymyalgia rheumatica"], "KD": ["Kawasaki disease"],
    "ANCA": ["antineutrophil cytoplasmic antibody"], "ANA": ["antinuclear antibody"],
    # neurology, psychiatry
    "MS": ["multiple sclerosis"], "ALS": ["amyotrophic lateral sclerosis"], "PD": ["Parkinson's disease"],
    "AD": ["Alzheimer's disease", "atopic dermatitis"], "MDD": ["major depressive disorder"],
    "GAD": ["generalized anxiety disorder"], "OCD": ["obsessive-compulsive disorder"],
    "PTSD": ["posttraumatic stress disorder"], "ADHD": ["attention deficit hyperactivity disorder"],
    "ASD": ["autism spectrum disorder", "atrial septal defect"], "AUD": ["alcohol use disorder"],
    "OUD": ["opioid use disorder"], "EEG": ["electroencephalography"],
    # obstetrics, neonatology
    "NEC": ["necrotizing enterocolitis"], "BPD": ["bronchopulmonary dysplasia", "borderline personality disorder"],
    "RDS": ["respiratory distress syndrome"], "HIE": ["hypoxic-ischemic encephalopathy"],
    "SIDS": ["sudden infant death syndrome"], "IUGR": ["intrauterine growth restriction"],
    "PPH": ["postpartum hemorrhage"], "PROM": ["premature rupture of membranes"], "IVF": ["in vitro fertilization"],
    "HELLP": ["hemolysis, elevated liver enzymes, and low platelets"],
    # oncology
    "NSCLC": ["non-small cell lung cancer"], "SCLC": ["small cell lung cancer"], "CRC": ["colorectal cancer"],
    "RCC": ["renal cell carcinoma"], "GIST": ["gastrointestinal stromal tumor"],
    "HNSCC": ["head and neck squamous cell carcinoma"], "TNBC": ["triple-negative breast cancer"],
    "mCRPC": ["metastatic castration-resistant prostate cancer"], "ADT": ["androgen deprivation therapy"],
    "CIN": ["cervical intraepithelial neoplasia"], "BPH": ["benign prostatic hyperplasia"],
    # drugs and drug classes
    "NSAID": ["nonsteroidal anti-inflammatory drug"], "NSAIDs": ["nonsteroidal anti-inflammatory drugs"],
    "DOAC": ["direct oral anticoagulant"], "NOAC": ["non-vitamin K antagonist oral anticoagulant"],
    "VKA": ["vitamin K antagonist"], "LMWH": ["low-molecular-weight heparin"], "UFH": ["unfractionated heparin"],
    "PPI": ["proton pump inhibitor"], "SSRI": ["selective serotonin reuptake inhibitor"],
    "SNRI": ["serotonin-norepinephrine reuptake inhibitor"], "TCA": ["tricyclic antidepressant"],
    "MAOI": ["monoamine oxidase inhibitor"], "SGLT2": ["sodium-glucose cotransporter 2"],
    "SGLT2i": ["sodium-glucose cotransporter 2 inhibitor"], "GLP-1": ["glucagon-like peptide-1"],
    "DPP-4": ["dipeptidyl peptidase-4"], "ACE": ["angiotensin-converting enzyme"],
    "ACEi": ["angiotensin-converting enzyme inhibitor"], "ARB": ["angiotensin receptor blocker"],
    "ARNI": ["angiotensin receptor-neprilysin inhibitor"], "MRA": ["mineralocorticoid receptor antagonist"],
    "CCB": ["calcium channel blocker"], "ICS": ["inhaled corticosteroid"], "LABA": ["long-acting beta-agonist"],
    "LAMA": ["long-acting muscarinic antagonist"], "SABA": ["short-acting beta-agonist"],
    "DMARD": ["disease-modifying antirheumatic drug"], "TKI": ["tyrosine kinase inhibitor"],
    "ICI": ["immune checkpoint inhibitor"], "mAb": ["monoclonal antibody"], "ART": ["antiretroviral therapy"],
    "HAART": ["highly active antiretroviral therapy"], "PrEP": ["pre-exposure prophylaxis"],
    "PEP": ["post-exposure prophylaxis"], "NRT": ["nicotine replacement therapy"],
    "HRT": ["hormone replacement therapy"], "IUD": ["intrauterine device"], "MTX": ["methotrexate"],
    "CsA": ["cyclosporine A"], "HCQ": ["hydroxychloroquine"], "5-FU": ["fluorouracil"],
    "ASA": ["acetylsalicylic acid"], "GCs": ["glucocorticoids"],
    # cytokines, receptors, targets
    "TNF": ["tumor necrosis factor"], "TNF-alpha": ["tumor necrosis factor alpha"], "IL-1": ["interleukin-1"],
    "IL-1β": ["interleukin-1 beta"], "IL-2": ["interleukin-2"], "IL-6": ["interleukin-6"],
    "IL-10": ["interleukin-10"], "IL-17": ["interleukin-17"], "IL-18": ["interleukin-18"], "IFN": ["interferon"],
    "IFN-γ": ["interferon gamma"], "IFN-gamma": ["interferon gamma"], "JAK": ["Janus kinase"],
    "G-CSF": ["granulocyte colony-stimulating factor"], "GM-CSF": ["granulocyte-macrophage colony-stimulating factor"],
    "PD-1": ["programmed cell death protein 1"], "PD-L1": ["programmed death-ligand 1"],
    "CTLA-4": ["cytotoxic T-lymphocyte-associated protein 4"], "EGFR": ["epidermal growth factor receptor"],
    "HER2": ["human epidermal growth factor receptor 2"], "VEGF": ["vascular endothelial growth factor"],
    "BTK": ["Bruton tyrosine kinase"], "mTOR": ["mechanistic target of rapamycin"],
    "CFTR": ["cystic fibrosis transmembrane conductance regulator"], "sIL-2R": ["soluble interleukin-2 receptor"],
    # laboratory, vital signs
    "BMI": ["body mass index"], "BP": ["blood pressure"], "SBP": ["systolic blood pressure"],
    "DBP": ["diastolic blood pressure"], "HR": ["hazard ratio", "heart rate"], "eGFR": ["estimated glomerular filtration rate"],
    "GFR": ["glomerular filtration rate"], "LDL": ["low-density lipoprotein"], "HDL": ["high-density lipoprotein"],
    "HbA1c": ["glycated hemoglobin", "hemoglobin A1c"], "CRP": ["C-reactive protein"],
    "ESR": ["erythrocyte sedimentation rate"], "LDH": ["lactate dehydrogenase"], "ALT": ["alanine aminotransferase"],
    "AST": ["aspartate aminotransferase"], "PT": ["prothrombin time"], "INR": ["international normalized ratio"],
    "aPTT": ["activated partial thromboplastin time"], "BNP": ["B-type natriuretic peptide"],
    "NT-proBNP": ["N-terminal pro-B-type natriuretic peptide"], "PSA": ["prostate-specific antigen"],
    "TSH": ["thyroid-stimulating hormone"], "WBC": ["white blood cell"], "ANC": ["absolute neutrophil count"],
    "CBC": ["complete blood count"],
    # care settings, procedures, imaging
    "ICU": ["intensive care unit"], "NICU": ["neonatal intensive care unit"], "PICU": ["pediatric intensive care unit"],
    "ED": ["emergency department", "erectile dysfunction"], "MRI": ["magnetic resonance imaging"],
    "CT": ["computed tomography"], "PET": ["positron emission tomography"], "ECG": ["electrocardiogram"],
    "EKG": ["electrocardiogram"], "CXR": ["chest radiograph"], "ECMO": ["extracorporeal membrane oxygenation"],
    "CPR": ["cardiopulmonary resuscitation"], "NIV": ["noninvasive ventilation"],
    "CPAP": ["continuous positive airway pressure"], "RRT": ["renal replacement therapy"],
    "TPE": ["therapeutic plasma exchange"], "PLEX": ["plasma exchange"], "ECP": ["extracorporeal photopheresis"],
    "TPN": ["total parenteral nutrition"],
    # trials and statistics
    "RCT": ["randomized controlled trial"], "RCTs": ["randomized controlled trials"], "CR": ["complete response"],
    "PR": ["partial response"], "ORR": ["overall response rate"], "OS": ["overall survival"],
    "PFS": ["progression-free survival"], "EFS": ["event-free survival"], "DFS": ["disease-free survival"],
    "OR": ["odds ratio"], "RR": ["relative risk"], "CI": ["confidence interval"], "NNT": ["number needed to treat"],
    "QoL": ["quality of life"], "AE": ["adverse event"], "SAE": ["serious adverse event"],
    "MTD": ["maximum tolerated dose"],
}

_SF_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/+.αβγδκ]{0,11}$")
_PAREN = re.compile(r"\(([^()\n]{1,160})\)")
_WORD_BEFORE = re.compile(r"(?<![\w\-])([A-Za-z0-9][A-Za-z0-9\-/+.αβγδκ]{0,11})\s*$")
_BOUNDARY = re.compile(r"[.;:!?\[\]()]\s")
_LIST_HEAD = re.compile(r"\b(?:abbreviations?|acronyms)(?: used(?: in this \w+)?)?\s*[:\-–—]\s*", re.I)
_LIST_ENTRY = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9\-/+.αβγδκ]{0,11})\s*(?:,|=|:|\s[-–—]\s)\s*(.+?)\s*\.?\s*$")
_BAD_LONG = re.compile(r"^\W|[=<>%@#]")
_WORD_START = re.compile(r"(?:^|(?<=[\s/]))[^\s/]")
_GREEK = str.maketrans("αβγδκ", "abgdk")
_SPLIT = re.compile(r"[^\w]+|_+")


def _is_short_form(s: str) -> bool:
    if not _SF_OK.match(s) or len(s) < 2 or s.isdigit():
        return False
    letters = [c for c in s if c.isalpha()]
    if re.fullmatch(r"[IVX]+(?:[-–/][IVX]+)?|Fig|No|Vol|Eq|Ref", s):
        return False                                    # roman numerals and reference words
    return bool(letters) and any(c.isupper() for c in letters)


def best_long_form(short: str, long: str) -> str | None:
    """Schwartz & Hearst: match the short form's characters right to left in the long form; the first character
    must start a word. Returns the shortest matching tail of `long`, or None."""
    s = short.lower().translate(_GREEK)
    lf = long.lower()
    si, li = len(s) - 1, len(lf) - 1
    while si >= 0:
        c = s[si]
        if not c.isalnum():
            si -= 1
            continue
        while li >= 0 and (lf[li] != c or (si == 0 and li > 0 and lf[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        si -= 1
    return long[lf.rfind(" ", 0, li + 1) + 1:].strip()


def _initials(short: str, long: str) -> int:
    """How many words of `long` start with the short form's letters, in order."""
    letters = [c for c in short.lower().translate(_GREEK) if c.isalnum()]
    i = 0
    for w in re.split(r"[\s\-]+", long.lower()):
        if i < len(letters) and w[:1] == letters[i]:
            i += 1
    return i


def _spells(short: str, tail: str) -> bool:
    """The short form's first letter starts `tail` and its other characters follow in order."""
    letters = [c for c in short.lower().translate(_GREEK) if c.isalnum()]
    low = tail.lower()
    if not letters or low[:1] != letters[0]:
        return False
    i = 1
    for c in letters[1:]:
        i = low.find(c, i) + 1
        if i == 0:
            return False
    return True


def _best_tail(short: str, window: str) -> str | None:
    """Among the tails of `window` that the short form spells from their first word on, the one whose word
    initials match the most letters ("multiple myeloma (MM)", not "myeloma"); ties go to the shortest."""
    best, best_score = None, -1
    for m in reversed(list(_WORD_START.finditer(window))):
        tail = window[m.start():]
        if _spells(short, tail):
            score = _initials(short, tail)
            if score > best_score:
                best, best_score = tail, score
    return best


def _valid(short: str, long: str) -> bool:
    words = long.split()
    n_chars = sum(c.isalnum() for c in short)
    if not words or len(long) <= len(short) or len(words) > min(n_chars + 5, 2 * n_chars):
        return False
    if words[0].lower() in STOPWORDS or _BAD_LONG.search(long) or short.lower() in (w.lower().strip(",") for w in words):
        return False
    return sum(any(c.isalpha() for c in w) for w in words) >= max(1, len(words) - 1)


def _singular(short: str) -> str:
    return short[:-1] if len(short) > 2 and short.endswith("s") and short[:-1].isupper() else short


def _decapitalize(text: str, end: int, long: str) -> str:
    """'Overall survival' at the start of a sentence -> 'overall survival'; proper names are left alone."""
    words = long.split()
    if not (words[0][:1].isupper() and words[0][1:].islower() and all(not w[:1].isupper() for w in words[1:])):
        return long
    at = text.rfind(long, max(0, end - 200), end)
    before = text[max(0, at - 3):at].strip() if at >= 0 else "x"
    return long[0].lower() + long[1:] if at >= 0 and (not before or before[-1] in ".!?:;\n") else long


def _before(text: str, end: int, max_words: int) -> str:
    window = text[max(0, end - 160):end]
    cut = list(_BOUNDARY.finditer(window))
    if cut:
        window = window[cut[-1].end():]
    return " ".join(window.split()[-max_words:])


def find_definitions(text: str) -> list[tuple[str, str]]:
    """(short form, long form) pairs defined in `text`, in order of first appearance, each pair once."""
    out: dict[tuple[str, str], None] = {}
    for m in _PAREN.finditer(text):
        inner = re.split(r"[;,]\s", m.group(1).strip(), maxsplit=1)[0].strip()
        if _is_short_form(inner):                       # long form (SF)
            sf = _singular(inner)
            n = sum(c.isalnum() for c in sf)
            window = _before(text, m.start(), min(n + 5, 2 * n))
            lf = _best_tail(sf, window) if window else None
            if lf and _valid(sf, lf):
                out[(inner, _decapitalize(text, m.start(), lf.strip(" ,")))] = None
            continue
        prev = _WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if prev and _is_short_form(prev.group(1)) and len(inner.split()) >= 2:   # SF (long form)
            sf = _singular(prev.group(1))
            lf = best_long_form(sf, inner)
            if lf and _valid(sf, lf) and len(inner.split()) - len(lf.split()) <= 1:
                out[(prev.group(1), lf.strip(" ,"))] = None
    for head in _LIST_HEAD.finditer(text):
        for short, long in _list_entries(text[head.end():head.end() + 4000]):
            out[(short, long)] = None
    return list(out)


def _list_entries(block: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    block = re.split(r"\n\s*\n", block, maxsplit=1)[0]
    for seg in re.split(r";|\n|,\s+(?=[A-Za-z0-9][\w\-]{0,11}\s*=)", block):
        seg = re.split(r"\.\s+(?=[A-Z][a-z])", seg, maxsplit=1)[0]        # a sentence after the list ends it
        m = _LIST_ENTRY.match(seg)
        ok = False
        if m and _is_short_form(m.group(1)):
            short, long = m.group(1), m.group(2).strip(" ,.")
            sf = _singular(short)
            lf = best_long_form(sf, long)
            n = sum(c.isalnum() for c in sf)
            if lf and long.lower().startswith(lf.lower()[:1]) and len(long.split()) <= max(2 * n, n + 5) + 2 \
                    and not _BAD_LONG.search(long) and long[:1].lower() == sf[:1].lower():
                found.append((short, long))
                ok = True
        if not ok and (found or seg.strip()):
            if found:
                break
            return []
    return found


def normalize(text: str) -> str:
    """Comparison key for long forms: lowercase, hyphens and slashes as spaces, a final plural 's' dropped."""
    words = _SPLIT.sub(" ", re.sub(r"['’]s\b", "", text.lower())).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "is", "us", "ys")) else w
                    for w in words)


class AbbreviationIndex:
    """Built-in abbreviations plus (short, long) pairs found in the corpus; expands both ways."""

    MAX_LONGS = 4

    def __init__(self, extra: Iterable[tuple[str, str]] = ()):
        self.short_to_long: dict[str, list[str]] = {k: list(v) for k, v in BUILTIN.items()}
        for short, long in extra:
            short, long = (short or "").strip(), " ".join((long or "").split())
            if not short or not long or len(long) > 120:
                continue
            lst = self.short_to_long.setdefault(short, [])
            if normalize(long) not in {normalize(x) for x in lst} and len(lst) < self.MAX_LONGS:
                lst.append(long)
        self.long_to_short: dict[str, list[str]] = {}
        self._ci: dict[str, str] = {}
        self.max_long_words = 1
        for short, longs in self.short_to_long.items():
            self._ci.setdefault(short.lower(), short)
            for long in longs:
                key = normalize(long)
                self.long_to_short.setdefault(key, [])
                if short not in self.long_to_short[key]:
                    self.long_to_short[key].append(short)
                self.max_long_words = min(10, max(self.max_long_words, len(key.split())))

    def short_form(self, term: str) -> str | None:
        """The indexed short form `term` spells (exact case, a case variant unless it is an English word, or a
        plural), else None."""
        t = term.strip()
        if t in self.short_to_long:
            return t
        if t.endswith("s") and t[:-1] in self.short_to_long and len(t) > 2:
            return t[:-1]
        key = self._ci.get(t.lower())
        if key is None or len(t) < 2:
            return None
        if t.islower() and (t in ENGLISH_SHORT or len(t) > 6):
            return None
        return key

    def expand(self, term: str) -> list[str]:
        """Short form -> long forms; long form -> short forms; [] when unknown."""
        sf = self.short_form(term)
        if sf is not None:
            return list(self.short_to_long[sf])
        return list(self.long_to_short.get(normalize(term), []))

    def find_long_forms(self, tokens: list[str]) -> list[tuple[int, int, str]]:
        """(first token, end token, short form) for each longest known long form in a token list, left to right."""
        low = [normalize(t) for t in tokens]
        out = []
        i = 0
        while i < len(low):
            for n in range(min(self.max_long_words, len(low) - i), 1, -1):
                shorts = self.long_to_short.get(" ".join(w for w in low[i:i + n] if w))
                if shorts:
                    out.append((i, i + n, shorts[0]))
                    i += n
                    break
            else:
                i += 1
        return out

    def longs_in(self, text: str) -> list[tuple[str, str]]:
        """(long form, short form) pairs whose long form occurs in `text`."""
        toks = re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text)
        return [(" ".join(toks[a:b]), s) for a, b, s in self.find_long_forms(toks)]
