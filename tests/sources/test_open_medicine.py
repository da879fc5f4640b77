"""The embedded open-medicine guidelines (the package is a dependency) and a local folder in the same layout."""

from __future__ import annotations

import json
import sys

import pytest

from curbside.corpus.models import EvidenceLevel
from curbside.errors import InputError
from curbside.sources import read_open_medicine, read_path
from curbside.sources.open_medicine import guidelines_dir


@pytest.mark.skipif(guidelines_dir() is None, reason="open-medicine is not installed")
def test_installed_package():
    loaded_before = "open_medicine" in sys.modules
    docs = list(read_open_medicine())
    assert len(docs) >= 40
    assert all(d.doi and d.url == f"https://doi.org/{d.doi}" for d in docs)
    assert all(d.tier == EvidenceLevel.GUIDELINE and d.source_name == "open-medicine" for d in docs)
    assert all(d.external_id and d.title and d.year and d.journal and d.sections for d in docs)
    assert len({d.external_id for d in docs}) == len(docs)
    text = "\n".join(s.text for d in docs for s in d.sections)
    assert "(Strong, High)" in text and "**" not in text
    assert any(s.kind == "table" for d in docs for s in d.sections)
    assert ("open_medicine" in sys.modules) == loaded_before       # located, not imported


def test_local_folder(tmp_path):
    root = tmp_path / "guidelines"
    (root / "content" / "inv_2024").mkdir(parents=True)
    (root / "registry.json").write_text(json.dumps([
        {"id": "inv_2024", "title": "Invented 2024 guideline", "doi": "10.9999/inv.2024", "year": 2024,
         "organization": "INV", "sections": ["dosing"]},
        {"id": "missing_2020", "title": "Registry entry without files", "doi": "10.9999/m", "year": 2020,
         "organization": "INV", "sections": ["gone"]},
    ]))
    (root / "content" / "inv_2024" / "dosing.md").write_text(
        "# Dosing — INV 2024\n\n## Adults\n\nGive **5 mg** daily (Strong, Moderate).\n")
    errors = []
    from curbside.sources.open_medicine import read_open_medicine as read_folder

    docs = list(read_folder(root, on_error=errors.append))
    assert [d.external_id for d in docs] == ["inv_2024"]
    assert docs[0].sections[0].title == "Adults" and docs[0].sections[0].text == "Give 5 mg daily (Strong, Moderate)."
    assert "missing_2020" in errors[0].where and "missing" in errors[0].problem
    assert [d.external_id for d in read_path(root, "open_medicine", on_error=lambda e: None)] == ["inv_2024"]
    with pytest.raises(InputError):
        list(read_path(root, "open_medicine"))
