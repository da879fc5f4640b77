"""One spelling key for the ways a biomedical name is written: with a Greek letter, its spelled-out name or its
initial, with a hyphen or a space, with or without a space between a number and the letter after it. Concept
matching (`retrieve.search.coverages`) finds a question's phrase or name in a text by its key too."""

from __future__ import annotations

import re
from functools import lru_cache

# the same name written with a Greek letter, its spelled-out name or its initial ("γ-H2AX", "gamma-H2AX",
# "5alpha-reductase", "5A-reductase"), with a hyphen or a space ("E-cadherin", "e cadherin"), or with a space
# between a number and the letter after it ("m6 A", "m6A"): one spelling key
_GREEK = {"α": "a", "β": "b", "γ": "g", "δ": "d", "κ": "k", "alpha": "a", "beta": "b", "gamma": "g", "delta": "d",
          "kappa": "k"}
_GREEK_RE = re.compile(r"[αβγδκ]|(?<![a-z])(?:alpha|beta|gamma|delta|kappa)(?![a-z])")
_KEY_TOKEN = re.compile(r"[a-z0-9]+")
_NUMBER_LETTER = re.compile(r"(?<=\d) (?=[a-z](?: |$))")


@lru_cache(maxsize=16384)
def spelling_key(text: str) -> str:
    """`text` lower-cased as space-separated words, Greek letters written as their initial, a lone letter joined
    to the number before it, padded with one space each side (so a key is found inside another by `in` at word
    boundaries only)."""
    low = _GREEK_RE.sub(lambda m: _GREEK[m.group(0)], text.lower())
    return _NUMBER_LETTER.sub("", " " + " ".join(_KEY_TOKEN.findall(low)) + " ")


@lru_cache(maxsize=16384)
def keyed(variant: str) -> str | None:
    """The spelling key of a variant that can be written another way (a phrase, a hyphenated or Greek name, a
    name with a digit), else None: a plain word is matched as it is, never as part of a hyphenated word."""
    key = spelling_key(variant)
    if len(key) < 5 or not (" " in key.strip() or any(c.isdigit() for c in key) or key.strip() != variant):
        return None
    return key
