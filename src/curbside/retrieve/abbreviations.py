"""Clinical abbreviations: a built-in list plus definitions found inside ingested documents, expanded both ways."""

from __future__ import annotations

import re
from typing import Iterable

BUILTIN: dict[str, list[str]] = {
    "HLH": ["hemophagocytic lymphohistiocytosis", "haemophagocytic lymphohistiocytosis"],
    "FHL": ["familial hemophagocytic lymphohistiocytosis"],
    "MAS": ["macrophage activation syndrome"], "ATG": ["antithymocyte globulin", "anti-thymocyte globulin"],
    "HSCT": ["hematopoietic stem cell transplantation", "haematopoietic stem cell transplantation"],
    "HCT": ["hematopoietic cell transplantation"], "alloSCT": ["allogeneic stem cell transplantation"],
    "IVIG": ["intravenous immunoglobulin"], "DEP": ["doxorubicin, etoposide, and methylprednisolone"],
    "CNS": ["central nervous system"], "EBV": ["Epstein-Barr virus"], "CMV": ["cytomegalovirus"],
    "HIV": ["human immunodeficiency virus"], "CAR-T": ["chimeric antigen receptor T-cell"],
    "CRS": ["cytokine release syndrome"], "ICU": ["intensive care unit"], "MI": ["myocardial infarction"],
    "AF": ["atrial fibrillation"], "CKD": ["chronic kidney disease"], "AKI": ["acute kidney injury"],
    "COPD": ["chronic obstructive pulmonary disease"], "DKA": ["diabetic ketoacidosis"],
    "HHS": ["hyperosmolar hyperglycemic state"], "PE": ["pulmonary embolism"], "DVT": ["deep vein thrombosis"],
    "VTE": ["venous thromboembolism"], "NSAID": ["nonsteroidal anti-inflammatory drug"],
    "NSAIDs": ["nonsteroidal anti-inflammatory drugs"], "TNF": ["tumor necrosis factor"],
    "IL-1": ["interleukin-1"], "IL-6": ["interleukin-6"], "IFN": ["interferon"], "JAK": ["Janus kinase"],
    "NK": ["natural killer"], "CTL": ["cytotoxic T lymphocyte"], "G-CSF": ["granulocyte colony-stimulating factor"],
    "sJIA": ["systemic juvenile idiopathic arthritis"], "JIA": ["juvenile idiopathic arthritis"],
    "SLE": ["systemic lupus erythematosus"], "RA": ["rheumatoid arthritis"], "GCs": ["glucocorticoids"],
    "HF": ["heart failure"], "HFrEF": ["heart failure with reduced ejection fraction"], "CAD": ["coronary artery disease"],
    "ACS": ["acute coronary syndrome"], "STEMI": ["ST-elevation myocardial infarction"],
    "NSTEMI": ["non-ST-elevation myocardial infarction"], "HTN": ["hypertension"], "T2D": ["type 2 diabetes"],
    "T1D": ["type 1 diabetes"], "CAP": ["community-acquired pneumonia"], "UTI": ["urinary tract infection"],
    "TB": ["tuberculosis"], "MDD": ["major depressive disorder"], "AUD": ["alcohol use disorder"],
    "TIA": ["transient ischemic attack"], "ICH": ["intracerebral hemorrhage"], "SAH": ["subarachnoid hemorrhage"],
    "TBI": ["traumatic brain injury"], "GI": ["gastrointestinal"], "UGIB": ["upper gastrointestinal bleeding"],
    "NAFLD": ["nonalcoholic fatty liver disease"], "GERD": ["gastroesophageal reflux disease"],
    "IBD": ["inflammatory bowel disease"], "ALL": ["acute lymphoblastic leukemia"], "AML": ["acute myeloid leukemia"],
    "CLL": ["chronic lymphocytic leukemia"], "CML": ["chronic myeloid leukemia"], "NHL": ["non-Hodgkin lymphoma"],
    "MS": ["multiple sclerosis"], "ALS": ["amyotrophic lateral sclerosis"], "PTSD": ["posttraumatic stress disorder"],
    "ADHD": ["attention deficit hyperactivity disorder"], "BMI": ["body mass index"], "BP": ["blood pressure"],
    "eGFR": ["estimated glomerular filtration rate"], "LDL": ["low-density lipoprotein"],
    "HbA1c": ["glycated hemoglobin"], "CRP": ["C-reactive protein"], "DOAC": ["direct oral anticoagulant"],
    "LMWH": ["low-molecular-weight heparin"], "PPI": ["proton pump inhibitor"], "SSRI": ["selective serotonin reuptake inhibitor"],
    "SGLT2": ["sodium-glucose cotransporter 2"], "ACEi": ["angiotensin-converting enzyme inhibitor"],
    "ARB": ["angiotensin receptor blocker"], "RCT": ["randomized controlled trial"], "CR": ["complete response"],
    "PR": ["partial response"], "OS": ["overall survival"], "PFS": ["progression-free survival"],
    "MDS": ["myelodysplastic syndrome"], "ITP": ["immune thrombocytopenia"], "TTP": ["thrombotic thrombocytopenic purpura"],
    "DIC": ["disseminated intravascular coagulation"], "GVHD": ["graft-versus-host disease"],
    "PD-1": ["programmed cell death protein 1"], "PD-L1": ["programmed death-ligand 1"],
    "EGFR": ["epidermal growth factor receptor"], "CSF": ["cerebrospinal fluid"], "MRI": ["magnetic resonance imaging"],
    "CT": ["computed tomography"], "ECG": ["electrocardiogram"], "OSA": ["obstructive sleep apnea"],
    "PCOS": ["polycystic ovary syndrome"], "RSV": ["respiratory syncytial virus"], "HPV": ["human papillomavirus"],
    "HBV": ["hepatitis B virus"], "HCV": ["hepatitis C virus"], "XLP": ["X-linked lymphoproliferative disease"],
}

