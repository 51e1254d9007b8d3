"""Change control API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["change"], responses=problems.RESPONSES)
