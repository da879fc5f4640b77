"""Drug names from the `drug-named-entity-recognition` dictionary (20k drugs, 107k synonyms, MIT).

The package's own loader takes ~3 s; the first use here builds a compact lookup (synonym -> canonical drug) and
caches it as a pickle under the user cache directory, so later processes load it in a fraction of that.
"""

from __future__ import annotations

import os
import pickle
import re
import threading
from dataclasses import dataclass
from pathlib import Path

_CACHE_VERSION = 2
_lock = threading.Lock()
_lookup: dict[str, tuple[str, str, str]] | None = None     # lowercase surface -> (name, mesh_id, drugbank_id)
_synonyms: dict[str, list[str]] | None = None              # canonical lowercase name -> synonyms
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
# dictionary entries that are ordinary words (or too ambiguous) in clinical prose
STOPLIST = {
    "today", "alcohol", "water", "oxygen", "air", "salt", "sugar", "iron", "zinc", "calcium", "magnesium", "sodium",
    "potassium", "fat", "protein", "blood", "plasma", "serum", "albumin", "control", "placebo", "standard", "gold",
    "silver", "copper", "lead", "lithium", "light", "heat", "balance", "care", "plan", "complete", "response",
    "remission", "support", "cover", "day", "night", "ice", "bleach", "tar", "sulfur", "carbon", "nitrogen",
    "hydrogen", "helium", "chlorine", "fluoride", "mineral", "vitamin", "vitamins", "dextrose", "glucose", "insulin",
    "saline", "hormone", "hormones", "steroid", "steroids", "antibiotic", "antibiotics", "vaccine", "vaccines",
    "tea", "coffee", "milk", "honey", "cannabis", "tobacco", "nicotine", "caffeine", "il", "ifn", "tnf", "cd", "hlh",
    "mas", "atg", "dep", "ivig", "sle", "all", "aml", "cml", "cll", "ra", "ms", "pe", "mi", "af", "ace", "arb",
}


@dataclass
class Drug:
    name: str          # canonical generic name, lowercase
    matched: str       # surface text
    start: int
    end: int
    mesh_id: str = ""
    drugbank_id: str = ""


def _cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "curbside" / f"drugs-v{_CACHE_VERSION}.pkl"


def _build() -> tuple[dict, dict]:
    import bz2

    import drug_named_entity_recognition as dner

    src = Path(dner.__file__).parent / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(src, "rb") as fh:
        raw = pickle.load(fh)
    lookup: dict[str, tuple[str, str, str]] = {}
    synonyms: dict[str, list[str]] = {}
    canon = raw["drug_canonical_to_data"]
    for surface, names in raw["drug_variant_to_canonical"].items():
        s = str(surface).lower().strip()
        if len(s) < 4 or s in STOPLIST or not names:
            continue
        data = canon.get(names[0], {})
        name = str(data.get("name", names[0])).lower()
        if name in STOPLIST:
            continue
        lookup[s] = (name, data.get("mesh_id", "") or "", data.get("drugbank_id", "") or "")
        syns = synonyms.setdefault(name, [])
        if s != name and len(syns) < 8:
            syns.append(s)
    return lookup, synonyms


def _load() -> tuple[dict, dict]:
    global _lookup, _synonyms
    if _lookup is not None:
        return _lookup, _synonyms  # type: ignore[return-value]
    with _lock:
        if _lookup is None:
            path = _cache_path()
            try:
                with path.open("rb") as fh:
                    _lookup, _synonyms = pickle.load(fh)
            except (OSError, pickle.PickleError, EOFError, ValueError):
                try:
                    _lookup, _synonyms = _build()
                except Exception:   # dictionary unavailable: drug recognition degrades to nothing
                    _lookup, _synonyms = {}, {}
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(".tmp")
                    with tmp.open("wb") as fh:
                        pickle.dump((_lookup, _synonyms), fh, protocol=pickle.HIGHEST_PROTOCOL)
                    os.replace(tmp, path)
                except OSError:
                    pass
    return _lookup, _synonyms  # type: ignore[return-value]


def find_drugs(text: str) -> list[Drug]:
    """Drug mentions (longest match over 1-4 tokens), each drug once, in order of appearance."""
    lookup, _ = _load()
    toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[Drug] = []
    seen: set[str] = set()
    i = 0
    while i < len(toks):
        for n in (4, 3, 2, 1):
            if i + n > len(toks):
                continue
            s, e = toks[i][1], toks[i + n - 1][2]
            surface = text[s:e].lower()
            hit = lookup.get(surface)
            if hit:
                if hit[0] not in seen:
                    seen.add(hit[0])
                    out.append(Drug(hit[0], text[s:e], s, e, hit[1], hit[2]))
                i += n
                break
        else:
            i += 1
    return out


def drug_synonyms(name: str) -> list[str]:
    lookup, synonyms = _load()
    hit = lookup.get(name.lower().strip())
    if not hit:
        return []
    canonical = hit[0]
    out = [canonical] + synonyms.get(canonical, [])
    return [s for s in dict.fromkeys(out) if s != name.lower()][:5]
