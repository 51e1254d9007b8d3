"""The gauge recall page: what a gauge found out of tolerance at calibration measured since its last good
calibration, for a quality engineer to review. It reads only, as the signed-in person."""
from fastapi import APIRouter, Request

from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.execution import gauges
from lrip.fields import identifier
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


@router.get("/gauges/{code}/recall")
def gauge_recall_page(request: Request, code: str):
    """Each calibration that found the gauge out of tolerance, with the results it puts up for review."""
    try:
        code = identifier(code, "a gauge code")
    except ValueError as exc:
        return render(request, "message.html", {"title": "Not a gauge code", "reasons": [str(exc)]}, status=422)
    with unit_of_work(request.app.state.database_url, write=False) as session:
        try:
            recall = gauges.gauge_recall(session, request.state.web_actor, code=code)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    return render(request, "gauge_recall.html", {"r": recall})
