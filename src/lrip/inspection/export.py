"""The FAI as an auditor takes it away: a PDF of AS9102 Forms 1-3 (WeasyPrint, from the same
Jinja templates as the pages) and Form 3 as CSV. Both take the plain record of
inspection.first_article.fai_record, never a session."""
from __future__ import annotations

import csv
import io

from lrip.inspection.schemas import FaiOut
from lrip.web.render import templates

FORM3_COLUMNS = ("char_no", "balloon", "drawing_zone", "code", "name", "operation", "key", "requirement", "nominal", "lsl", "usl", "units",
                 "result", "in_spec", "tooling", "ncr", "disposition", "measured_by", "measured_at")


def form3_csv(record: FaiOut) -> str:
    """AS9102 Form 3 (characteristic accountability and results) as CSV, one row per characteristic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["fai_number", *FORM3_COLUMNS])
    for row in record.form3:
        values = [row.get(c) for c in FORM3_COLUMNS]
        values[FORM3_COLUMNS.index("tooling")] = " ".join(row.get("tooling") or [])
        writer.writerow([record.number, *["" if v is None else v for v in values]])
    return buffer.getvalue()


def fai_html(record: FaiOut) -> str:
    return templates.get_template("fai_pdf.html").render(f=record)


def fai_pdf(record: FaiOut) -> bytes:
    """The three forms on A4 landscape, each signature with name, role, meaning and time."""
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    return HTML(string=fai_html(record)).write_pdf()
