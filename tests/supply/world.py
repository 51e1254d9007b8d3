"""A small supply base for the supply tests: three suppliers (approved, conditional,
disqualified), a lot-tracked and a serialized part, and a buyer and an inspector."""
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.supply import service as supply

ADMIN, BUYER, INSPECTOR = "admin", "bea", "ian"
TODAY = date.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def build_supply(session: Session) -> None:
    create_user(session, username=ADMIN, full_name="Ada Admin", roles=["admin"], actor="system")
    create_user(session, username=BUYER, full_name="Bea Buyer", roles=["supply_chain"], actor=ADMIN)
    create_user(session, username=INSPECTOR, full_name="Ian Inspector", roles=["inspector"], actor=ADMIN)
    catalog.create_part(session, number="BRK-1", description="Bracket", tracking="lot", actor=ADMIN)
    catalog.create_part(session, number="PCB-9", description="Controller board", tracking="serial", actor=ADMIN)
    catalog.create_part(session, number="GSK-2", description="Gasket", tracking="lot", actor=ADMIN)
    supply.create_supplier(session, code="ACME", name="Acme Machining", status="approved", actor=BUYER)
    supply.create_supplier(session, code="CND", name="Conditional Circuits", status="conditional", actor=BUYER)
    supply.create_supplier(session, code="DQ", name="Disqualified Die Casting", status="approved", actor=BUYER)
    supply.approve_source(session, part="BRK-1", supplier="ACME", actor=BUYER)
    supply.approve_source(session, part="PCB-9", supplier="CND", actor=BUYER)
    supply.approve_source(session, part="BRK-1", supplier="DQ", actor=BUYER)


def order(session: Session, number: str, supplier: str, ordered: date, lines: list[tuple]) -> None:
    """lines: (part, quantity, promised date)."""
    supply.create_purchase_order(session, number=number, supplier=supplier, ordered_on=ordered, actor=BUYER)
    for part, quantity, promised in lines:
        supply.add_order_line(session, po=number, part=part, quantity=quantity, promised_on=promised, actor=BUYER)
