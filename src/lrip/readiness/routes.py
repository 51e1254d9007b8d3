"""The FRP readiness gate API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["readiness"], responses=problems.RESPONSES)
