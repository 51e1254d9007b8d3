"""Quality analysis API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["quality"], responses=problems.RESPONSES)
