"""Nonconformance API."""
from fastapi import APIRouter

from lrip.api import problems

router = APIRouter(tags=["nonconformance"], responses=problems.RESPONSES)
