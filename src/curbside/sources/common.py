"""Helpers shared by the readers: safe file opening (gzip-aware, size-limited), decoding, text normalisation and
error reporting for multi-record files.

Every problem with a file surfaces as :class:`~curbside.errors.InputError` naming the file (and the record when
there is one); no raw ``OSError``/``UnicodeDecodeError`` escapes from here.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
import zlib
from pathlib import Path
from typing import BinaryIO, Callable

from curbside.errors import InputError

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
# One document's text (a text/Markdown file) and one record's line (JSONL, MEDLINE) are held in memory while they
# are cut into passages: peak memory is ~15-20x this, so a limit keeps memory flat whatever the input's size.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_RECORD_BYTES = 16 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"

ErrorCallback = Callable[[InputError], None]


# ---------------------------------------------------------------- files

def mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n < 10 * 2**20 else f"{n / 2**20:,.0f} MiB"


def check_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Raise InputError unless `path` is a readable, non-empty regular file within `max_bytes`; return its size."""
    where = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(where, "no such file or directory") from None
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise InputError(where, "is a directory; expected a file (directories are expanded by iter_files)")
    if st.st_size == 0:
        raise InputError(where, "empty file; expected a document")
    if st.st_size > max_bytes:
        raise InputError(where, f"file is {mib(st.st_size)}; the limit is {mib(max_bytes)} "
                                f"(split the file or raise max_file_bytes)")
    return st.st_size


def is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None


def open_binary(path: Path) -> BinaryIO:
    """Open for reading bytes, transparently decompressing gzip (detected by its magic bytes, not the name)."""
    try:
        if is_gzip(path):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None


def head_bytes(path: Path, n: int = 4096) -> bytes:
    """The first `n` bytes of the (decompressed) content."""
    try:
        with open_binary(path) as fh:
            return fh.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"cannot be read as gzip ({exc})") from None


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The whole (decompressed) content, refusing more than `max_bytes` after decompression."""
    try:
        with open_binary(path) as fh:
            data = fh.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"cannot be read ({exc})") from None
    if len(data) > max_bytes:
        raise InputError(str(path), f"content is larger than the limit of {mib(max_bytes)} "
                                    f"(split the file or raise max_file_bytes)")
    if not data.strip():
        raise InputError(str(path), "empty file; expected a document")
    return data


def bounded_lines(fh: BinaryIO, limit: int = MAX_RECORD_BYTES):
    """(line number, bytes, length) for each line of `fh`; a line longer than `limit` comes as (n, None, length)
    and is skipped in 1 MiB reads, never held whole, so memory stays flat whatever a line's length."""
    lineno = 0
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            n = len(raw)
            del raw
            while True:
                more = fh.readline(1 << 20)
                n += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield lineno, None, n
            continue
        yield lineno, raw, len(raw)


_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_text(data: bytes, where: str) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is an InputError with a fix."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(where, "starts with a UTF-16 byte-order mark but is not valid UTF-16") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul != -1 or len(_BINARY_CONTROL.findall(data[:65536])) > 8:
        raise InputError(where, "looks like binary data, not text (contains control bytes); "
                                "expected a UTF-8 text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                                f"re-save it as UTF-8, e.g. `iconv -f cp1252 -t utf-8`") from None


# ---------------------------------------------------------------- text

_ODD = "\x00-\x08\x0b\x0e-\x1f\x7f\u00ad\u200b\u200c\u200e\u200f\ufeff"
_EXOTIC_SPACE = "\t\f\u00a0\u2000-\u200a\u202f\u205f\u3000"
_ODD_CHARS = re.compile(f"[{_ODD}]")
_NEEDS_FIX = re.compile(f"[{_ODD}{_EXOTIC_SPACE}]")
_EXOTIC_SPACES = re.compile(f"[{_EXOTIC_SPACE}]")
_SPACE_RUN = re.compile(r" {2,}")
_MANY_NL = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFC, no control/zero-width characters, runs of spaces collapsed, lines trimmed, at most one blank line.

    Line breaks are kept (a single newline may separate list items; a blank line separates paragraphs). Built
    from cheap substring checks so that text that is already clean costs about one scan.
    """
    if not text:
        return ""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _NEEDS_FIX.search(text):
        text = _EXOTIC_SPACES.sub(" ", _ODD_CHARS.sub("", text))
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = "\n".join([line.strip(" ") for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _MANY_NL.sub("\n\n", text)
    return text.strip()


def normalise_raw(text: str) -> str:
    """NFC, "\n" line ends, no control/zero-width characters; spaces and indentation are kept (layout analysis
    of OCR text uses leading spaces)."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ODD_CHARS.sub("", text) if _ODD_CHARS.search(text) else text


def clean_line(text: str) -> str:
    """normalise_text for a one-line value (titles, names): newlines become spaces."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split())
    return " ".join(normalise_text(text).split())


_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def year_from(value: object) -> int | None:
    """The first plausible year (1800-2099) in an int or a string such as "2017 Jan" or "2011-05-02"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1800 <= value <= 2099 else None
    m = _YEAR.search(str(value))
    return int(m.group(1)) if m else None


_DOI = re.compile(r"10\.\d{4,9}/\S+")


def clean_doi(value: str) -> str:
    """A bare DOI ("10.1002/pbc.26308") from a DOI, a doi.org URL or "doi:..."; "" when there is none."""
    m = _DOI.search(value or "")
    return m.group(0).rstrip(".,;)]}>\"'") if m else ""


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else ""


# ---------------------------------------------------------------- errors of multi-record files

class RecordErrors:
    """Routes bad-record errors: to `on_error` when given (reading goes on), else collected and raised at the end
    (so the good records of the file are still yielded first)."""

    def __init__(self, on_error: ErrorCallback | None):
        self.on_error = on_error
        self.errors: list[InputError] = []

    def __call__(self, err: InputError) -> None:
        if self.on_error is not None:
            self.on_error(err)
        else:
            self.errors.append(err)

    def raise_collected(self) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        more = len(self.errors) - 1
        suffix = f" (and {more} more bad record{'s' if more > 1 else ''} in this file)" if more else ""
        raise InputError(first.where, first.problem + suffix)
