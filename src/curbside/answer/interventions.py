"""The one intervention lexicon shared by options, outcomes and the evidence table: drugs from the drug dictionary
(retrieve/drugs.py), procedures from a general list, and regimens a document itself names as such ("the XYZ
regimen", "XYZ protocol": afterwards "XYZ" alone counts in that document). No condition or paper is named here."""

from __future__ import annotations

import re

from curbside.retrieve.drugs import find_drugs

PROCEDURES = re.compile(
    r"\b(?:allogeneic (?:hematopoietic )?(?:stem cell |cell )?transplant\w*|(?:hematopoietic|haematopoietic) "
    r"(?:stem )?cell transplant\w*|stem cell transplant\w*|bone marrow transplant\w*|liver transplant\w*|"
    r"kidney transplant\w*|(?-i:HSCT|HCT|alloSCT)|plasma exchange|plasmapheresis|radiotherapy|radiation therapy|"
    r"(?:bariatric |elective )?surgery|surgical (?:resection|repair|drainage|debridement)|splenectomy|dialysis|"
    r"hemodialysis|haemodialysis|intrathecal \w+|immunoglobulin|(?-i:IVIG)|chemotherapy|immunotherapy|"
    r"(?-i:CAR[- ]T)|thrombectomy|thrombolysis|fibrinolysis|endoscop\w+|(?-i:PCI)|angioplasty|stenting|"
    r"cardioversion|catheter ablation|ablation|cardiac resynchronization therapy|(?-i:CRT|ICD)|pacemaker|"
    r"defibrillat\w+|mechanical ventilation|intubation|cognitive behavio(?:u)?ral therapy|(?-i:CBT(?:-I)?)|"
    r"psychotherapy|physical therapy|physiotherapy|phototherapy|paracentesis|drainage|transfusion|"
    r"oxygen therapy|lifestyle (?:modification|changes?)|exercise|diet(?:ary)? (?:therapy|modification)|"
    r"observation|watchful waiting|vaccination)\b", re.I)
REGIMEN_NAME = re.compile(r"\b([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)\s+(?:regimen|protocol)\b")
_TRANSPLANT = re.compile(r"^(?:allogeneic |autologous )?(?:hematopoietic (?:stem )?cell|haematopoietic (?:stem )?cell|"
                         r"stem cell|bone marrow) transplant\w*$|^(?:allo-?)?h?s?ct$|^allosct$", re.I)


def regimens_of(document_text: str) -> set[str]:
    """Names a document itself calls a regimen or protocol: acronyms and codes ("DEP regimen", "HLH-94 protocol"),
    never an ordinary word that starts a sentence ("Dosing regimen")."""
    return {m.group(1) for m in REGIMEN_NAME.finditer(document_text[:200_000])
            if len(m.group(1)) >= 2 and any(ch.isupper() or ch.isdigit() for ch in m.group(1)[1:])}


def interventions_in(text: str, regimens: set[str] = frozenset()) -> list[str]:
    """Interventions named in `text`, in order of first mention (the subject first)."""
    found: list[tuple[int, str]] = [(d.start, d.name) for d in find_drugs(text)]
    found += [(m.start(), m.group(0)) for m in PROCEDURES.finditer(text)]
    for r in regimens:
        m = re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text)
        if m:
            found.append((m.start(), r))
    seen: dict[str, str] = {}
    for _, name in sorted(found):
        seen.setdefault(key(name), name)
    return list(seen.values())


def key(name: str) -> str:
    """One option per treatment: spellings of one intervention share a key (transplant spellings, case)."""
    low = " ".join(name.lower().split())
    return "hematopoietic cell transplantation" if _TRANSPLANT.match(low) else low


def label(name: str, sentence: str = "") -> str:
    """The option's display name as the quoted sentence writes it when it does ("NSAIDs"), else capitalised."""
    m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence, re.I) if sentence else None
    if m and any(ch.isupper() for ch in m.group(0)[1:]):
        return m.group(0)
    return name if any(ch.isupper() for ch in name) else name[:1].upper() + name[1:]
