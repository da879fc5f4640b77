"""Word lists for question understanding: stopwords, question phrasing, generic words, condition heads,
population groups and non-drug therapies. Plain data, no logic beyond building the sets."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# function words (never content)
STOPWORDS = _words("""
a an the and or nor but if then than so as at by for from in into of on onto off out over per to up upon via with
within without about above across after against along among around before behind below beneath beside besides
between beyond during except inside like near since through throughout till toward towards under underneath until
unto versus vs whether while whereas although though because unless is are was were be been being am do does did
doing done has have having had can could should would will shall may might must ought it its it's itself this
that these those there their theirs them they he she his her hers him we us our ours you your yours i me my mine
who whom whose which what when where why how whatever whichever whoever any some each every either neither no not
none all both few many more most much other others another such same own only just also too very quite rather
really even still yet ever already again ago here s t d ll m re ve etc eg ie e.g i.e one
""")

# question phrasing: words that ask rather than say what about (the type signal is taken before they are dropped)
PHRASING = _words("""
best better worse good great recommended recommend recommends recommendation recommendations option options
current currently available latest new newest approach approaches known evidence please tell explain describe
describe list name give show find know define definition mean means meaning difference differences compare
compared comparison versus preferred prefer ideal optimal appropriate usual standard typical main major key
important useful usually generally commonly often sometimes always exist exists existing regarding concerning
kind kinds sort sorts way ways thing things role lot lots probably possible possibly likely get gets got
considered consider effective efficacy work works working
""")

# generic words that are content words but too vague to be a concept on their own (kept as keywords)
GENERIC = _words("""
patient patients people person persons individual individuals subject subjects case cases use used using uses
effect effects affect affects affected associated association related relation relationship involved involve
involves involvement help helps cause causes caused result results resulting level levels factor factors role
type types form forms group groups data study studies trial trials report reports reported information
clinical medical treatment treatments treat treated treating therapy therapies therapeutic management manage
managed managing diagnosis diagnose diagnosed diagnosing diagnostic dose doses dosing dosage side adverse
outcome outcomes prognosis mechanism mechanisms cause etiology incidence prevalence prevention prevent risk
risks common rare drug drugs medication medications medicine medicines agent agents time times day days week
weeks month months year years first second third line lines increase increased decrease decreased reduce reduced
high low higher lower change changes changed main value values number amount rate rates present presence
symptom symptoms sign signs feature features presentation complication complications finding findings
condition conditions problem problems disease-related associated-with approved indication indications
protein proteins gene genes receptor molecule molecules cell cells expression level function functions
receive receives received receiving give given giving take taking start starting stop stopping action actions
process processes method methods tool tools developed development involved implicated found following included
include includes part parts body mediator family route administration daily several various different
""")

# hyphen suffixes that only qualify the abbreviation before them ("EBV-associated HLH")
MODIFIERS = _words("""
associated related induced positive negative driven mediated dependent specific based triggered like type
""")

# heads that make a noun phrase a condition ("Hirschsprung disease", "septic shock", "heart failure")
CONDITION_HEADS = _words("""
syndrome syndromes disease diseases disorder disorders cancer cancers carcinoma carcinomas leukemia leukaemia
lymphoma lymphomas myeloma melanoma sarcoma tumor tumour tumors tumours neoplasm neoplasms infection infections
failure deficiency deficiencies fever pneumonia diabetes asthma gout hypertension hypotension fibrillation
flutter stroke sepsis shock injury injuries arthritis depression embolism thrombosis obesity migraine headache
epilepsy seizure seizures anemia anaemia dementia psoriasis eczema hepatitis cirrhosis pancreatitis colitis lupus
malaria tuberculosis influenza covid-19 covid hiv aids ulcer ulcers bleeding hemorrhage haemorrhage attack
infarction palsy dystrophy atrophy sclerosis fasciitis insufficiency stenosis regurgitation aneurysm dissection
fracture fractures pain ischemia ischaemia hypoxia edema oedema effusion abscess lesion lesions cyst cysts polyp
polyps nodule nodules mass hernia prolapse obstruction occlusion reflux dysfunction dysplasia toxicity poisoning
overdose addiction dependence abuse delirium psychosis schizophrenia autism anxiety insomnia apnea apnoea
ketoacidosis acidosis alkalosis hyperkalemia hypokalemia hyponatremia hypernatremia hypoglycemia hyperglycemia
thrombocytopenia neutropenia pancytopenia cytopenia cytopenias vasculitis myocarditis pericarditis endocarditis
meningitis encephalitis cellulitis osteomyelitis bronchiolitis bronchitis sinusitis otitis pharyngitis
tonsillitis conjunctivitis dermatitis keratitis uveitis nephritis glomerulonephritis pyelonephritis cystitis
appendicitis cholecystitis diverticulitis gastritis gastroenteritis esophagitis hepatomegaly splenomegaly
lymphadenopathy lymphohistiocytosis histiocytosis mastocytosis amyloidosis sarcoidosis fibrosis osteoporosis
osteoarthritis spondylitis spondylitis scoliosis rickets scurvy measles mumps rubella pertussis tetanus rabies
cholera typhoid dengue zika ebola mpox smallpox varicella zoster herpes syphilis gonorrhea chlamydia
candidiasis aspergillosis mucormycosis toxoplasmosis leishmaniasis schistosomiasis preeclampsia pre-eclampsia
eclampsia miscarriage infertility endometriosis menopause dysmenorrhea incontinence retention constipation
diarrhea diarrhoea vomiting nausea cough dyspnea dyspnoea fatigue rash pruritus urticaria angioedema anaphylaxis
allergy allergies syncope vertigo tinnitus deafness blindness glaucoma cataract retinopathy neuropathy
nephropathy cardiomyopathy myopathy encephalopathy coagulopathy vasculopathy arthropathy
section transplantation replacement bypass
""")

# Latin adjectives written after a condition's name ("otitis media", "diabetes insipidus", "lupus erythematosus"):
# the phrase is a condition when the word before one is
POSTPOSITIVE = _words("""
media externa interna pedis capitis corporis cruris unguium versicolor mellitus insipidus gravis migrans multiforme
nodosum pectoris epilepticus vulgaris rosea planus contagiosum gravidarum previa excavatum inversus erythematosus
perstans chronicum acuminata tarda
""")

# suffixes that mark a single word as a condition ("lymphohistiocytosis", "nephritis", "lymphoma")
CONDITION_SUFFIX = re.compile(
    r"(itis|osis|oses|emia|aemia|oma|omas|pathy|pathies|plasia|trophy|algia|uria|penia|cytosis|iasis|ism|"
    r"ectasia|megaly|rrhea|rrhoea|rrhage|plegia|paresis|spasm|deficiency|deficiencies|phasia|phagia|taxia|"
    r"opia|esthesia|thymia|kinesia|tonia|emesis|oedema|edema|cele|pnea|pnoea|"
    # procedures are the topic of a question the way conditions are ("cholecystectomy", "hip arthroplasty")
    r"ectomy|ectomies|otomy|ostomy|plasty|plasties)$")

# words that end like a condition but are not ("diagnosis", "prognosis", "dose")
NOT_CONDITION = _words("""
diagnosis prognosis analysis hypothesis synthesis basis thesis mechanism organism metabolism diagnoses
prognoses analyses bases chromosome ribosome genome diploma aroma trauma
""")

# population groups: label -> pattern (matched case-insensitively on the question)
POPULATION_PATTERNS: list[tuple[str, str]] = [
    ("children", r"child|children|childhood|pediatric|paediatric|kids?|infants?|infancy|toddlers?|adolescents?|"
                 r"adolescence|teenagers?|teens?|boys?|girls?|juvenile|school-?age"),
    ("neonates", r"neonates?|neonatal|newborns?|preterm|premature infants?"),
    ("adults", r"adults?|adult-onset|grown-?ups?"),
    ("elderly", r"elderly|older (?:adults|people|patients|persons|women|men)|geriatric|aged (?:over|above) \d+|"
                r"over (?:the age of )?(?:65|70|75|80)"),
    ("pregnancy", r"pregnan\w*|gestation\w*|breast-?feeding|lactat\w+|postpartum|peripartum|antenatal|prenatal"),
    ("women", r"women|woman|female|females"),
    ("men", r"men|man|male|males"),
    ("refractory", r"refractory|resistant|non-?responders?|unresponsive|failed|failure to respond|salvage"),
    ("relapsed", r"relapsed|relapsing|recurrent|recurring"),
    ("secondary", r"secondary"),
    ("primary", r"primary|familial"),
    ("severe", r"severe|critical(?:ly)?(?: ill)?|life-threatening|fulminant"),
    ("immunocompromised", r"immunocompromised|immunosuppressed|transplant recipients?"),
    ("renal impairment", r"renal (?:impairment|insufficiency)|kidney (?:impairment|disease)|dialysis patients"),
    ("hepatic impairment", r"hepatic (?:impairment|insufficiency)|liver (?:impairment|disease)"),
]

# variants used to find a population group in evidence sentences
POPULATION_VARIANTS: dict[str, list[str]] = {
    "children": ["children", "child", "pediatric", "paediatric", "infants", "adolescents", "childhood", "juvenile"],
    "neonates": ["neonates", "neonatal", "newborns", "infants", "preterm"],
    "adults": ["adults", "adult"],
    "elderly": ["elderly", "older adults", "older patients", "geriatric", "aged"],
    "pregnancy": ["pregnancy", "pregnant", "gestation", "gestational", "breastfeeding", "lactation", "postpartum"],
    "women": ["women", "woman", "female"],
    "men": ["men", "male"],
    "refractory": ["refractory", "resistant", "salvage", "second-line", "non-responders"],
    "relapsed": ["relapsed", "relapse", "recurrent", "recurrence"],
    "secondary": ["secondary", "acquired"],
    "primary": ["primary", "familial", "genetic", "inherited"],
    "severe": ["severe", "critically ill", "life-threatening", "fulminant"],
    "immunocompromised": ["immunocompromised", "immunosuppressed", "transplant recipients"],
    "renal impairment": ["renal impairment", "renal insufficiency", "kidney disease", "dialysis", "CKD", "eGFR",
                         "creatinine clearance", "renal function"],
    "hepatic impairment": ["hepatic impairment", "liver disease", "hepatic insufficiency", "cirrhosis", "Child-Pugh"],
}

# therapies that are not in the drug dictionary (lowercase; abbreviations map to the same entry)
THERAPIES: dict[str, list[str]] = {
    "hematopoietic stem cell transplantation": ["hsct", "hct", "stem cell transplantation", "stem cell transplant",
                                                "bone marrow transplantation", "allogeneic transplantation",
                                                "haematopoietic stem cell transplantation"],
    "chemotherapy": ["chemotherapy", "chemo"],
    "immunotherapy": ["immunotherapy"],
    "radiotherapy": ["radiotherapy", "radiation therapy", "irradiation"],
    "surgery": ["surgery", "surgical resection", "resection"],
    "plasma exchange": ["plasma exchange", "plasmapheresis"],
    "dialysis": ["dialysis", "hemodialysis", "haemodialysis", "renal replacement therapy"],
    "splenectomy": ["splenectomy"],
    "car-t cell therapy": ["car-t", "car t", "car-t cell therapy", "chimeric antigen receptor t-cell therapy"],
    "intravenous immunoglobulin": ["ivig", "intravenous immunoglobulin", "intravenous immune globulin"],
    "antithymocyte globulin": ["atg", "antithymocyte globulin", "anti-thymocyte globulin"],
    "corticosteroids": ["corticosteroids", "corticosteroid", "steroids", "steroid", "glucocorticoids"],
    "dep regimen": ["dep", "dep regimen"],
    "hlh-94 protocol": ["hlh-94", "hlh-2004", "hlh-94 protocol"],
    "mechanical ventilation": ["mechanical ventilation", "ventilation"],
    "physical therapy": ["physical therapy", "physiotherapy", "exercise therapy"],
    "psychotherapy": ["psychotherapy", "cognitive behavioral therapy", "cognitive behavioural therapy", "cbt"],
    "vaccination": ["vaccination", "vaccine", "vaccines", "immunization", "immunisation"],
    "transfusion": ["transfusion", "blood transfusion"],
    "phototherapy": ["phototherapy"],
}

# short words that are also abbreviations: never expanded when typed in lower case ("all", "can", "pad")
ENGLISH_SHORT = _words("""
all an and any are art as at be but by can cap car cat cd cr cut did dip do dose ear eat end er fat few fit for
get go had has he hot how i if in is it its law let lot low mad man map may me men mi ms my new no nor not
now of off old on one or os our out pad pat pe per pr put ra ran raw red run sad saw say see set she sit so
son sum ten the tip to too top two up us use was way we wet who why win yes yet you act aid aim air ask bad
bag ban bat bed big bit box boy bus buy cry cup day die dog dry due egg eye far fee fig fly fun gap gas gun guy
hat hit ice ill job key kid lab lap lay leg lie lip mom mud net nod nut oil pan pen pet pie pin pit pot ray rib
rid rod row rub sex shy sin sip sky spa tab tag tap tea tie toe ton tub van vet war web
""")
