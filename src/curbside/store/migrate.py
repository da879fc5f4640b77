"""Copying a corpus between stores (SQLite <-> PostgreSQL) and proving the copy: counts and checksums.

`copy_store(source, target)` copies every document (its stored id, version, dates and metadata), its passages
(same ids and offsets), the abbreviations found in it, and each passage's vector (the vector itself, never
recomputed), in batches, each one transaction. `fingerprint(store)` reads a store back through the same protocol
and hashes what it holds, so a copy is verified by comparing the two fingerprints.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from curbside.errors import InputError
from curbside.store.protocols import CorpusStoreLike


@dataclass
class Fingerprint:
    documents: int = 0
    passages: int = 0
    vectors: int = 0
    checksums: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"documents": self.documents, "passages": self.passages, "vectors": self.vectors,
                "checksums": self.checksums}


def fingerprint(store: CorpusStoreLike, batch: int = 500) -> Fingerprint:
    """Counts, and a SHA-256 each over documents, passages and vectors, in id order (backend-independent)."""
    docs = sorted(d.id for d in store.list_documents())
    h_doc, h_pas, h_vec = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
    fp = Fingerprint(documents=len(docs))
    vs = store.vector_store()
    for s in range(0, len(docs), batch):
        for doc_id in docs[s:s + batch]:
            d = store.get_document(doc_id)
            h_doc.update(repr((d.id, d.title, d.content_hash, d.version, d.added_at, d.evidence_level.value,
                               d.year, d.pmid, d.doi, d.external_id, d.authors, d.journal)).encode())
            passages = store.passages_of(doc_id)
            fp.passages += len(passages)
            vecs = vs.vectors_by_passage_id([p.id for p in passages])
            for p in passages:
                h_pas.update(repr((p.id, p.document_id, p.ordinal, p.start, p.end, p.section, p.kind, p.page,
                                   hashlib.sha256(p.text.encode()).hexdigest())).encode())
                if p.id in vecs:
                    fp.vectors += 1
                    h_vec.update(p.id.encode() + np.asarray(vecs[p.id], dtype=np.float16).tobytes())
    fp.checksums = {"documents": h_doc.hexdigest()[:16], "passages": h_pas.hexdigest()[:16],
                    "vectors": h_vec.hexdigest()[:16]}
    return fp


def copy_store(source: CorpusStoreLike, target: CorpusStoreLike, batch: int = 200,
               progress: Callable[[int, int], None] | None = None) -> int:
    """Copy everything in `source` into the empty `target`; returns the number of documents copied."""
    from curbside.store.ingest import _abbreviations

    have = target.counts()[0]
    if have:
        raise InputError("--to", f"the target store already holds {have:,} documents; expected an empty store")
    ids = [d.id for d in source.list_documents()]
    src_vs, dst_vs = source.vector_store(), target.vector_store()
    done = 0
    for s in range(0, len(ids), batch):
        chunk = ids[s:s + batch]
        with target.guarded():
            target.begin()
            try:
                for doc_id in chunk:
                    doc = source.get_document(doc_id)
                    target.add_document(doc, source.passages_of(doc_id), _abbreviations(doc.text))
            except BaseException:
                target.rollback()
                raise
            target.commit()
        _copy_vectors(src_vs, target, dst_vs, chunk)
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    for key in ("default_corpus_loaded",):
        value = source.get_meta(key)
        if value:
            target.set_meta(key, value)
    return done


def _copy_vectors(src_vs, target, dst_vs, document_ids: list[str]) -> None:
    """Give the target's passages of these documents the source's vectors (through the target's cache)."""
    items = dst_vs.missing_for(document_ids)
    ids = {k: p.id for k, p in target.get_passages_by_key([k for k, _ in items]).items()}   # key -> passage id
    vecs = src_vs.vectors_by_passage_id(list(ids.values()))
    items = [(k, text) for k, text in items if ids.get(k) in vecs]
    if not items:
        return
    by_text = {text: vecs[ids[k]] for k, text in items}

    def encode(texts: list[str]) -> np.ndarray:
        return np.stack([by_text[t] for t in texts]).astype(np.float32)

    dst_vs.embed_items(items, encode, commit_seconds=1e9, max_chunk=1000)
