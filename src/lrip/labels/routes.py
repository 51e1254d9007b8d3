"""Labels over HTTP: what a unit's or a lot's labels show, and the PDF."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from lrip.api import problems
from lrip.api.deps import read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.labels.pdf import labels_pdf
from lrip.labels.schemas import LabelSheet
from lrip.labels.service import label_sheet

router = APIRouter(tags=["labels"], responses=problems.RESPONSES)
IdentifierPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                     description="A unit's serial or a lot number.")]


@router.get("/labels/{identifier}", response_model=LabelSheet, openapi_extra=uses(label_sheet))
def labels(identifier: IdentifierPath, request: Request, actor: Actor = Depends(signed_in)):
    """What the traveler cover sheets and serial labels of a unit or a lot show."""
    with read(request) as session:
        return label_sheet(session, actor, identifier=identifier)


@router.get("/labels/{identifier}/pdf", response_class=Response, openapi_extra=uses(label_sheet),
            responses={200: {"content": {"application/pdf": {}}, "description": "Cover sheets and labels."}})
def labels_as_pdf(identifier: IdentifierPath, request: Request, actor: Actor = Depends(signed_in)):
    """The traveler cover sheets and Code 128 serial labels as PDF."""
    with read(request) as session:
        sheet = label_sheet(session, actor, identifier=identifier)
    return Response(labels_pdf(sheet), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="labels-{sheet.lot}.pdf"'})
