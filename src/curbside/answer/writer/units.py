"""The evidence units handed to a language model: numbered, with what the relevance model and roles say of them."""

from __future__ import annotations

from dataclasses import dataclass

from curbside.answer.models import Quote


@dataclass
class EvidenceUnit:
    n: int                        # the number the model cites: [E{n}]
    unit: object                  # answer.units.Unit
    prob: float                   # relevance probability
    role: str                     # answer.roles role
    polarity: str                 # for | against | neutral
    populations: frozenset[str]

    @classmethod
    def of(cls, n: int, scored) -> "EvidenceUnit":
        r = scored.role
        return cls(n, scored.unit, float(scored.prob), r.role, r.polarity, frozenset(r.populations))

    @property
    def quote(self) -> Quote:
        u = self.unit
        return Quote(document_id=u.document.id, passage_id=u.passage.id, text=u.quote, start=u.start, end=u.end)
