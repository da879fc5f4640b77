"""Drug recognition and synonyms from the drug-named-entity-recognition dictionary."""

import time

import pytest

from curbside.retrieve import drugs
from curbside.retrieve.drugs import Drug, drug_synonyms, find_drugs


def names(text):
    return [d.name for d in find_drugs(text)]


@pytest.mark.parametrize("text, expected", [
    ("Anakinra was started at 2 mg/kg and etoposide was withheld.", ["anakinra", "etoposide"]),
    ("Kineret (anakinra) and Jakafi were both used.", ["anakinra", "anakinra", "ruxolitinib"]),
    ("Emapalumab (Gamifant) is approved for primary HLH.", ["emapalumab", "emapalumab"]),
    ("Give paracetamol or Tylenol for fever.", ["acetaminophen", "acetaminophen"]),
    ("The DEP regimen combines doxorubicin, etoposide and methylprednisolone.",
     ["doxorubicin", "etoposide", "methylprednisolone"]),
    ("Low-dose aspirin and statins reduce cardiovascular events.", ["low-dose aspirin", "statins"]),
    ("VP-16 and 5-FU are older names.", ["etoposide", "fluorouracil"]),
    ("Rabbit antithymocyte globulin was given before transplant.", ["antithymocyte globulin"]),
])
def test_drugs_found(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text", [
    "Today the patient was afebrile and alcohol intake was discussed.",
    "Ferritin, creatinine, bilirubin and C-reactive protein were measured in blood and urine.",
    "Serum sodium, potassium and glucose were normal; oxygen saturation was 98% on room air.",
    "Interleukin-6 and tumor necrosis factor levels predict cytokine release syndrome.",
    "The thyroid gland and hemoglobin were normal; antibodies against the virus were found.",
    "Indicators of response included caps on the growth curve and luminal narrowing.",
    "She sits quietly; the dose was given at 10 am.",
    "Blood cultures grew Staphylococcus aureus and Escherichia coli; oxygen was given by mask.",
    "Smoking, obesity and physical activity were assessed; she drank coffee and tea.",
    "The gold standard test is a bone marrow biopsy; lead poisoning was excluded.",
    "Calcitonin gene-related peptide receptors and epidermal growth factor receptor mutations were studied.",
])
def test_ordinary_words_and_lab_analytes_are_not_drugs(text):
    assert find_drugs(text) == []


def test_offsets_and_ids():
    text = "Treatment with ruxolitinib for HLH."
    (d,) = find_drugs(text)
    assert isinstance(d, Drug) and d.name == "ruxolitinib" and d.matched == "ruxolitinib"
    assert text[d.start:d.end] == "ruxolitinib" and d.drugbank_id.startswith("DB")


def test_word_boundaries_and_punctuation():
    assert names("Pre-anakinra levels") == []                  # not a whole word
    assert names("ACE) inhibitors were held") == []            # a name never spans punctuation
    assert names("ace inhibitors were held") == ["angiotensin-converting enzyme inhibitors"]
    assert names("ofev") == [] and names("Ofev") == ["nintedanib"]   # short names only as brands are written


def test_synonyms_both_ways():
    assert drug_synonyms("Kineret") == ["anakinra"]
    assert drug_synonyms("anakinra") == ["Kineret"]
    assert "Jakafi" in drug_synonyms("ruxolitinib")
    assert drug_synonyms("Gamifant") == ["emapalumab"]
    assert drug_synonyms("acetaminophen")[0] == "paracetamol" and "Tylenol" in drug_synonyms("acetaminophen")
    assert "VP-16" in drug_synonyms("etoposide")
    assert drug_synonyms("aspirin")[0] == "acetylsalicylic acid"
    assert drug_synonyms("tylenol")[0] == "acetaminophen"
    assert drug_synonyms("not a drug") == [] and drug_synonyms("") == []
    for name in ("etoposide", "dexamethasone", "cyclosporine", "acetaminophen", "aspirin", "metformin"):
        syns = drug_synonyms(name)
        assert 1 <= len(syns) <= 5 and name not in [s.lower() for s in syns]
        assert all(s.isascii() and "," not in s for s in syns)


def test_lookups_are_fast_after_load():
    drug_synonyms("anakinra")                                    # loads the tables once
    t = time.perf_counter()
    for _ in range(1000):
        drug_synonyms("Kineret")
    assert (time.perf_counter() - t) / 1000 < 1e-3
    sentence = "Patients with refractory HLH received ruxolitinib or emapalumab after etoposide."
    t = time.perf_counter()
    for _ in range(1000):
        find_drugs(sentence)
    assert (time.perf_counter() - t) / 1000 < 2e-4              # ~15 µs here; generous for slow CI machines


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(drugs, "_data", None)
    assert names("anakinra") == ["anakinra"]                     # built from the package dictionary, then cached
    assert drugs._cache_path().exists()
    monkeypatch.setattr(drugs, "_data", None)
    t = time.perf_counter()
    assert names("Kineret") == ["anakinra"]                      # loaded from the cache
    assert time.perf_counter() - t < 1.0
