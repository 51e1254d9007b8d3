"""The print button's target: a unit's or a lot's cover sheets and labels as PDF, shown in the browser."""
from fastapi import APIRouter, Request, Response

from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.labels.pdf import labels_pdf
from lrip.labels.service import label_sheet
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


@router.get("/labels/{identifier}.pdf")
def labels(request: Request, identifier: str):
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            sheet = label_sheet(session, request.state.web_actor, identifier=identifier)
    except LripError as exc:
        return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                      status=status_code(exc))
    return Response(labels_pdf(sheet), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="labels-{sheet.lot}.pdf"'})
