"""Work instructions are Markdown (CommonMark with tables), their images attached by file name.

markdown-it-py parses it with raw HTML off (any HTML in the text is shown as text) and rejects
`javascript:`-style links; nh3 (the Ammonia sanitiser) then keeps only the tags and attributes an
instruction needs, so what a page shows can never run a script. Images are the revision's own
attachments: a name like `datum-a.png`, never a URL (the plant runs without the internet)."""
from __future__ import annotations

import re
from functools import cache
from typing import Callable

import nh3
from markdown_it import MarkdownIt

from lrip import files

IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
"""The images an instruction may show, read from their bytes (no SVG: it can carry a script)."""
MAX_IMAGE_BYTES = 2 * 1024 * 1024
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote", "ul",
         "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def image_names(content: str) -> list[str]:
    """The images the Markdown shows, in order, as written (`![datum A](datum-a.png)` → 'datum-a.png')."""
    names = []
    for token in _parser().parse(content):
        for child in token.children or ():
            if child.type == "image":
                names.append(str(child.attrGet("src") or ""))
    return names


def image_problems(content: str, images: dict[str, bytes]) -> list[str]:
    """Every reason the Markdown's images and the attached files do not go together."""
    reasons = []
    for name in dict.fromkeys(image_names(content)):
        if not IMAGE_NAME.match(name):
            reasons.append(f"image {name!r} is not a file name; attach the image beside the instruction and "
                           "name it, like datum-a.png")
        elif name not in images:
            reasons.append(f"image {name} is not attached (it is not beside the file)")
    for name, data in images.items():
        reasons += [f"image {name}: {r}" for r in file_problems(name, data)]
    return reasons


def content_type(data: bytes) -> str | None:
    """The image's type from its bytes (lrip.files.sniff), or None when it is not one an instruction may show."""
    found = files.sniff(data)
    return found if found in IMAGE_TYPES else None


def file_problems(name: str, data: bytes) -> list[str]:
    reasons = []
    if not IMAGE_NAME.match(name):
        reasons.append("an image's name is 1 to 120 of A-Z, a-z, 0-9, '.', '_', '-'")
    if not data:
        reasons.append("the file is empty")
    elif len(data) > MAX_IMAGE_BYTES:
        reasons.append(f"the file is {len(data) / 1048576:.1f} MB; an image is at most "
                       f"{MAX_IMAGE_BYTES // 1048576} MB")
    elif content_type(data) is None:
        reasons.append("it is not a PNG, JPEG, GIF or WebP image")
    return reasons


def render(content: str, image_url: Callable[[str], str]) -> str:
    """The Markdown as sanitised HTML; each attached image's name becomes `image_url(name)`."""
    tokens = _parser().parse(content)
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                child.attrSet("src", image_url(str(child.attrGet("src") or "")))
    html = _parser().renderer.render(tokens, _parser().options, {})
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")
