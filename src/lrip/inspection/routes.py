"""Inspection by phase API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["inspection"], responses=problems.RESPONSES)
