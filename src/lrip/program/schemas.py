"""Response bodies of the program API."""
from pydantic import BaseModel


class ProgramRow(BaseModel):
    code: str
    name: str
    phase: str
    part: str
    planned_total: int
    lrip_quantity: int | None
    frp_target_rate: float
    lots: int
    units: int
    units_by_status: dict[str, int]


class LotRow(BaseModel):
    number: str
    phase: str
    status: str
    planned_quantity: int
    routing_revision: str
    units: int
    units_by_status: dict[str, int]
