"""Supply API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["supply"], responses=problems.RESPONSES)