_PAREN = re.compile(r"\(([A-Za-z][A-Za-z0-9\-]{1,9}s?)\)")
_WORDS_BEFORE = re.compile(r"[\w\-]+")
_LIST = re.compile(r"\b([A-Z][A-Za-z0-9\-]{1,9}),\s+([a-z][a-z0-9\-]*(?:[ ,\-]+(?:and )?[a-z0-9\-]+){0,7})(?=;|\.|$)")


def _initials_match(short: str, long: str) -> bool:
    """Schwartz-Hearst: every letter of the short form appears in order in the long form, the first letter
    starting a word of it."""
    s = [ch.lower() for ch in short if ch.isalnum()]
    lf = long.lower()
    if not s or not lf or lf[0] != s[0] and not any(w.startswith(s[0]) for w in lf.split()):
        return False
    i = len(lf) - 1
    for ch in reversed(s):
        while i >= 0 and lf[i] != ch:
            i -= 1
        if i < 0:
            return False
        i -= 1
    return True


def _trim_long(short: str, words: list[str]) -> str:
    n = min(len(words), len(short) + 3)
    for k in range(1, n + 1):   # the shortest tail of words that still matches, starting with the first letter
        cand = words[-k:]
        if cand[0][:1].lower() == short[0].lower() and _initials_match(short, " ".join(cand)):
            return " ".join(cand)
    return ""


def find_definitions(text: str) -> list[tuple[str, str]]:
    out: dict[tuple[str, str], None] = {}
    for m in _PAREN.finditer(text):
        short = m.group(1)
        long_part = " ".join(_WORDS_BEFORE.findall(text[max(0, m.start() - 120):m.start()])[-8:])
        if not any(ch.isupper() for ch in short) or len(short) > 10:
            continue
        long = _trim_long(short.rstrip("s") if short.endswith("s") and short[:-1].isupper() else short, long_part.split())
        if long and len(long) > len(short) + 2:
            out[(short, long)] = None
    at = text.find("Abbreviations")
    for m in (_LIST.finditer(text, at, at + 3000) if at >= 0 else ()):
        short, long = m.group(1), m.group(2).strip(" ,")
        if short.isupper() or any(ch.isupper() for ch in short[1:]):
            if _initials_match(short, long) or len(long.split()) >= 2 and long[0].lower() == short[0].lower():
                out[(short, long)] = None
    return list(out)


class AbbreviationIndex:
    def __init__(self, extra: Iterable[tuple[str, str]] = ()):
        self.short_to_long: dict[str, list[str]] = {k: list(v) for k, v in BUILTIN.items()}
        for short, long in extra:
            lst = self.short_to_long.setdefault(short, [])
            if long.lower() not in (x.lower() for x in lst) and len(lst) < 4:
                lst.append(long)
        self.long_to_short: dict[str, list[str]] = {}
        self.lower_short: dict[str, str] = {}
        for short, longs in self.short_to_long.items():
            self.lower_short.setdefault(short.lower(), short)
            for long in longs:
                self.long_to_short.setdefault(long.lower(), []).append(short)

    def expand(self, term: str) -> list[str]:
        t = term.strip()
        if t in self.short_to_long:
            return list(self.short_to_long[t])
        if t.upper() in self.short_to_long and len(t) <= 6 and t.lower() not in ("all", "ms", "ra", "pe", "mi", "af", "ct"):
            return list(self.short_to_long[t.upper()])
        return list(self.long_to_short.get(t.lower(), []))

    def longs_in(self, text: str) -> list[tuple[str, str]]:
        """(long form, short form) pairs whose long form occurs in text (lowercase match)."""
        low = text.lower()
        return [(lf, s[0]) for lf, s in self.long_to_short.items() if len(lf) > 6 and lf in low]
