"""Strength/quality labels: a table of positives and negatives with exact offsets, and sentence attachment."""

from __future__ import annotations

import pytest

from curbside.answer.grading import StrengthLabel, describe, find_labels, label_for_sentence

# (text, expected verbatim label or None, strength, quality)
CASES: list[tuple[str, str | None, str, str]] = [
    ("We recommend early surgery (Strong recommendation, moderate quality of evidence).",
     "Strong recommendation, moderate quality of evidence", "strong", "moderate"),
    ("Give the vaccine. (Strong, High)", "Strong, High", "strong", "high"),
    ("Consider a statin (Conditional, Low).", "Conditional, Low", "conditional", "low"),
    ("We suggest oral iron rather than IV iron (Grade 2C).", "Grade 2C", "2", "C"),
    ("Grade 1B: we recommend anticoagulation for 3 months.", "Grade 1B", "1", "B"),
    ("Physicians should screen for depression (Level A).", "Level A", "", "A"),
    ("Aspirin should be given before PCI. (Level of Evidence: B)", "Level of Evidence: B", "", "B"),
    ("The grades of recommendation are defined below.\nDo not draw cultures through the catheter. [A]\nNext item.", "A", "A", ""),
    ("Providers should obtain a gestational history. ( Standard; Evidence Strength Grade B )",
     "Standard; Evidence Strength Grade B", "standard", "B"),
    ("A beta-blocker is recommended (Class I, Level of Evidence B).", "Class I, Level of Evidence B", "I", "B"),
    ("An SGLT2 inhibitor is reasonable. Class IIa; LOE B-R", "Class IIa; LOE B-R", "IIa", "B-R"),
    ("Treat latent infection before biologics ( I-A ).\nScreen contacts ( II-B ).", "I-A", "", "I-A"),
    ("Offer a fall-prevention programme.\nStrength of recommendation: A", "Strength of recommendation: A", "A", ""),
    ("Screening is advised at age 50. (B)\nRepeat every 10 years. (C)", "B", "B", ""),
    ("GPP - Explain the diagnosis to the family.", "GPP", "GPP", ""),
    ("Good practice point: record the indication.", "Good practice point", "GPP", ""),
    ("Avoid routine imaging ( Expert Opinion ).", "Expert Opinion", "expert opinion", ""),
    ("Clinicians should counsel patients (Recommendation; Evidence Quality: B).",
     "Recommendation; Evidence Quality: B", "recommendation", "B"),
    ("The Task Force suggests metformin. (2|++OO)", "2|++OO", "2", "low"),
    ("Use a closed system. ( LE=3, GR=B )", "LE=3, GR=B", "B", "3"),
    ("Measure lipids yearly ( Grade A; BEL 1 ).", "Grade A; BEL 1", "A", "1"),
    ("Sedation should be minimised. (+2B)", "+2B", "2", "B"),
    ("Vaccinate household members ( strong, very low ).", "strong, very low", "strong", "very low"),
    ("Vitamin D may be offered. ( Weak For )", "Weak For", "weak", ""),
    ("Use the pooled cohort equations. [ Grade - 1; Level of Evidence - B ]",
     "Grade - 1; Level of Evidence - B", "1", "B"),
    ("Give continuation pharmacotherapy [ I ], with lithium.\nMonitor [ II ].", "I", "", "I"),
    ("The RDN should encourage daily exercise.\nWeak , Conditional\n", "Weak , Conditional", "weak", ""),
    ("Counsel about the risks. Level III, IV Evidence; Grade: B", "Level III, IV Evidence; Grade: B", "B", "III"),
    ("Vaccinate against HAV and HBV ( 1A ).\nStage the liver ( 1B ).", "1A", "1", "A"),
    ("Testing is recommended. ( A I )\nSelf-testing may be offered. ( B II )", "A I", "A", "I"),
    ("Stop the drug ( 1D ). Grades of recommendation are defined below.", "1D", "1", "D"),
    ("Use gloves. ( Strength of Evidence = C; Strength of Recommendation = Strong positive recommendation )",
     "Strength of Evidence = C; Strength of Recommendation = Strong positive recommendation", "strong", "C"),
    ("Nurses should weigh the child at each visit ( LOE = 0 ); b) should record the height yearly ( LOE = 0 ).",
     "LOE = 0", "", "0"),
    ("The grades of recommendation are defined below.\nA (2007) : Offer structured education to every patient.\n"
     "B (2007) : Review the plan yearly.", "A", "A", ""),
    ("Gait video may be used to follow progress.\nRating : Established\nEvidence : E, L", "Rating : Established",
     "", "Established"),
    ("Check levels first ( 1D ).\nA change to the weekly schedule is the preferred option ( 1C ).\nNext ( 1C ).",
     "1D", "1", "D"),
    # negatives: brackets and letters that are not labels
    ("Results are shown in (Table 2) for the cohort (n = 12).", None, "", ""),
    ("Patients with hepatitis B and type B dissection (95% CI 1.2 to 3.4) were excluded.", None, "", ""),
    ("Vitamin A and group A streptococcus (GAS) were studied.", None, "", ""),
    ("Give ceftriaxone intravenous (IV).", None, "", ""),
    ("Levels of evidence (I-III) and grades (A-C) are defined below.", None, "", ""),
    ("Quality was rated ( High , Moderate , and Low ) by the panel.", None, "", ""),
    ("Endocarditis due to infective endocarditis (IE). IE is rare.", None, "", ""),
    ("Severe neutropenia (grade 4) occurred in two patients.", None, "", ""),
    ("Class II obesity (BMI 35 to 39.9) was common; see Figure (A).", None, "", ""),
    ("Options are (1) surgery, (2) radiotherapy or (3) observation.", None, "", ""),
]


