"""Capacity API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["capacity"], responses=problems.RESPONSES)
