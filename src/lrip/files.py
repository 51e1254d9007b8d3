"""Files people attach (an NCR's photos and documents, an attestation's backing document): kept only when
their bytes are of a type on the allow-list, under a name that is safe in a header and on a disk, and served
so that no browser runs them: safe images and PDFs inline, everything else as a download.

The type is read from the bytes (puremagic's file signatures), never taken from the name or from the
Content-Type the uploader sent, so an HTML page sent as image/png is refused instead of kept as an image;
and it is read again when the file is served, so a file kept before these checks is served as what it is.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import puremagic

KEPT = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv"})
KEPT_WORDS = "PNG, JPEG, GIF and WebP images, PDF documents, plain text and CSV files"
INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
EXTENSIONS = {"image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/gif": (".gif",),
              "image/webp": (".webp",), "application/pdf": (".pdf",), "text/plain": (".txt", ".log", ".text"),
              "text/csv": (".csv",)}
DANGEROUS = {"text/html": "an HTML page", "image/svg+xml": "an SVG drawing (it can carry scripts)",
             "application/xhtml+xml": "an XHTML page", "text/xml": "an XML document",
             "application/xml": "an XML document"}
UNKNOWN = "application/octet-stream"
MAX_NAME = 120


def sniff(data: bytes) -> str:
    """The type the bytes are, by their signature; plain text when they have none and read as UTF-8 text
    without control characters; application/octet-stream otherwise."""
    if not data:
        return UNKNOWN
    try:
        found = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError):
        found = ""
    if found:
        return found
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return UNKNOWN
    return UNKNOWN if re.search(r"[\x00-\x08\x0e-\x1f\x7f]", text) else "text/plain"


def kept_type(name: str, data: bytes, sent_as: str | None = None) -> str:
    """The type a file is kept and served as: what its bytes are; text is a CSV table when it was sent as
    one or is named .csv."""
    found = sniff(data)
    if found == "text/plain" and (sent_as == "text/csv" or name.lower().endswith(".csv")):
        return "text/csv"
    return found


def type_problems(name: str, content_type: str) -> list[str]:
    """Why a file of this type is not kept (none when it is on the allow-list)."""
    if content_type in KEPT:
        return []
    what = DANGEROUS.get(content_type) or ("of no type lrip recognises" if content_type == UNKNOWN
                                           else f"a {content_type} file")
    return [f"{name} is {what}; lrip keeps only {KEPT_WORDS}"]


def safe_name(name: str, content_type: str | None = None) -> str:
    """The name a file is kept and served under: its last path part, NFC, only letters, digits, spaces,
    '.', '-' and '_' (quotes, semicolons, slashes and control characters become '_'), at most MAX_NAME
    characters, ending in an extension that fits its type (photo.html kept as a PNG is photo.html.png)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"\s+", " ", re.sub(r"[^\w .-]+", "_", base)).strip(" ._") or "attachment"
    fitting = EXTENSIONS.get(content_type or "", ())
    extension = "" if not fitting or cleaned.lower().endswith(fitting) else fitting[0]
    return cleaned[:MAX_NAME - len(extension)].rstrip(" .") + extension


def served(name: str, data: bytes, kept_as: str | None = None) -> tuple[str, dict[str, str]]:
    """The media type and headers to serve a kept file with: its type read from its bytes, inline only
    for safe images and PDFs, a download otherwise; a type not on the allow-list is served as bytes."""
    content_type = kept_type(name, data, kept_as)
    if content_type not in KEPT:
        content_type = UNKNOWN
    filename = safe_name(name, content_type)
    plain = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = "inline" if content_type in INLINE else "attachment"
    return content_type, {"Content-Disposition": f"{disposition}; filename=\"{plain}\"; "
                                                 f"filename*=UTF-8''{quote(filename, safe='')}"}