@pytest.mark.parametrize("text,expected,strength,quality", CASES)
def test_label_table(text: str, expected: str | None, strength: str, quality: str) -> None:
    labels = find_labels(text)
    for lab in labels:
        assert text[lab.start:lab.end] == lab.text
    if expected is None:
        assert labels == []
        return
    assert labels, f"no label in {text!r}"
    lab = labels[0]
    assert lab.text == expected
    assert lab.start == text.index(expected)
    assert lab.end == lab.start + len(expected)
    assert (lab.strength, lab.quality) == (strength, quality)


def test_bare_codes_need_a_declared_scheme() -> None:
    text = "Screening is advised at age 50. (B)"
    assert find_labels(text) == []
    assert [x.text for x in find_labels(text, scheme_declared=True)] == ["B"]
    assert find_labels("Screening is advised (Grade B) and repeated yearly. (B)")[1].text == "B"


def _span(text: str, sentence: str) -> tuple[int, int]:
    i = text.index(sentence)
    return i, i + len(sentence)


def test_label_right_after_sentence_on_same_line_or_next_line() -> None:
    text = ("Offer compression stockings. (Strong recommendation, low-quality evidence)\n"
            "Consider early mobilisation.\nRecommendation strength: Conditional\nQuality of evidence: Low\n")
    lab = label_for_sentence(text, *_span(text, "Offer compression stockings."))
    assert lab is not None and lab.text == "Strong recommendation, low-quality evidence"
    lab = label_for_sentence(text, *_span(text, "Consider early mobilisation."))
    assert lab is not None and lab.text == "Recommendation strength: Conditional\nQuality of evidence: Low"
    assert (lab.strength, lab.quality) == ("conditional", "low")
    assert text[lab.start:lab.end] == lab.text


def test_leading_label_belongs_to_previous_sentence() -> None:
    text = "Use drug A. (Strong, High) Use drug B for children.\n"
    lab = label_for_sentence(text, *_span(text, "(Strong, High) Use drug B for children."))
    assert lab is None
    lab = label_for_sentence(text, *_span(text, "Use drug A."))
    assert lab is not None and lab.text == "Strong, High"


def test_leading_code_and_heading_label() -> None:
    text = "The grades of recommendation (A-D) are defined below.\nC - The diagnosis should be made by a specialist.\n"
    lab = label_for_sentence(text, *_span(text, "The diagnosis should be made by a specialist."))
    assert lab is not None and lab.text == "C" and describe(lab) == "Grade C"
    text = ("Valve Intervention\nClass I\nValve repair is recommended for severe regurgitation. ( Level of Evidence: C )\n"
            "Surgery is recommended before pregnancy in symptomatic women. ( Level of Evidence: B )\n")
    lab = label_for_sentence(text, *_span(text, "Surgery is recommended before pregnancy in symptomatic women."))
    assert lab is not None and lab.text == "Level of Evidence: B"
    assert lab.context is not None and lab.context.text == "Class I"
    assert describe(lab) == "Class I; Level of Evidence: B"


def test_no_label_for_unlabelled_recommendation_before_a_labelled_one() -> None:
    text = ("D1. The committee suggests daily monitoring of tolerance.\nQuestion: Should residual volumes be used?\n"
            "D2. The authors suggest that residual volumes not be used.\nQuality of Evidence: Low\n")
    assert label_for_sentence(text, *_span(text, "The committee suggests daily monitoring of tolerance.")) is None
    lab = label_for_sentence(text, *_span(text, "The authors suggest that residual volumes not be used."))
    assert lab is not None and lab.text == "Quality of Evidence: Low"


def test_label_after_a_list_the_sentence_opens() -> None:
    text = ("The RDN should monitor the following:\nWeight change\nBMI\nEnergy intake\n"
            "Monitoring helps to find nutrition problems early.\nConsensus , Imperative\nONC: Next topic\n")
    lab = label_for_sentence(text, *_span(text, "The RDN should monitor the following:"))
    assert lab is not None and lab.text == "Consensus , Imperative"


def test_mid_line_label_of_a_later_sentence_is_not_taken() -> None:
    text = "Beta-blockers should be used after MI. Avoid abrupt withdrawal [High Quality Evidence] in all patients.\n"
    assert label_for_sentence(text, *_span(text, "Beta-blockers should be used after MI.")) is None


def test_describe() -> None:
    text = "Give it. (Strong, Moderate)"
    assert describe(find_labels(text)[0]) == "Strong recommendation, moderate-quality evidence"
    text = "Give it ( Grade 1B )."
    assert describe(find_labels(text)[0]) == "Grade 1B"
    assert describe(StrengthLabel("A", 0, 1, "A", "", "letter")) == "Grade A"
    assert describe(StrengthLabel("II", 0, 2, "", "II", "roman")) == "Level II"


def test_a_code_after_option_counts_when_it_closes_the_sentence():
    text = "Check levels first ( 1D ).\nA change to the weekly schedule is the preferred option ( 1C ).\nNext ( 1C )."
    s = text.index("A change")
    lab = label_for_sentence(text, s, text.index("( 1C ).") + 7)
    assert lab is not None and lab.text == "1C"
    assert find_labels("Choose option (A) or option (B) for these patients.") == []


def test_a_label_heading_of_the_next_section_is_not_this_sentences_label():
    text = ("Good Practice Points\nOffer a home visit after discharge, pending review by the community team.\n"
            "Stopping Oxygen Therapy after Recovery from Chest Infections in Older Adults\nGood Practice Points\n"
            "Stop oxygen once saturation is stable.")
    s = text.index("Offer")
    lab = label_for_sentence(text, s, text.index("team.") + 5)
    assert lab is None or lab.start < s          # only the heading above may apply, never the one below
