"""Planning API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["planning"], responses=problems.RESPONSES)
