"""OCR-style table text shared by the outcome and evidence-table tests (invented: no real study)."""

# A DEP row whose N cell wraps ("(adults only, ... apart)"), so OCR interleaves it with the regimen lines.
DEP_ROWS = """DEP
Novak et al. 18 (adults only, In the first cycle: 3 weeks 7 6 5

children were Liposomal doxorubicin 30 mg/m2 on

analysed apart) day 2.

Etoposide 75 mg/m2 on the first

day of each week.

Methylprednisolone 10 mg/kg, days
1-4; 5 mg/kg, days 5-8; 1 mg/kg,
days 9-12

CR, complete response; PR, partial response; NR, no response.
"""
