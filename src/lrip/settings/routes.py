"""The installation's settings API."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from lrip.api import problems
from lrip.api.deps import act, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.settings import service
from lrip.settings.schemas import SettingOut, SettingSet

router = APIRouter(tags=["settings"], responses=problems.RESPONSES)
KeyPath = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", description="The setting (organization).")]


@router.get("/settings", response_model=list[SettingOut], openapi_extra=uses(service.settings))
def settings(request: Request, actor: Actor = Depends(signed_in)):
    """Every setting of the installation, with its value and who set it."""
    with read(request) as session:
        return service.settings(session, actor)


@router.put("/settings/{key}", response_model=SettingOut, openapi_extra=uses(service.set_setting))
def set_setting(key: KeyPath, body: SettingSet, request: Request, actor: Actor = Depends(signed_in)):
    """Set one setting, with the reason (an admin; audited)."""
    return act(request, actor, body.model_dump(), lambda s: service.set_setting(s, actor, key=key,
                                                                                **body.model_dump()))
