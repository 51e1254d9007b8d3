"""The labels as a PDF (WeasyPrint, from a Jinja template like the other exports): a traveler cover
sheet per unit, then the serial labels, three across on A4."""
from __future__ import annotations

from lrip.labels.barcodes import code128_data_uri
from lrip.labels.schemas import LabelSheet
from lrip.web.render import templates


def labels_html(sheet: LabelSheet) -> str:
    barcodes = {u.serial: code128_data_uri(u.serial) for u in sheet.units}
    return templates.get_template("labels_pdf.html").render(s=sheet, barcodes=barcodes)


def labels_pdf(sheet: LabelSheet) -> bytes:
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    return HTML(string=labels_html(sheet)).write_pdf()
