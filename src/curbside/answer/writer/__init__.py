"""The writer stage: between evidence selection and rendering, what turns the selected evidence units into an
article.

* ``extractive`` (the default, and the fallback): every sentence is the exact span of one unit
  (answer/compose.py).
* ``llm``: a language model (an OpenAI-compatible server or a local GGUF file, see llm_client.py) writes the
  article in Curbside's sections from numbered units; every written sentence is a claim checked against the verbatim
  quotes of the units it cites (claims.py), and only claims that pass are shown (llm.py).
"""

from __future__ import annotations

from typing import Callable, Protocol

from curbside.answer.models import Article
from curbside.retrieve.query import ParsedQuestion
from curbside.retrieve.search import SearchHit

WRITERS = ("extractive", "llm")

# progress(stage, detail): "selecting evidence", "writing", "checking", "done" -- shown by the web app while it
# streams an answer
Progress = Callable[[str, str], None]


class Writer(Protocol):
    name: str

    def write(self, question: str, parsed: ParsedQuestion, hits: list[SearchHit], audience: str = "clinician", *,
              progress: Progress | None = None, on_token: Callable[[str], None] | None = None) -> Article: ...


class ExtractiveWriter:
    """Today's composer: quoted units in guideline-first sections, or an abstention."""

    name = "extractive"

    def __init__(self, settings):
        self.settings = settings

    def write(self, question: str, parsed: ParsedQuestion, hits: list[SearchHit], audience: str = "clinician", *,
              progress: Progress | None = None, on_token: Callable[[str], None] | None = None) -> Article:
        from curbside.answer.compose import abstain, compose_article

        article = compose_article(question, parsed, hits, self.settings, audience) if hits \
            else abstain(question, parsed)
        article.writer = self.name
        return article


def get_writer(name: str, settings, client=None) -> Writer:
    from curbside.errors import InputError

    if name == "extractive":
        return ExtractiveWriter(settings)
    if name == "llm":
        from curbside.answer.writer.llm import LLMWriter

        return LLMWriter(settings, client)
    raise InputError("--writer", f"unknown writer {name!r}; expected one of {', '.join(WRITERS)}")
