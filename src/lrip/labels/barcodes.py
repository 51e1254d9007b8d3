"""Code 128 barcodes as SVG, by python-barcode: the symbol encodes exactly the serial, so a scanner
that reads it types the serial into the traveler's scan box."""
from __future__ import annotations

import base64
import io

from barcode import Code128
from barcode.writer import SVGWriter

OPTIONS = {"write_text": False, "module_width": 0.33, "module_height": 12.0, "quiet_zone": 3.5}
"""Millimetres: a 0.33 mm narrow bar reads on any handheld scanner; the quiet zone is over 10 modules
(ISO/IEC 15417 asks for at least 10)."""


def code128_svg(text: str, **options) -> bytes:
    """The Code 128 symbol of `text` (the code set is chosen for the shortest symbol) as an SVG document."""
    out = io.BytesIO()
    Code128(text, writer=SVGWriter()).write(out, options={**OPTIONS, **options})
    return out.getvalue()


def code128_data_uri(text: str, **options) -> str:
    """The symbol as a data: URI, for an <img> in the labels' HTML (WeasyPrint draws it as vectors)."""
    return "data:image/svg+xml;base64," + base64.b64encode(code128_svg(text, **options)).decode("ascii")
