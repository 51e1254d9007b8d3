"""Traceability API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["trace"], responses=problems.RESPONSES)
