"""Fixed wording of the article template. Only these phrases may appear in an article body without a quote;
the verifier checks every unquoted item against them."""

from __future__ import annotations

import re

CAUTION = "Educational purpose only \u2022 Exercise caution as content is pending human review"
CAUTION_APPROVED = "Reviewed and approved by a medical reviewer"

DISCLAIMER_PROFESSIONAL = (
    "This information is intended for healthcare professionals. Every statement above is quoted from the numbered "
    "source it cites; it is not a substitute for clinical judgement. Verify doses and recommendations against the "
    "primary sources and current local practice before applying them to patient care."
)
DISCLAIMER_PATIENT = (
    "This information is for general education and is not medical advice. Talk to your care team about what it "
    "means for you before making any decision about your health or treatment."
)

SECTION_TITLES = {
    "bottom_line": "Bottom Line",
    "against": "Not Recommended",
    "guidelines": "From the Guidelines",
    "research": "From the Research",
    "considerations": "Key Considerations",
    "evidence_table": "Evidence Table",
    "notice": "Not answered by the indexed sources",
}

# Title of the main list, by question type.
OPTIONS_TITLES = {
    "treatment": "Treatment Options",
    "dosing": "Dosing",
    "adverse_effects": "Adverse Effects",
    "diagnosis": "Diagnosis",
    "prognosis": "Prognosis and Outcomes",
    "mechanism": "Mechanism",
    "epidemiology": "Epidemiology",
    "definition": "Key Points",
    "etiology": "Causes",
    "prevention": "Prevention",
    "other": "Key Points",
    "symptoms": "Signs and Symptoms",
}

ABSTAIN_TEXT = "The indexed sources do not answer this question."
ABSTAIN_TEXT_PATIENT = "We could not find an answer to this question in the sources loaded here."
ABSTAIN_HINT_PATIENT = "Please ask your care team. They can help you find good information."


def abstain_suggestion(topics: list[str]) -> str:
    if topics:
        return ("To answer it, ingest guidelines, systematic reviews or trials about "
                + ", ".join(topics[:4]) + " (curbside ingest PATH).")
    return "To answer it, ingest guidelines, systematic reviews or trials on this topic (curbside ingest PATH)."


_LEVEL_NOUNS = {"guideline": ("guideline", "guidelines"), "systematic_review": ("systematic review", "systematic reviews"),
                "randomized_trial": ("randomised trial", "randomised trials"), "cohort": ("cohort study", "cohort studies"),
                "case_series": ("case series", "case series"), "narrative_review": ("narrative review",
                                                                                   "narrative reviews"),
                "reference": ("reference page", "reference pages"), "trial_registry": ("trial record",
                                                                                     "trial records")}


def no_guideline_note(levels: list[tuple[int, str, int | None]]) -> str:
    """"No guideline in the library addresses this; the evidence is 1 narrative review (2017) and 3 trial
    records." levels: (count, evidence level value, newest year)."""
    parts = []
    for n, level, year in levels:
        one, many = _LEVEL_NOUNS.get(level, ("other source", "other sources"))
        parts.append(f"{n} {one if n == 1 else many}" + (f" ({year})" if year else ""))
    if not parts:
        return "No guideline in the library addresses this."
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"No guideline in the library addresses this; the evidence is {joined}."


def conflict_label(topic: str) -> str:
    return f"Sources differ on {topic}"


def writer_fallback_notice(reason: str) -> str:
    """Shown when `--writer llm` was asked for but the article is the extractive one."""
    return f"Written answer not available ({reason}); every sentence below is quoted from its source."


_ALLOWED = [
    re.compile(r"^Written answer not available \((the language model could not be reached|no written sentence "
               r"passed verification)\); every sentence below is quoted from its source\.$"),
    re.compile(r"^Sources differ on (the dose of|the response to|the recommendation on) [\w\s\-/().,+']{1,80}$"),
    re.compile("^" + re.escape(ABSTAIN_TEXT) + "$"),
    re.compile(r"^No guideline in the library addresses this(; the evidence is [\w\s(),-]{1,300})?\.$"),
    re.compile("^" + re.escape(ABSTAIN_TEXT_PATIENT) + "$"),
    re.compile("^" + re.escape(ABSTAIN_HINT_PATIENT) + "$"),
    re.compile(r"^To answer it, ingest guidelines, systematic reviews or trials (about .+|on this topic) \(curbside ingest PATH\)\.$"),
]


def is_template_text(text: str) -> bool:
    return any(p.match(text) for p in _ALLOWED)
